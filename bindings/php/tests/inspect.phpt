--TEST--
Explicit API: payload inspection of the request itself (inputs, uploads, method), as the policy says
--INI--
rampart.policy={PWD}/block-policy.json
--FILE--
<?php
function show(string $what, array $v): void {
    printf("%-8s %-6s %s %s %s\n", $what, $v['action'], $v['threat'] ?? '-', $v['reason'] ?? '-',
        $v['input_key'] ?? '-');
}
// A command-line script has no HTTP request: nothing to inspect.
show('cli', Rampart\inspect());

Rampart\request_reset();
Rampart\request_set_method('GET');
Rampart\request_set_path('/search');
Rampart\request_add_input('query', 'page', '2');
show('benign', Rampart\inspect());
Rampart\request_add_input('query', 'q', "' OR 1=1-- ");
// block-policy.json blocks the sinks and leaves malicious_payload at its default: report.
$v = Rampart\inspect();
show('sqli', $v);
var_dump($v['input_index'], $v['span']);
Rampart\request_reset();
Rampart\request_add_input('body', 'comment', '<script>alert(document.cookie)</script>');
show('xss', Rampart\inspect());

Rampart\request_reset();
Rampart\request_set_method('POST');
Rampart\request_set_path('/upload');
Rampart\request_add_file('avatar', 'holiday photo.jpg', 'image/jpeg', "\xff\xd8\xff\xe0");
show('image', Rampart\inspect());
Rampart\request_add_file('avatar', 'shell.php', 'image/jpeg', str_repeat('A', 4096));
$v = Rampart\inspect();
show('script', $v);
var_dump($v['rule_id'] > 0, $v['input_source']);

Rampart\request_reset();
Rampart\request_set_method('TRACE');
Rampart\request_set_path('/');
$v = Rampart\inspect();
show('trace', $v);
var_dump($v['input_index'], $v['rule_id'] > 0);
try { Rampart\request_add_file('f', [], 'x', ''); } catch (TypeError | Rampart\RampartException $e) { echo get_class($e), "\n"; }
?>
--EXPECT--
cli      allow  - - -
benign   allow  - - -
sqli     report malicious_payload payload_sql_injection q
int(1)
array(2) {
  [0]=>
  int(0)
  [1]=>
  int(11)
}
xss      report malicious_payload payload_xss comment
image    allow  - - -
script   report malicious_payload rule_match avatar
bool(true)
string(4) "file"
trace    report malicious_payload rule_match -
NULL
bool(true)
Rampart\RampartException
