--TEST--
Hooks: mysqli_query / mysqli::query / prepare / real_query / multi_query against a real MariaDB
--EXTENSIONS--
mysqli
pdo_mysql
--SKIPIF--
<?php if (!getenv('RAMPART_TEST_MYSQL_PORT')) die('skip no MariaDB started (RAMPART_TEST_MYSQL_PORT)'); ?>
--INI--
rampart.policy={PWD}/block-policy.json
--FILE--
<?php
mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
$db = new mysqli('127.0.0.1', 'root', '', '', (int) getenv('RAMPART_TEST_MYSQL_PORT'));
$db->query("CREATE DATABASE IF NOT EXISTS rampart_php");
$db->select_db('rampart_php');
$db->query("DROP TABLE IF EXISTS users");
$db->query("CREATE TABLE users (name VARCHAR(20))");
$db->query("INSERT INTO users VALUES ('alice'), ('bob')");
Rampart\request_reset();
// MySQL's backslash escape keeps this input inside the literal (the app escaped it):
// safe for MySQL, an attack for a dialect without backslash escapes.
Rampart\request_add_input('body', 'escaped', "x\\' OR 1=1 -- ");
$escaped = "SELECT count(*) FROM users WHERE name = 'x\\' OR 1=1 -- '";
echo mysqli_query($db, $escaped)->fetch_row()[0], "\n";
echo $db->query($escaped)->fetch_row()[0], "\n";
echo Rampart\check_sql('sqlite', $escaped)['action'], "\n";
// PDO takes the dialect from its driver: MySQL here, so the escaped query runs.
$pdo = new PDO('mysql:host=127.0.0.1;port=' . getenv('RAMPART_TEST_MYSQL_PORT') . ';dbname=rampart_php', 'root', '');
echo $pdo->query($escaped)->fetchColumn(), "\n";
Rampart\request_add_input('body', 'name', "x' OR 1=1 -- ");
$q = "SELECT count(*) FROM users WHERE name = 'x' OR 1=1 -- '";
$attacks = [
    'mysqli_query' => fn() => mysqli_query($db, $q),
    'mysqli::query' => fn() => $db->query($q),
    'mysqli_prepare' => fn() => mysqli_prepare($db, $q),
    'mysqli::prepare' => fn() => $db->prepare($q),
    'mysqli_real_query' => fn() => mysqli_real_query($db, $q),
    'mysqli::real_query' => fn() => $db->real_query($q),
    'mysqli_multi_query' => fn() => mysqli_multi_query($db, "$q; DROP TABLE users"),
    'mysqli::multi_query' => fn() => $db->multi_query("$q; DROP TABLE users"),
    'mysqli_execute_query' => fn() => mysqli_execute_query($db, $q),
    'mysqli_stmt::prepare' => fn() => $db->stmt_init()->prepare($q),
    'mysqli_stmt_prepare' => fn() => mysqli_stmt_prepare(mysqli_stmt_init($db), $q),
    'mysqli::execute_query' => fn() => $db->execute_query($q),
];
foreach ($attacks as $name => $attack) {
    try { $attack(); echo "$name: not blocked\n"; }
    catch (Rampart\BlockedException $e) { echo "$name: ", preg_replace('/ \(event \w+\)/', '', $e->getMessage()), "\n"; }
}
echo $db->query("SELECT count(*) FROM users")->fetch_row()[0], "\n";
?>
--EXPECT--
0
0
block
0
mysqli_query: rampart blocked sql_injection at mysqli_query
mysqli::query: rampart blocked sql_injection at mysqli::query
mysqli_prepare: rampart blocked sql_injection at mysqli_prepare
mysqli::prepare: rampart blocked sql_injection at mysqli::prepare
mysqli_real_query: rampart blocked sql_injection at mysqli_real_query
mysqli::real_query: rampart blocked sql_injection at mysqli::real_query
mysqli_multi_query: rampart blocked sql_injection at mysqli_multi_query
mysqli::multi_query: rampart blocked sql_injection at mysqli::multi_query
mysqli_execute_query: rampart blocked sql_injection at mysqli_execute_query
mysqli_stmt::prepare: rampart blocked sql_injection at mysqli_stmt::prepare
mysqli_stmt_prepare: rampart blocked sql_injection at mysqli_stmt_prepare
mysqli::execute_query: rampart blocked sql_injection at mysqli::execute_query
2
