<?php
// Overhead of a hooked PDO::query: the same query loop with and without the extension.
//   php bindings/php/bench/pdo_overhead.php           (runs every configuration)
// Each configuration runs in its own PHP process; a run is the median of 5 rounds of
// 50k queries (CPU time) on an in-memory SQLite database (the query itself dominates: the
// difference is rampart's cost per call).
declare(strict_types=1);

if (($argv[1] ?? '') === 'child') {
    $inputs = (int) $argv[2];
    $occurs = $argv[3] === 'occurs';
    if (function_exists('Rampart\request_reset')) {
        Rampart\request_reset();
        for ($i = 0; $i < $inputs; $i++) {
            Rampart\request_add_input('query', "field$i", "value number $i");
        }
        if ($occurs) Rampart\request_add_input('query', 'name', 'alice');
    }
    $pdo = new PDO('sqlite::memory:');
    $pdo->exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT, created_at TEXT)");
    $pdo->exec("INSERT INTO users VALUES (42, 'alice', 'alice@example.com', '2024-01-01')");
    // ~200 bytes, the shape of an ordinary ORM query.
    $sql = "SELECT id, name, email, created_at FROM users WHERE name = 'alice' AND id = 42 "
         . "AND email LIKE '%@example.com' AND created_at >= '2020-01-01' ORDER BY created_at DESC LIMIT 10";
    // CPU time of this process, not wall time: the machine may be shared.
    $cpu = function (): float {
        $u = getrusage();
        return ($u['ru_utime.tv_sec'] + $u['ru_stime.tv_sec']) * 1e9 + ($u['ru_utime.tv_usec'] + $u['ru_stime.tv_usec']) * 1e3;
    };
    $n = 50_000;
    $rounds = [];
    for ($r = 0; $r < 5; $r++) {
        $t = $cpu();
        for ($i = 0; $i < $n; $i++) {
            $pdo->query($sql);
        }
        $rounds[] = ($cpu() - $t) / $n;
    }
    sort($rounds);
    echo $rounds[2], "\n";
    exit;
}

$so = realpath(__DIR__ . '/../modules/rampart.so');
$policy = realpath(__DIR__ . '/../tests/block-policy.json');
$run = function (array $ini, int $inputs, string $occurs) use ($so, $policy): float {
    $cmd = [PHP_BINARY];
    foreach ($ini as $i) { array_push($cmd, '-d', $i); }
    array_push($cmd, __FILE__, 'child', (string) $inputs, $occurs);
    $p = proc_open($cmd, [1 => ['pipe', 'w']], $pipes);
    $out = stream_get_contents($pipes[1]);
    proc_close($p);
    return (float) $out;
};
$with = ["extension=$so", "rampart.policy=$policy", 'rampart.events=/dev/null'];
$configs = [
    'without rampart' => [[], 0, 'none'],
    'with rampart, request without inputs' => [$with, 0, 'none'],
    'with rampart, 10 inputs, none in the query' => [$with, 10, 'none'],
    'with rampart, 10 inputs, one in the query (lexed)' => [$with, 10, 'occurs'],
];
// The machine is shared: configurations alternate, and each keeps its best of 3 medians.
$best = [];
for ($pass = 0; $pass < 3; $pass++) {
    foreach ($configs as $label => [$ini, $inputs, $occurs]) {
        $best[$label] = min($best[$label] ?? INF, $run($ini, $inputs, $occurs));
    }
}
$base = $best['without rampart'];
foreach ($best as $label => $t) {
    printf("%-52s %8.0f ns/query  (%+.0f ns)\n", $label, $t, $t - $base);
}
