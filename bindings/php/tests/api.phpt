--TEST--
Explicit API: every check, the verdict array, argument errors
--INI--
rampart.policy={PWD}/block-policy.json
--FILE--
<?php
// The extension's own version (its Cargo.toml) is the engine's: one version for every package.
var_dump(extension_loaded('rampart'), phpversion('rampart') === Rampart\version(), Rampart\mode());

Rampart\request_reset();
Rampart\request_add_input('body', 'email', "' OR 1=1-- ");
$v = Rampart\check_sql('mysql', "SELECT * FROM users WHERE email = '' OR 1=1-- ' AND pw = 'x'");
echo json_encode($v), "\n";
$v = Rampart\check_sql('mysql', "SELECT * FROM users WHERE email = ?");
echo $v['action'], ' ', var_export($v['attack'], true), "\n";

function show(string $what, array $v): void {
    printf("%-10s %-6s %s %s\n", $what, $v['action'], $v['threat'] ?? '-', $v['reason'] ?? '-');
}
Rampart\request_reset();
Rampart\request_add_input('query', 'host', '127.0.0.1; cat /etc/passwd');
show('shell', Rampart\check_shell('ping -c 1 127.0.0.1; cat /etc/passwd'));
show('shell', Rampart\check_shell("ping -c 1 '127.0.0.1; cat /etc/passwd'"));
show('exec', Rampart\check_exec(['ping', '-c', '1', '127.0.0.1; cat /etc/passwd']));
Rampart\request_reset();
Rampart\request_add_input('query', 'prog', 'sh');
show('exec', Rampart\check_exec(['sh', '-c', 'id']));

Rampart\request_reset();
Rampart\request_add_input('query', 'file', '../../etc/passwd');
show('path', Rampart\check_path('/var/www/files/../../etc/passwd'));
show('path', Rampart\check_path('/var/www/files/report.pdf'));

Rampart\request_reset();
Rampart\request_add_input('query', 'url', 'http://169.254.169.254/latest/meta-data/');
show('url', Rampart\check_url('http://169.254.169.254/latest/meta-data/'));
show('url', Rampart\check_url('https://example.com/'));
Rampart\request_reset();
Rampart\request_add_input('query', 'host', 'rebind.example');
show('ip', Rampart\check_resolved_ip('rebind.example', '127.0.0.1'));

Rampart\request_reset();
Rampart\request_add_input('body', 'password', '{"$ne": null}');
Rampart\request_add_input('body', 'password.$ne', '$ne');
show('nosql', Rampart\check_nosql('{"user": "admin", "password": {"$ne": null}}'));

Rampart\request_reset();
Rampart\request_set_host('shop.example');
Rampart\request_add_input('query', 'next', 'https://evil.example/');
show('redirect', Rampart\check_redirect('https://evil.example/'));
show('redirect', Rampart\check_redirect('/account'));
Rampart\request_reset();
Rampart\request_add_input('query', 'lang', "en\r\nSet-Cookie: admin=1");
show('header', Rampart\check_header('Content-Language', "en\r\nSet-Cookie: admin=1"));

// Binary-safe: NUL bytes and invalid UTF-8 are just bytes.
Rampart\request_reset();
Rampart\request_add_input('query', 'f', "x\0.png");
show('path', Rampart\check_path("/files/x\0.png"));
Rampart\request_add_input('query', 'q', "\xff' OR '1'='1");
show('sql', Rampart\check_sql('generic', "SELECT 1 WHERE a = '\xff' OR '1'='1'"));

print_r(Rampart\request_inputs()[0]);

foreach ([fn() => Rampart\check_sql('db2', 'SELECT 1'),
          fn() => Rampart\request_add_input('nowhere', 'k', 'v'),
          fn() => Rampart\check_shell([]),
          fn() => Rampart\check_exec([[]])] as $bad) {
    try { $bad(); echo "no error\n"; }
    catch (Rampart\RampartException $e) { echo get_class($e), ': ', $e->getMessage(), "\n"; }
    catch (TypeError $e) { echo "TypeError\n"; }
}
var_dump(is_subclass_of('Rampart\BlockedException', 'Exception'));
?>
--EXPECTF--
bool(true)
bool(true)
string(5) "block"
{"action":"block","attack":true,"threat":"sql_injection","reason":"sql_literal_escape","message":"the input breaks out of a quoted string or identifier","input_index":0,"input_source":"body","input_key":"email","span":[35,46],"rule_id":0}
allow false
shell      block  command_injection %s
shell      allow  - -
exec       allow  - -
exec       block  command_injection %s
path       block  path_traversal %s
path       allow  - -
url        block  ssrf %s
url        allow  - -
ip         block  ssrf %s
nosql      block  nosql_injection %s
redirect   block  open_redirect %s
redirect   allow  - -
header     block  header_injection %s
path       block  path_traversal %s
sql        block  sql_injection %s
Array
(
    [0] => query
    [1] => f
    [2] => x%0.png
)
Rampart\RampartException: unknown SQL dialect `db2`: expected mysql, postgresql, sqlite, mssql, oracle or generic
Rampart\RampartException: unknown input source `nowhere`: expected query, body, path, header, cookie, other or file
Rampart\RampartException: command must be a string
Rampart\RampartException: every argv element must be a string
bool(true)
