--TEST--
Block page: an uncaught BlockedException discards the output so far and prints the policy's page
--INI--
rampart.policy={PWD}/block-policy.json
output_buffering=4096
display_errors=1
--FILE--
<?php
echo "partial page that must not be shown\n";
Rampart\request_reset();
Rampart\request_add_input('query', 'host', '1.1.1.1 && id');
// A caught BlockedException is the application's business: nothing special happens.
try { shell_exec('ping 1.1.1.1 && id'); } catch (Rampart\BlockedException $e) { echo "caught\n"; }
shell_exec('ping 1.1.1.1 && id');
echo "not reached\n";
?>
--EXPECTF--
blocked by rampart: %x
