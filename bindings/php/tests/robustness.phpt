--TEST--
Robustness: odd arguments reach the original function unchanged; panics stay in Rust; big inputs
--EXTENSIONS--
pdo_sqlite
--INI--
rampart.policy={PWD}/block-policy.json
error_log={PWD}/robustness.log
rampart.events=error_log
--FILE--
<?php
@unlink(__DIR__ . '/robustness.log');
$pdo = new PDO('sqlite::memory:');
Rampart\request_reset();
Rampart\request_add_input('query', 'id', '1 OR 1=1');
// Not a string: the hook leaves conversion (and its errors) to PDO itself.
try { $pdo->query(); } catch (ArgumentCountError $e) { echo "ArgumentCountError\n"; }
try { $pdo->query([]); } catch (TypeError $e) { echo "TypeError\n"; }
try { $pdo->query(42); } catch (PDOException $e) { echo "PDOException from PDO itself\n"; }
// Named arguments and references arrive in the same slots.
try { $pdo->query(query: 'SELECT 1 WHERE 1 = 1 OR 1=1'); echo "not blocked\n"; } catch (Rampart\BlockedException $e) { echo "named: blocked\n"; }
$q = 'SELECT 1 WHERE 1 = 1 OR 1=1';
$ref = &$q;
try { call_user_func_array([$pdo, 'query'], [&$ref]); echo "not blocked\n"; } catch (Rampart\BlockedException $e) { echo "reference: blocked\n"; }
// Binary data and a 1 MB query: a defined verdict, fast.
Rampart\request_add_input('body', 'blob', str_repeat("\0\xff'", 1000));
$t = microtime(true);
echo $pdo->query("SELECT length('" . str_repeat('a', 1 << 20) . "')")->fetchColumn(), "\n";
printf("under a second: %s\n", var_export(microtime(true) - $t < 1.0, true));
// A panic inside the extension is an exception, and PHP goes on.
try { Rampart\_panic_for_test(); } catch (Rampart\RampartException $e) { echo $e->getMessage(), "\n"; }
// Events to PHP's error log.
$log = file_get_contents(__DIR__ . '/robustness.log');
echo substr_count($log, '"threat":"sql_injection"'), " events in the error log\n";
?>
--CLEAN--
<?php @unlink(__DIR__ . '/robustness.log'); ?>
--EXPECTF--
ArgumentCountError
TypeError
PDOException from PDO itself
named: blocked
reference: blocked
1048576
under a second: true
internal error: deliberate panic for the test at src/api.rs:%d
2 events in the error log
