--TEST--
Hooks: shell_exec, exec, system, passthru, popen, proc_open, backticks (a real /bin/sh)
--INI--
rampart.policy={PWD}/block-policy.json
--FILE--
<?php
Rampart\request_reset();
Rampart\request_add_input('query', 'host', '127.0.0.1; echo PWNED');
Rampart\request_add_input('query', 'name', 'world');
$marker = sys_get_temp_dir() . '/rampart-shell-' . getmypid();
@unlink($marker);

// Benign calls run and return their output.
echo shell_exec('echo hello world');
echo `echo backtick world`;
echo exec('echo exec world'), "\n";
system('echo system world');
passthru('echo passthru world');
$p = popen('echo popen world', 'r'); echo fgets($p); pclose($p);
$p = proc_open(['echo', 'proc_open', '127.0.0.1; echo PWNED'], [1 => ['pipe', 'w']], $pipes);
echo stream_get_contents($pipes[1]); proc_close($p);

$payload = "127.0.0.1; echo PWNED > $marker";
Rampart\request_add_input('query', 'host2', "127.0.0.1; echo PWNED > $marker");
$attacks = [
    'shell_exec' => fn() => shell_exec("ping -c 1 $payload"),
    'backtick' => fn() => `ping -c 1 $payload`,
    'exec' => fn() => exec("ping -c 1 $payload"),
    'system' => fn() => system("ping -c 1 $payload"),
    'passthru' => fn() => passthru("ping -c 1 $payload"),
    'popen' => fn() => popen("ping -c 1 $payload", 'r'),
    'proc_open' => fn() => proc_open("ping -c 1 $payload", [], $pipes),
    'proc_open argv' => fn() => proc_open(['sh', '-c', "ping -c 1 $payload"], [], $pipes),
];
foreach ($attacks as $name => $attack) {
    try { $attack(); echo "$name: not blocked\n"; }
    catch (Rampart\BlockedException $e) { echo "$name: ", preg_replace('/ \(event \w+\)/', '', $e->getMessage()), "\n"; }
}
var_dump(file_exists($marker));
?>
--EXPECT--
hello world
backtick world
exec world
system world
passthru world
popen world
proc_open 127.0.0.1; echo PWNED
shell_exec: rampart blocked command_injection at shell_exec
backtick: rampart blocked command_injection at shell_exec
exec: rampart blocked command_injection at exec
system: rampart blocked command_injection at system
passthru: rampart blocked command_injection at passthru
popen: rampart blocked command_injection at popen
proc_open: rampart blocked command_injection at proc_open
proc_open argv: rampart blocked command_injection at proc_open
bool(false)
