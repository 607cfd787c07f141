--TEST--
Hooks: pg_query / pg_query_params / pg_prepare / pg_send_query, and PDO over pgsql, against a real PostgreSQL
--EXTENSIONS--
pgsql
pdo_pgsql
--SKIPIF--
<?php if (!getenv('RAMPART_TEST_PGSQL_PORT')) die('skip no PostgreSQL started (RAMPART_TEST_PGSQL_PORT)'); ?>
--INI--
rampart.policy={PWD}/block-policy.json
--FILE--
<?php
$port = (int) getenv('RAMPART_TEST_PGSQL_PORT');
$conn = pg_connect("host=127.0.0.1 port=$port user=rampart dbname=postgres");
pg_query($conn, "DROP TABLE IF EXISTS users");
pg_query($conn, "CREATE TABLE users (name TEXT)");
pg_query($conn, "INSERT INTO users VALUES ('alice'), ('bob')");
Rampart\request_reset();
Rampart\request_add_input('query', 'name', "x' OR 1=1 --");
// Dollar quoting is PostgreSQL's: inside $$...$$ the quote is data.
echo pg_fetch_row(pg_query($conn, "SELECT count(*) FROM users WHERE name = \$\$x' OR 1=1 --\$\$"))[0], "\n";
$q = "SELECT count(*) FROM users WHERE name = 'x' OR 1=1 --'";
$attacks = [
    'pg_query' => fn() => pg_query($conn, $q),
    'pg_query (default link)' => fn() => pg_query($q),
    'pg_query_params' => fn() => pg_query_params($conn, $q, []),
    'pg_prepare' => fn() => pg_prepare($conn, 's1', $q),
    'pg_send_query' => fn() => pg_send_query($conn, $q),
    'pg_send_query_params' => fn() => pg_send_query_params($conn, $q, []),
    'PDO pgsql' => fn() => (new PDO("pgsql:host=127.0.0.1;port=$port;dbname=postgres", 'rampart'))->query($q),
];
foreach ($attacks as $name => $attack) {
    try { $attack(); echo "$name: not blocked\n"; }
    catch (Rampart\BlockedException $e) { echo "$name: ", preg_replace('/ \(event \w+\)/', '', $e->getMessage()), "\n"; }
}
?>
--EXPECT--
0
pg_query: rampart blocked sql_injection at pg_query
pg_query (default link): rampart blocked sql_injection at pg_query
pg_query_params: rampart blocked sql_injection at pg_query_params
pg_prepare: rampart blocked sql_injection at pg_prepare
pg_send_query: rampart blocked sql_injection at pg_send_query
pg_send_query_params: rampart blocked sql_injection at pg_send_query_params
PDO pgsql: rampart blocked sql_injection at PDO::query
