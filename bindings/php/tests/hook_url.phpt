--TEST--
Hooks: curl_init, curl_setopt, curl_setopt_array, curl_exec, file_get_contents/fopen on URLs (blocked before any connection)
--EXTENSIONS--
curl
--INI--
rampart.policy={PWD}/block-policy.json
--FILE--
<?php
Rampart\request_reset();
Rampart\request_add_input('query', 'url', 'http://169.254.169.254/latest/meta-data/iam/');
Rampart\request_add_input('query', 'host', '169.254.169.254');
$url = 'http://169.254.169.254/latest/meta-data/iam/';
$attacks = [
    'curl_init' => fn() => curl_init($url),
    'curl_setopt' => fn() => curl_setopt(curl_init(), CURLOPT_URL, $url),
    'curl_setopt_array' => fn() => curl_setopt_array(curl_init(), [CURLOPT_RETURNTRANSFER => true, CURLOPT_URL => $url]),
    'file_get_contents' => fn() => file_get_contents($url),
    'fopen' => fn() => fopen($url, 'r'),
    'copy' => fn() => copy($url, '/dev/null'),
    'host only' => fn() => file_get_contents('http://169.254.169.254/latest/meta-data/'),
];
foreach ($attacks as $name => $attack) {
    try { $attack(); echo "$name: not blocked\n"; }
    catch (Rampart\BlockedException $e) { echo "$name: ", preg_replace('/ \(event \w+\)/', '', $e->getMessage()), "\n"; }
}
// curl_exec checks the URL the handle will fetch, however it was set.
Rampart\request_reset();
$ch = curl_init();
curl_setopt($ch, CURLOPT_URL, $url);           // set before the input exists: not flagged here
Rampart\request_add_input('query', 'url', $url);
try { curl_exec($ch); echo "curl_exec: not blocked\n"; }
catch (Rampart\BlockedException $e) { echo "curl_exec: blocked\n"; }
// Report mode would see the URL twice (curl_setopt, then curl_exec): one event. Here, in
// block mode, an application that caught the first exception still cannot run the handle.
Rampart\request_reset();
Rampart\request_add_input('query', 'url', $url);
$ch = curl_init();
try { curl_setopt($ch, CURLOPT_URL, $url); } catch (Rampart\BlockedException $e) { echo "curl_setopt: blocked\n"; }
var_dump(curl_getinfo($ch, CURLINFO_EFFECTIVE_URL));
// Benign: a fixed host with a user-chosen path is not SSRF (the handle is never run).
Rampart\request_reset();
Rampart\request_add_input('query', 'page', 'docs/intro');
var_dump(curl_setopt(curl_init(), CURLOPT_URL, 'https://api.example.com/docs/intro'));
?>
--EXPECT--
curl_init: rampart blocked ssrf at curl_init
curl_setopt: rampart blocked ssrf at curl_setopt
curl_setopt_array: rampart blocked ssrf at curl_setopt_array
file_get_contents: rampart blocked ssrf at file_get_contents
fopen: rampart blocked ssrf at fopen
copy: rampart blocked ssrf at copy
host only: rampart blocked ssrf at file_get_contents
curl_exec: blocked
curl_setopt: blocked
string(0) ""
bool(true)
