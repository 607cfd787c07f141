'use strict';
// The better-sqlite3 hook against the real library: prepare and exec throw when refused.

const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');
const { runNode, PACKAGE_DIR, TEST_DIR } = require('./helpers');
const Database = require('better-sqlite3');

const ATTACK = "' OR '1'='1";
const db = new Database(':memory:');
db.exec("CREATE TABLE fruit (name TEXT); INSERT INTO fruit VALUES ('apple'), ('pear');");
let server;
let thrown = null;

const CALLS = {
  prepare: (q) => db.prepare(`SELECT name FROM fruit WHERE name = '${q}'`).all(),
  exec: (q) => {
    db.exec(`UPDATE fruit SET name = name WHERE name = '${q}'`);
    return [];
  },
};

test.before(async () => {
  server = await h.serve((req, res, url) => {
    try {
      h.answer(res, null, CALLS[url.pathname.slice(1)](url.searchParams.get('q') || ''));
    } catch (error) {
      thrown = error;
      h.answer(res, error);
    }
  });
});
test.after(() => server.close());

for (const method of Object.keys(CALLS)) {
  test(`better-sqlite3 Database#${method}: block throws, report runs, normal unchanged`, async () => {
    h.setMode('block');
    h.takeEvents();
    const normal = await h.request(`${server.url}/${method}?q=apple`);
    assert.equal(normal.status, 200);
    assert.deepEqual(h.takeEvents(), []);

    thrown = null;
    const blocked = await h.request(`${server.url}/${method}?q=${encodeURIComponent(ATTACK)}`);
    assert.ok(h.isBlockPage(blocked), blocked.body);
    assert.ok(thrown instanceof h.rampart.RampartBlockedError);
    assert.equal(h.takeEvents()[0].sink.operation, `better-sqlite3.Database.${method}`);

    h.setMode('report');
    const reported = await h.request(`${server.url}/${method}?q=${encodeURIComponent(ATTACK)}`);
    assert.equal(reported.status, 200);
    assert.equal(h.takeEvents()[0].action, 'reported');
  });
}

test('better-sqlite3 loaded before rampart, through --require rampart/register', async () => {
  const script = `
    const Database = require('better-sqlite3');
    const http = require('node:http');
    const db = new Database(':memory:');
    const server = http.createServer((req, res) => {
      const q = new URL(req.url, 'http://x').searchParams.get('q');
      try { db.prepare("SELECT '" + q + "' AS v").all(); res.end('ran'); } catch (e) { res.end(e.name); }
    }).listen(0, '127.0.0.1', () => {
      http.get('http://127.0.0.1:' + server.address().port + '/?q=' + encodeURIComponent("x' UNION SELECT 1 --"), (res) => {
        res.resume(); res.on('end', () => { console.log(res.statusCode); server.close(); });
      });
    });`;
  const run = await runNode(['--require', `${PACKAGE_DIR}/register.js`, '-e', script], {
    cwd: TEST_DIR,
    env: { ...process.env, RAMPART_MODE: 'block', RAMPART_EVENTS: 'stderr' },
  });
  assert.equal(run.stdout.trim(), '403', run.stderr);
});
