'use strict';
// The example shop (examples/node-express: Express + sqlite3, SQL built by string
// concatenation, a ping tool, a file download, a link preview) served three times on 127.0.0.1: unprotected, protected in report mode
// and protected in block mode. Every normal request gets the same answer from all three;
// every attack works on the unprotected shop, works and is reported in report mode, and
// gets the policy's (Japanese) block page in block mode.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const { REPO_DIR, tempDir, readEvents, startServer, request } = require('./helpers');

const SHOP = path.join(REPO_DIR, 'examples', 'node-express');
const BLOCK_PAGE = '<h1>リクエストはブロックされました</h1><p>お問い合わせ番号: {{event_id}}</p>';

const json = (body) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const form = (body) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(body).toString(),
});

const NORMAL = [
  ['GET', '/products?q=lamp'],
  ['GET', '/products?q=100%25'],
  ['GET', '/products?q=' + encodeURIComponent('湯呑み')],
  ['GET', '/products'],
  ['GET', '/products/2'],
  ['POST', '/login', json({ username: 'alice', password: 'wonderland' })],
  ['POST', '/login', form({ username: 'bob', password: 'builder' })],
  ['POST', '/login', json({ username: 'alice', password: 'guess' })],
  ['POST', '/reviews', json({ review: { product_id: 1, author: 'carol', text: 'Lovely, would buy again!' } })],
  ['GET', '/', { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' } }],
];

/** [method, path, options, the input rampart must name]. */
const ATTACKS = [
  [
    'GET',
    '/products?q=' + encodeURIComponent("' UNION SELECT id, username || ':' || password, 0 FROM users -- "),
    {},
    ['query', 'q'],
  ],
  ['POST', '/login', json({ username: "' OR 1=1-- ", password: 'x' }), ['body', 'username']],
  ['POST', '/login', form({ username: "admin'-- ", password: 'x' }), ['body', 'username']],
  [
    'POST',
    '/reviews',
    json({ review: { product_id: 1, author: 'eve', text: "x'), (1, 'eve', (SELECT password FROM users WHERE username = 'admin'))-- " } }),
    ['body', 'review.text'],
  ],
  ['GET', '/', { headers: { 'user-agent': "x'), ('/', (SELECT password FROM users LIMIT 1))-- " } }, ['header', 'user-agent']],
];

const shops = {};
/** Loopback servers: a partner site the preview may show (`localhost`, allowed by the
 * policy) and, on 127.0.0.1, a stand-in for a cloud metadata endpoint. */
const sites = [];
let sitePort = 0;

function serveSite(host, port) {
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/latest/meta-data/')) return res.end('iam/security-credentials/shop-role: AKIA-SECRET');
    res.end('<h1>Partner news</h1><p>Spring sale starts Monday.</p>');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      sites.push(server);
      resolve(server.address().port);
    });
  });
}

test.before(async () => {
  sitePort = await serveSite('127.0.0.1', 0);
  await serveSite('::1', sitePort).catch(() => {}); // `localhost` may resolve to ::1 first
  const dir = tempDir('shop');
  const policy = path.join(dir, 'policy.json');
  fs.writeFileSync(
    policy,
    JSON.stringify({
      mode: 'block',
      block_response: { body: BLOCK_PAGE },
      // Each attack here is judged at its sink: one event per attack (payload inspection
      // at request start has its own tests, payload.test.js).
      protections: { ssrf: { allow_hosts: ['localhost'] }, malicious_payload: { action: 'off' } },
    }),
  );
  const env = { ...process.env, PORT: '0', HOST: '127.0.0.1' };
  delete env.RAMPART_POLICY;
  delete env.RAMPART_MODE;
  const start = (name, script, extra) => {
    const events = path.join(dir, `${name}.jsonl`);
    return startServer([script], { cwd: SHOP, env: { ...env, RAMPART_EVENTS: events, ...extra } }).then((server) => {
      shops[name] = { ...server, events };
    });
  };
  await Promise.all([
    start('unprotected', 'app.js', {}),
    start('report', 'server.js', { RAMPART_POLICY: policy, RAMPART_MODE: 'report' }),
    start('block', 'server.js', { RAMPART_POLICY: policy }),
  ]);
});

test.after(async () => {
  await Promise.all(Object.values(shops).map((shop) => shop.stop()));
  await Promise.all(sites.map((site) => new Promise((done) => site.close(done))));
});

function send(shop, [method, url, options = {}]) {
  return request(`${shops[shop].url}${url}`, { method, ...options });
}

test('normal requests get the same answers with and without rampart, in both modes', async () => {
  for (const req of NORMAL) {
    const plain = await send('unprotected', req);
    assert.ok(plain.status < 500, `${req[1]}: ${plain.status} ${plain.body}`);
    for (const mode of ['report', 'block']) {
      const protectedAnswer = await send(mode, req);
      assert.equal(protectedAnswer.status, plain.status, `${mode} ${req[0]} ${req[1]}`);
      assert.equal(protectedAnswer.body, plain.body, `${mode} ${req[0]} ${req[1]}`);
    }
  }
  for (const mode of ['report', 'block']) assert.deepEqual(readEvents(shops[mode].events), [], `${mode}: no events`);
});

