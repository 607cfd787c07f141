--TEST--
Report mode: the call goes through, the event (core's schema, PHP stack) goes to rampart.events
--EXTENSIONS--
sqlite3
--ENV--
RAMPART_MODE=
--INI--
rampart.policy={PWD}/report-policy.json
rampart.events={PWD}/report_mode.events
--FILE--
<?php
@unlink(__DIR__ . '/report_mode.events');
var_dump(Rampart\mode());
Rampart\request_reset();
Rampart\request_add_input('cookie', 'session', "' OR '1'='1");
$db = new SQLite3(':memory:');
$db->exec("CREATE TABLE t (s TEXT)");
$db->exec("INSERT INTO t VALUES ('a'), ('b')");
function lookup(SQLite3 $db, string $s) { return $db->querySingle("SELECT count(*) FROM t WHERE s = '$s'"); }
echo lookup($db, "' OR '1'='1"), "\n";
$lines = file(__DIR__ . '/report_mode.events', FILE_IGNORE_NEW_LINES);
echo count($lines), "\n";
$e = json_decode($lines[0], true);
echo implode(',', array_keys($e)), "\n";
echo $e['action'], ' ', $e['threat'], ' ', $e['reason'], ' ', $e['sink']['operation'], "\n";
echo $e['input']['source'], ' ', $e['input']['value'], "\n"; // cookie values are masked, in the resource too
echo $e['sink']['resource'], ' ', json_encode($e['sink']['resource_span']), "\n";
echo preg_replace('/^.*\//', '', $e['stack'][0]), ' | ', preg_replace('/^.*\//', '', $e['stack'][1]), "\n";
var_dump(preg_match('/^[0-9a-f]{32}$/', $e['event_id']));
?>
--CLEAN--
<?php @unlink(__DIR__ . '/report_mode.events'); ?>
--EXPECT--
string(6) "report"
2
1
action,engine,event_id,input,message,reason,request,rule_id,sink,stack,threat,time
reported sql_injection sql_literal_escape SQLite3::querySingle
cookie <masked: 11 bytes>
SELECT count(*) FROM t WHERE s = '***********' [34,45]
report_mode.php:9 in lookup | report_mode.php:10 in {main}
int(1)
