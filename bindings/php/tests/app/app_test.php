<?php
// End to end: examples/php-app served by `php -S` with the extension, in report mode then
// in block mode. Normal requests must be answered exactly as without rampart; attacks are
// reported (and succeed) in report mode, blocked with the policy's page in block mode.
// Run by scripts/test.d/85-php.sh with the plain PHP (no extension) as the HTTP client.
// Everything listens on and connects to 127.0.0.1 only.
declare(strict_types=1);

$root = realpath(__DIR__ . '/../../../..');
$so = "$root/bindings/php/modules/rampart.so";
$app = "$root/examples/php-app";
$tmp = sys_get_temp_dir() . '/rampart-php-app-' . getmypid();
@mkdir($tmp);
$failures = 0;
$checks = 0;

function free_port(): int {
    $s = stream_socket_server('tcp://127.0.0.1:0');
    $port = (int) substr(strrchr(stream_socket_get_name($s, false), ':'), 1);
    fclose($s);
    return $port;
}

function start(array $argv, array $env): array {
    $proc = proc_open($argv, [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes, null, $env + getenv());
    return [$proc, $argv];
}

function wait_up(int $port): void {
    for ($i = 0; $i < 100; $i++) {
        $c = @fsockopen('127.0.0.1', $port, $errno, $errstr, 0.1);
        if ($c) { fclose($c); return; }
        usleep(50_000);
    }
    throw new RuntimeException("server on port $port did not start");
}

function stop(array $server): void {
    proc_terminate($server[0]);
    proc_close($server[0]);
}

function request(int $port, string $method, string $path, array $opts = []): array {
    $ch = curl_init("http://127.0.0.1:$port$path");
    curl_setopt_array($ch, [CURLOPT_RETURNTRANSFER => true, CURLOPT_CUSTOMREQUEST => $method,
        CURLOPT_HEADER => true, CURLOPT_TIMEOUT => 10, CURLOPT_HTTPHEADER => $opts['headers'] ?? []]);
    if (isset($opts['body'])) curl_setopt($ch, CURLOPT_POSTFIELDS, $opts['body']);
    $raw = curl_exec($ch);
    $status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
    $size = curl_getinfo($ch, CURLINFO_HEADER_SIZE);
    return ['status' => $status, 'headers' => substr((string) $raw, 0, $size), 'body' => substr((string) $raw, $size)];
}

function check(bool $ok, string $what): void {
    global $failures, $checks;
    $checks++;
    if (!$ok) { $failures++; echo "FAIL: $what\n"; }
}

function all_events(string $file): array {
    if (!is_file($file)) return [];
    return array_map(fn($l) => json_decode($l, true, 512, JSON_THROW_ON_ERROR), file($file, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES));
}

// The events of the sinks' checks; payload inspection at request start reports too (the
// default policy's malicious_payload action), and is tested on its own below.
function events(string $file): array {
    return array_values(array_filter(all_events($file), fn($e) => $e['threat'] !== 'malicious_payload'));
}

function payload_events(string $file): array {
    return array_values(array_filter(all_events($file), fn($e) => $e['threat'] === 'malicious_payload'));
}

$standin_port = free_port();
$standin_log = "$tmp/standin.log";
$standin = start([PHP_BINARY, '-S', "127.0.0.1:$standin_port", __DIR__ . '/standin.php'], ['STANDIN_LOG' => $standin_log]);
wait_up($standin_port);

$upload_src = "$tmp/upload.png";
file_put_contents($upload_src, "\x89PNG\r\n\x1a\n" . str_repeat("\0", 64)); // a PNG signature: the upload rules compare content and type
$upload = fn(string $name) => ['body' => ['album' => 'summer', 'photo' => new CURLFile($upload_src, 'image/png', $name)]];
$form = fn(array $f) => ['body' => http_build_query($f), 'headers' => ['Content-Type: application/x-www-form-urlencoded']];
$json = fn(array $f) => ['body' => json_encode($f), 'headers' => ['Content-Type: application/json']];
$normal = [
    ['GET', '/', [], "ok\n"],
    ['POST', '/login', $form(['user' => 'alice', 'password' => 'secret']), "welcome alice\n"],
    ['POST', '/login', $form(['user' => 'alice smith', 'password' => 'not-secret-1']), "invalid login\n"],
    ['POST', '/api/login', $json(['user' => 'alice', 'password' => 'secret']), "{\"user\":\"alice\"}\n"],
    ['GET', '/search?q=ali', ['headers' => ['X-Tenant: acme']], "alice\n"],
    ['GET', '/ping?host=127.0.0.1', [], null],
    ['GET', '/download?file=report.txt', [], "quarterly report\n"],
    ['GET', "/preview?url=" . urlencode("http://localhost:$standin_port/hello"), [], "preview: hello from the stand-in\n\n"],
    ['GET', "/preview-curl?url=" . urlencode("http://localhost:$standin_port/hello"), [], "preview: hello from the stand-in\n\n"],
    ['GET', '/go?next=/account', [], ''],
    ['POST', '/upload', $upload('beach.png'), "stored beach.png\n"],
];
$meta = "http://127.0.0.1:$standin_port/latest/meta-data/";
// [method, path, options, threat, what the attack achieves when it is not blocked]
$attacks = [
    ['POST', '/login', $form(['user' => "' OR '1'='1' --", 'password' => 'x']), 'sql_injection', 'welcome alice'],
    ['POST', '/api/login', $json(['user' => "' OR 1=1 --", 'password' => 'x']), 'sql_injection', '"user":"alice"'],
    ['GET', '/search?q=x', ['headers' => ["X-Tenant: ' OR 1=1 --"]], 'sql_injection', 'bob'],
    ['GET', '/ping?host=' . urlencode('127.0.0.1; echo INJECTED-$((6*7))'), [], 'command_injection', 'INJECTED-42'],
    ['GET', '/download?file=' . urlencode('../secret.env'), [], 'path_traversal', 'hunter2'],
    ['GET', '/preview?url=' . urlencode($meta), [], 'ssrf', 'ami-0123456789'],
    ['GET', '/preview-curl?url=' . urlencode($meta), [], 'ssrf', 'ami-0123456789'],
    ['GET', '/go?next=' . urlencode('https://evil.example/phish'), [], 'open_redirect', 'Location: https://evil.example/phish'],
];

foreach (['report', 'block'] as $mode) {
    $port = free_port();
    $events_file = "$tmp/events-$mode.jsonl";
    $server = start([PHP_BINARY, '-d', "extension=$so", '-d', "rampart.policy=$app/policy.json",
        '-d', "rampart.events=$events_file", '-S', "127.0.0.1:$port", "$app/index.php"], ['RAMPART_MODE' => $mode]);
    wait_up($port);
    @unlink($standin_log);

    foreach ($normal as [$method, $path, $opts, $expect]) {
        $r = request($port, $method, $path, $opts);
        check($r['status'] === ($path === '/go?next=/account' ? 302 : 200), "$mode: $method $path status {$r['status']}");
        if ($expect !== null) check($r['body'] === $expect, "$mode: $method $path body " . json_encode($r['body']));
    }
    check(events($events_file) === [], "$mode: normal requests raised no event: " . json_encode(events($events_file)));
    // Payload inspection judges a URL to an internal host without the sink's context (the
    // policy's ssrf.allow_hosts lists localhost, which the previews fetch): at most those
    // two are reported, nothing else of the normal traffic.
    $noise = array_filter(payload_events($events_file), fn($e) => !($e['reason'] === 'payload_ssrf' && $e['input']['key'] === 'url'
        && str_starts_with($e['input']['value'], 'http://localhost:') && $e['action'] === 'reported'));
    check(count(payload_events($events_file)) <= 2 && $noise === [], "$mode: normal requests, payload events: " . json_encode(payload_events($events_file)));
    $normal_payloads = count(payload_events($events_file));
    check((string) @file_get_contents($standin_log) === "/hello\n/hello\n", "$mode: the stand-in served the normal previews");

    foreach ($attacks as $i => [$method, $path, $opts, $threat, $achieved]) {
        $before = count(events($events_file));
        $opts['headers'] = array_merge($opts['headers'] ?? [], ['User-Agent: attack-test']);
        $r = request($port, $method, $path, $opts);
        $event = events($events_file)[$before] ?? null;
        $where = "$mode: attack $i ($threat, $path)";
        check(count(events($events_file)) === $before + 1, "$where: one event per attack");
        check($event !== null && $event['threat'] === $threat, "$where: event " . json_encode($event));
        if ($event === null) continue;
        check($event['action'] === ($mode === 'block' ? 'blocked' : 'reported'), "$where: action {$event['action']}");
        check($event['request']['path'] === parse_url($path, PHP_URL_PATH) && $event['request']['method'] === $method,
            "$where: request " . json_encode($event['request']));
        check($event['request']['client_ip'] === '127.0.0.1', "$where: client_ip");
        check($event['request']['user_agent'] === 'attack-test', "$where: user_agent");
        check(str_contains(implode(' ', $event['stack']), 'index.php:'), "$where: stack " . json_encode($event['stack']));
        $seen = str_contains($r['headers'] . $r['body'], $achieved);
        if ($mode === 'report') {
            check($seen, "$where: in report mode the call goes through: " . json_encode($r));
        } else {
            check(!$seen, "$where: blocked, the attack achieved nothing: " . json_encode($r));
            check($r['status'] === 403, "$where: block status {$r['status']}");
            check($r['body'] === "<h1>Request blocked</h1><p>id={$event['event_id']}</p>", "$where: block page " . json_encode($r['body']));
            check(str_contains($r['headers'], 'Content-Type: text/html; charset=utf-8'), "$where: block content type");
        }
    }
    // Inspection at request start saw the same attacks first, and only reported them.
    $payloads = array_slice(payload_events($events_file), $normal_payloads);
    check(count($payloads) >= 3 && array_filter($payloads, fn($e) => $e['action'] !== 'reported') === [],
        "$mode: payloads reported at request start: " . json_encode($payloads));
        $hits = substr_count((string) @file_get_contents($standin_log), '/latest/meta-data');
    check($hits === ($mode === 'report' ? 2 : 0), "$mode: metadata stand-in reached $hits times");
    $sources = array_map(fn($e) => $e['input']['source'] . '.' . $e['input']['key'], events($events_file));
    check(in_array('body.user', $sources) && in_array('header.x-tenant', $sources) && in_array('query.host', $sources),
        "$mode: input sources " . json_encode($sources));
    stop($server);
}
// Payload inspection at request start, before the script runs, as the policy says: a
// payload that reaches no sink is reported by default, and blocked (the script never runs)
// under a policy that blocks malicious_payload; off leaves the request alone.
$uploads = sys_get_temp_dir() . '/rampart-shop-uploads';
$xss = '<script>alert(document.cookie)</script>';
// /upload stores the photo under a directory named after the album: proof that the script ran.
$stored = "$uploads/script>/beach.png";
foreach (['report' => 'report', 'block' => 'block', 'off' => 'off'] as $name => $action) {
    $policy = json_decode(file_get_contents("$app/policy.json"), true);
    $policy['protections']['malicious_payload'] = ['action' => $action];
    file_put_contents("$tmp/policy-$name.json", json_encode($policy));
    $port = free_port();
    $events_file = "$tmp/events-payload-$name.jsonl";
    $server = start([PHP_BINARY, '-d', "extension=$so", '-d', "rampart.policy=$tmp/policy-$name.json",
        '-d', "rampart.events=$events_file", '-S', "127.0.0.1:$port", "$app/index.php"], []);
    wait_up($port);
    $where = "payload inspection ($name)";
    $r = request($port, 'GET', '/?q=' . urlencode('summer sale'), []);
    check($r['status'] === 200 && $r['body'] === "ok\n" && all_events($events_file) === [], "$where: a normal request is served, no event");
    @unlink($stored);
    $r = request($port, 'POST', '/upload', ['body' => ['album' => $xss, 'photo' => new CURLFile($upload_src, 'image/png', 'beach.png')],
        'headers' => ['User-Agent: payload-test']]);
    $events = all_events($events_file);
    if ($action === 'off') {
        check($r['body'] === "stored beach.png\n" && $events === [], "$where: not inspected: " . json_encode([$r, $events]));
        stop($server);
        continue;
    }
    check(count($events) === 1, "$where: one event: " . json_encode($events));
    $event = $events[0] ?? [];
    check(($event['threat'] ?? '') === 'malicious_payload' && ($event['reason'] ?? '') === 'payload_xss', "$where: threat " . json_encode($event));
    check(($event['sink']['kind'] ?? '') === 'request' && ($event['input']['key'] ?? '') === 'album'
        && ($event['input']['value'] ?? '') === $xss, "$where: sink and input " . json_encode($event));
    check(($event['request']['path'] ?? '') === '/upload' && ($event['request']['user_agent'] ?? '') === 'payload-test', "$where: request");
    if ($action === 'report') {
        check(($event['action'] ?? '') === 'reported', "$where: action");
        check($r['status'] === 200 && $r['body'] === "stored beach.png\n" && is_file($stored), "$where: the script ran: " . json_encode($r));
    } else {
        check(($event['action'] ?? '') === 'blocked', "$where: action");
        check($r['status'] === 403 && $r['body'] === "<h1>Request blocked</h1><p>id={$event['event_id']}</p>", "$where: block page " . json_encode($r));
        check(!is_file($stored), "$where: the script never ran");
        // The server goes on serving (the executor was put back after the blocked request).
        $r = request($port, 'GET', '/download?file=report.txt', []);
        check($r['status'] === 200 && $r['body'] === "quarterly report\n", "$where: the next request is served " . json_encode($r));
        $r = request($port, 'GET', '/?q=' . urlencode("' OR 1=1-- "), []);
        check($r['status'] === 403 && count(all_events($events_file)) === 2, "$where: a GET is blocked too");
        // An upload is judged by its name and first bytes (a script disguised as an image).
        $r = request($port, 'POST', '/upload', ['body' => ['album' => 'summer', 'photo' => new CURLFile($upload_src, 'image/png', 'shell.php')]]);
        $event = all_events($events_file)[2] ?? [];
        check($r['status'] === 403 && ($event['reason'] ?? '') === 'rule_match' && ($event['input']['source'] ?? '') === 'file'
            && ($event['input']['key'] ?? '') === 'photo' && !is_file("$uploads/summer/shell.php"), "$where: script upload " . json_encode([$r, $event]));
    }
    stop($server);
}
@unlink($stored);

// The request context as collected: query (nested), form body, cookies, headers, JSON body.
$port = free_port();
$server = start([PHP_BINARY, '-d', "extension=$so", '-d', 'rampart.events=/dev/null', '-S', "127.0.0.1:$port", __DIR__ . '/inputs.php'], []);
wait_up($port);
$r = request($port, 'POST', '/shop/items?a[b][c]=deep&ids[]=x&ids[]=y&page=2', ['body' => json_encode(['user' => ['name' => "o'hara", 'tags' => ['t1']], 'n' => 7, '$where' => 'k']),
    'headers' => ['Content-Type: application/json', 'Cookie: session=abc123; theme=dark', 'X-Tenant: acme', 'User-Agent: ua-test', 'Accept-Encoding: gzip']]);
$got = json_decode($r['body'], true);
$inputs = array_map(fn($i) => implode(':', $i), $got['inputs'] ?? []);
foreach (['query:a.b.c:deep', 'query:ids[0]:x', 'query:ids[1]:y', 'query:page:2', 'cookie:session:abc123', 'cookie:theme:dark',
          'header:x-tenant:acme', 'header:user-agent:ua-test', "body:user.name:o'hara", 'body:user.tags[0]:t1', 'body:n:7',
          'body:$where:$where', 'body:$where:k'] as $want) {
    check(in_array($want, $inputs, true), "context: $want in " . json_encode($inputs));
}
check(!in_array('header:accept-encoding:gzip', $inputs, true), 'context: protocol headers skipped');
check(($got['body'] ?? '') === json_encode(['user' => ['name' => "o'hara", 'tags' => ['t1']], 'n' => 7, '$where' => 'k']), 'context: php://input still readable by the app');
$r = request($port, 'POST', '/form', $form(['q' => "a'b", 'arr' => ['k' => 'v']]));
$inputs = array_map(fn($i) => implode(':', $i), json_decode($r['body'], true)['inputs'] ?? []);
check(in_array("body:q:a'b", $inputs, true) && in_array('body:arr.k:v', $inputs, true), 'context: form body ' . json_encode($inputs));
$r = request($port, 'POST', '/upload', ['body' => ['photo' => new CURLFile($upload_src, 'image/png', "it's.png")]]);
$inputs = array_map(fn($i) => implode(':', $i), json_decode($r['body'], true)['inputs'] ?? []);
check(in_array("body:photo.name:it's.png", $inputs, true) && in_array("file:photo:it's.png", $inputs, true),
    'context: upload file name ' . json_encode($inputs));
stop($server);
stop($standin);
exec('rm -rf ' . escapeshellarg($tmp) . ' ' . escapeshellarg(sys_get_temp_dir() . '/rampart-shop-uploads'));
echo "php -S app: $checks checks, $failures failed\n";
exit($failures === 0 ? 0 : 1);
