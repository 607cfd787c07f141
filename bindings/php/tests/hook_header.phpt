--TEST--
Hooks: header() with CR/LF from input, Location redirects to another host
--INI--
rampart.policy={PWD}/block-policy.json
output_buffering=4096
--FILE--
<?php
Rampart\request_reset();
Rampart\request_set_host('shop.example');
Rampart\request_add_input('query', 'lang', "en\r\nSet-Cookie: admin=1");
Rampart\request_add_input('query', 'next', 'https://evil.example/login');
Rampart\request_add_input('query', 'back', '/account/orders');
$attacks = [
    'crlf' => fn() => header("Content-Language: en\r\nSet-Cookie: admin=1"),
    'redirect' => fn() => header('Location: https://evil.example/login'),
    'redirect lower' => fn() => header('location:https://evil.example/login'),
];
foreach ($attacks as $name => $attack) {
    try { $attack(); echo "$name: not blocked\n"; }
    catch (Rampart\BlockedException $e) { echo "$name: ", preg_replace('/ \(event \w+\)/', '', $e->getMessage()), "\n"; }
}
header('Location: /account/orders');
header('Location: https://shop.example/account/orders');
echo "benign headers passed\n";
?>
--EXPECT--
crlf: rampart blocked header_injection at header
redirect: rampart blocked open_redirect at header
redirect lower: rampart blocked open_redirect at header
benign headers passed
