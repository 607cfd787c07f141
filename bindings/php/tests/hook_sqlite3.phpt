--TEST--
Hooks: SQLite3::query / exec / prepare / querySingle against a real SQLite database
--EXTENSIONS--
sqlite3
--INI--
rampart.policy={PWD}/block-policy.json
--FILE--
<?php
$db = new SQLite3(':memory:');
$db->exec("CREATE TABLE users (name TEXT, pw TEXT)");
$db->exec("INSERT INTO users VALUES ('alice', 'a'), ('bob', 'b')");
Rampart\request_reset();
Rampart\request_add_input('body', 'name', "x' OR '1'='1");
Rampart\request_add_input('body', 'plain', "bob");

// Benign: the input stays data, the original function runs and returns rows.
echo $db->querySingle("SELECT pw FROM users WHERE name = 'bob'"), "\n";
$res = $db->query("SELECT count(*) FROM users WHERE name = 'x'' OR ''1''=''1'");
echo $res->fetchArray()[0], "\n";

$attacks = [
    fn() => $db->query("SELECT * FROM users WHERE name = 'x' OR '1'='1'"),
    fn() => $db->exec("DELETE FROM users WHERE name = 'x' OR '1'='1'"),
    fn() => $db->prepare("SELECT * FROM users WHERE name = 'x' OR '1'='1'"),
    fn() => $db->querySingle("SELECT pw FROM users WHERE name = 'x' OR '1'='1'"),
    fn() => call_user_func([$db, 'exec'], "DELETE FROM users WHERE name = 'x' OR '1'='1'"),
];
foreach ($attacks as $attack) {
    try { $attack(); echo "not blocked\n"; }
    catch (Rampart\BlockedException $e) { echo preg_replace('/event \w+/', 'event ID', $e->getMessage()), ' ', $e->getCode(), "\n"; }
}
// The blocked DELETEs never ran.
echo $db->querySingle("SELECT count(*) FROM users"), "\n";
?>
--EXPECT--
b
0
rampart blocked sql_injection at SQLite3::query (event ID) 418
rampart blocked sql_injection at SQLite3::exec (event ID) 418
rampart blocked sql_injection at SQLite3::prepare (event ID) 418
rampart blocked sql_injection at SQLite3::querySingle (event ID) 418
rampart blocked sql_injection at SQLite3::exec (event ID) 418
2
