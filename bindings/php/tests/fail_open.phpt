--TEST--
Fail open: an unreadable policy leaves every sink working; the API says why
--EXTENSIONS--
sqlite3
--INI--
rampart.policy={PWD}/no-such-policy.json
rampart.events={PWD}/fail_open.events
--FILE--
<?php
$db = new SQLite3(':memory:');
echo $db->querySingle("SELECT 'x' OR '1'='1'"), "\n";
echo shell_exec('echo still works');
try { Rampart\check_sql('mysql', 'SELECT 1'); }
catch (Rampart\RampartException $e) { echo preg_replace('/: .*no-such-policy.json/', ': POLICY', $e->getMessage()), "\n"; }
$e = json_decode(file(__DIR__ . '/fail_open.events')[0], true);
echo $e['action'], ' ', $e['error']['kind'], "\n";
?>
--CLEAN--
<?php @unlink(__DIR__ . '/fail_open.events'); ?>
--EXPECTF--
1
still works
rampart has no policy: POLICY: No such file or directory (os error 2)
failed_open internal
