--TEST--
Hooks: fopen, file_get_contents, file_put_contents, readfile, file, unlink, rename, copy, opendir, scandir, include, require
--INI--
rampart.policy={PWD}/block-policy.json
--FILE--
<?php
$root = sys_get_temp_dir() . '/rampart-files-' . getmypid();
@mkdir("$root/public", 0777, true);
file_put_contents("$root/secret.txt", "SECRET\n");
file_put_contents("$root/public/a.txt", "public a\n");
file_put_contents("$root/public/page.php", "<?php echo 'included page', PHP_EOL;");
file_put_contents("$root/evil.php", "<?php echo 'EVIL RAN', PHP_EOL;");
$base = "$root/public/";

Rampart\request_reset();
Rampart\request_add_input('query', 'file', '../secret.txt');
Rampart\request_add_input('query', 'page', '../evil.php');
Rampart\request_add_input('query', 'ok', 'a.txt');
Rampart\request_add_input('query', 'okpage', 'page.php');

// Benign: the input names a file inside the directory.
echo file_get_contents($base . 'a.txt');
readfile($base . 'a.txt');
echo file($base . 'a.txt')[0];
$f = fopen($base . 'a.txt', 'r'); echo fgets($f); fclose($f);
include $base . 'page.php';
require $base . 'page.php';

$t = $base . '../secret.txt';
$attacks = [
    'fopen' => fn() => fopen($t, 'r'),
    'file_get_contents' => fn() => file_get_contents($t),
    'file_put_contents' => fn() => file_put_contents($t, 'overwritten'),
    'readfile' => fn() => readfile($t),
    'file' => fn() => file($t),
    'unlink' => fn() => unlink($t),
    'rename' => fn() => rename($t, "$root/public/stolen.txt"),
    'copy' => fn() => copy($t, "$root/public/stolen.txt"),
    'copy to' => fn() => copy("$root/public/a.txt", $t),
    'scandir' => fn() => scandir($base . '../secret.txt'),
    'opendir' => fn() => opendir($base . '../secret.txt'),
    'include' => fn() => include $base . '../evil.php',
    'include_once' => fn() => include_once $base . '../evil.php',
];
foreach ($attacks as $name => $attack) {
    try { $attack(); echo "$name: not blocked\n"; }
    catch (Rampart\BlockedException $e) { echo "$name: ", preg_replace('/ \(event \w+\)/', '', $e->getMessage()), "\n"; }
}
echo file_get_contents("$root/secret.txt");
var_dump(file_exists("$root/public/stolen.txt"));
echo "require:\n";
require $base . '../evil.php';
echo "not reached\n";
?>
--CLEAN--
<?php
$root = sys_get_temp_dir() . '/rampart-files-';
foreach (glob("$root*") as $dir) { exec('rm -rf ' . escapeshellarg($dir)); }
?>
--EXPECTF--
public a
public a
public a
public a
included page
included page
fopen: rampart blocked path_traversal at fopen
file_get_contents: rampart blocked path_traversal at file_get_contents
file_put_contents: rampart blocked path_traversal at file_put_contents
readfile: rampart blocked path_traversal at readfile
file: rampart blocked path_traversal at file
unlink: rampart blocked path_traversal at unlink
rename: rampart blocked path_traversal at rename
copy: rampart blocked path_traversal at copy
copy to: rampart blocked path_traversal at copy
scandir: rampart blocked path_traversal at scandir
opendir: rampart blocked path_traversal at opendir
%Ainclude: rampart blocked path_traversal at include
%Ainclude_once: rampart blocked path_traversal at include
SECRET
bool(false)
require:
blocked by rampart: %x
