--TEST--
Hooks: PDO::query / exec / prepare, the dialect from the driver, subclasses
--EXTENSIONS--
pdo_sqlite
--INI--
rampart.policy={PWD}/block-policy.json
rampart.events={PWD}/hook_pdo.events
--FILE--
<?php
@unlink(__DIR__ . '/hook_pdo.events');
class AppPdo extends PDO {}
foreach ([new PDO('sqlite::memory:'), new AppPdo('sqlite::memory:')] as $pdo) {
    $pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
    $pdo->exec("CREATE TABLE users (name TEXT)");
    $pdo->exec("INSERT INTO users VALUES ('alice')");
    Rampart\request_reset();
    Rampart\request_add_input('query', 'id', "1 OR 1=1");
    Rampart\request_add_input('query', 'name', "alice");
    echo $pdo->query("SELECT name FROM users WHERE name = 'alice'")->fetchColumn(), "\n";
    $st = $pdo->prepare("SELECT name FROM users WHERE rowid = ?");
    $st->execute(["1 OR 1=1"]);
    var_dump($st->fetchColumn());
    foreach (['query' => "SELECT name FROM users WHERE rowid = 1 OR 1=1",
              'exec' => "DELETE FROM users WHERE rowid = 1 OR 1=1",
              'prepare' => "SELECT name FROM users WHERE rowid = 1 OR 1=1"] as $method => $sql) {
        try { $pdo->$method($sql); echo "not blocked\n"; }
        catch (Rampart\BlockedException $e) { echo get_class($pdo), "::$method blocked\n"; }
    }
    echo $pdo->query("SELECT count(*) FROM users")->fetchColumn(), "\n";
}
$events = array_map(fn($l) => json_decode($l, true), file(__DIR__ . '/hook_pdo.events', FILE_IGNORE_NEW_LINES));
$e = $events[0];
echo count($events), ' ', $e['threat'], ' ', $e['action'], ' ', $e['sink']['kind'], ' ', $e['sink']['operation'], ' ',
     $e['input']['source'], '.', $e['input']['key'], "\n";
echo $e['stack'][0], "\n";
?>
--CLEAN--
<?php @unlink(__DIR__ . '/hook_pdo.events'); ?>
--EXPECTF--
alice
bool(false)
PDO::query blocked
PDO::exec blocked
PDO::prepare blocked
1
alice
bool(false)
AppPdo::query blocked
AppPdo::exec blocked
AppPdo::prepare blocked
1
6 sql_injection blocked sql PDO::query query.id
%shook_pdo.php:%d in {main}