test('attacks: reported in report mode (the app answers as without rampart), blocked in block mode', async () => {
  for (const [method, url, options, [source, key]] of ATTACKS) {
    const label = `${method} ${url} (${source}.${key})`;
    const plain = await send('unprotected', [method, url, options]);
    const reportedAnswer = await send('report', [method, url, options]);
    assert.equal(reportedAnswer.status, plain.status, label);
    assert.equal(reportedAnswer.body, plain.body, label);
    const reported = readEvents(shops.report.events).at(-1);
    assert.equal(reported.action, 'reported', label);
    assert.equal(reported.threat, 'sql_injection', label);
    assert.deepEqual([reported.input.source, reported.input.key], [source, key], label);
    assert.equal(reported.request.path, url.split('?')[0], label);
    assert.equal(reported.request.client_ip, '127.0.0.1', label);

    const blockedAnswer = await send('block', [method, url, options]);
    const blocked = readEvents(shops.block.events).at(-1);
    assert.equal(blocked.action, 'blocked', label);
    assert.deepEqual([blocked.input.source, blocked.input.key], [source, key], label);
    assert.equal(blockedAnswer.status, 403, label);
    assert.equal(blockedAnswer.headers['content-type'], 'text/html; charset=utf-8', label);
    assert.equal(blockedAnswer.body, BLOCK_PAGE.replace('{{event_id}}', blocked.event_id), label);
    assert.ok(blocked.stack.some((frame) => frame.includes(`${path.sep}app.js:`)), blocked.stack.join('\n'));
  }
  assert.equal(readEvents(shops.report.events).length, ATTACKS.length);
  assert.equal(readEvents(shops.block.events).length, ATTACKS.length);
});

test('the unprotected shop really is vulnerable (the attacks are real)', async () => {
  const leak = await send('unprotected', ATTACKS[0]);
  assert.match(leak.body, /admin:s3cr3t-admin-pw/);
  const login = await send('unprotected', ATTACKS[1]);
  assert.equal(JSON.parse(login.body).user.username, 'admin');
});

test('the protected shop keeps serving after blocking', async () => {
  const after = await send('block', NORMAL[0]);
  assert.equal(after.status, 200);
  assert.match(after.body, /Desk lamp/);
});

/** The tools: [normal requests], [[attack, threat, input key, what leaks unprotected]]. */
function tools() {
  const normal = [
    ['GET', '/tools/ping?host=127.0.0.1'],
    ['GET', '/download?name=price-list.txt'],
    ['GET', '/download?name=missing.txt'],
    ['GET', `/preview?url=${encodeURIComponent(`http://localhost:${sitePort}/news`)}`],
  ];
  const attacks = [
    ['GET', `/tools/ping?host=${encodeURIComponent('127.0.0.1; echo pwned-$((6*7))')}`, 'command_injection', 'host', /pwned-42/],
    ['GET', `/download?name=${encodeURIComponent('../db.js')}`, 'path_traversal', 'name', /s3cr3t-admin-pw/],
    [
      'GET',
      `/preview?url=${encodeURIComponent(`http://127.0.0.1:${sitePort}/latest/meta-data/`)}`,
      'ssrf',
      'url',
      /AKIA-SECRET/,
    ],
  ];
  return { normal, attacks };
}

test('tools: normal use gets the same answers with and without rampart', async () => {
  const before = { report: readEvents(shops.report.events).length, block: readEvents(shops.block.events).length };
  for (const req of tools().normal) {
    const plain = await send('unprotected', req);
    assert.ok(plain.status < 500, `${req[1]}: ${plain.status} ${plain.body}`);
    for (const mode of ['report', 'block']) {
      const answer = await send(mode, req);
      assert.equal(answer.status, plain.status, `${mode} ${req[1]}`);
      assert.equal(answer.body, plain.body, `${mode} ${req[1]}`);
    }
  }
  assert.match((await send('block', tools().normal[1])).body, /Desk lamp 29.00/);
  assert.match((await send('block', tools().normal[3])).body, /Spring sale/);
  for (const mode of ['report', 'block']) assert.equal(readEvents(shops[mode].events).length, before[mode], mode);
});

test('tools: each attack works unprotected, is reported in report mode, blocked in block mode', async () => {
  for (const [method, url, threat, key, leak] of tools().attacks) {
    const label = `${method} ${url}`;
    const plain = await send('unprotected', [method, url]);
    assert.match(plain.body, leak, `${label}: the unprotected shop is vulnerable`);

    const reportedAnswer = await send('report', [method, url]);
    assert.equal(reportedAnswer.body, plain.body, label);
    const reported = readEvents(shops.report.events).at(-1);
    assert.equal(reported.action, 'reported', label);
    assert.equal(reported.threat, threat, label);
    assert.deepEqual([reported.input.source, reported.input.key], ['query', key], label);

    const blockedAnswer = await send('block', [method, url]);
    const blocked = readEvents(shops.block.events).at(-1);
    assert.equal(blocked.action, 'blocked', label);
    assert.equal(blocked.threat, threat, label);
    assert.equal(blockedAnswer.status, 403, label);
    assert.equal(blockedAnswer.body, BLOCK_PAGE.replace('{{event_id}}', blocked.event_id), label);
    assert.doesNotMatch(blockedAnswer.body, leak, label);
  }
});
