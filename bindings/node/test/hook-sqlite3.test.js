'use strict';
// The sqlite3 hook against the real sqlite3 library: every query method, block and
// report, callbacks, requests outside HTTP, and the library loaded before rampart.

const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');
const { runNode, PACKAGE_DIR, TEST_DIR } = require('./helpers');
const sqlite3 = require('sqlite3');

const ATTACK = "' OR '1'='1";
let db;
let server;
/** The error (or null) each sink call's callback received. */
let received = [];

/** method -> runs a concatenated query for `q` and answers the request. */
const CALLS = {
  all: (q, res) => db.all(`SELECT name FROM fruit WHERE name = '${q}'`, (e, rows) => done(res, e, rows)),
  get: (q, res) => db.get(`SELECT name FROM fruit WHERE name = '${q}'`, (e, row) => done(res, e, row ? [row] : [])),
  run: (q, res) => db.run(`UPDATE fruit SET name = name WHERE name = '${q}'`, function run(e) {
    done(res, e, e ? undefined : [{ changes: this.changes }]);
  }),
  each: (q, res) => {
    const rows = [];
    db.each(`SELECT name FROM fruit WHERE name = '${q}'`, (e, row) => row && rows.push(row), (e) => done(res, e, rows));
  },
  exec: (q, res) => db.exec(`UPDATE fruit SET name = name WHERE name = '${q}'`, (e) => done(res, e, [])),
  prepare: (q, res) => {
    const statement = db.prepare(`SELECT name FROM fruit WHERE name = '${q}'`);
    statement.all((e, rows) => statement.finalize(() => done(res, e, rows)));
  },
};

function done(res, error, rows) {
  received.push(error || null);
  h.answer(res, error, rows);
}

test.before(async () => {
  db = await new Promise((resolve, reject) => {
    const d = new sqlite3.Database(':memory:', (e) => (e ? reject(e) : resolve(d)));
  });
  await new Promise((resolve, reject) =>
    db.exec("CREATE TABLE fruit (name TEXT); INSERT INTO fruit VALUES ('apple'), ('pear');", (e) => (e ? reject(e) : resolve())),
  );
  server = await h.serve((req, res, url) => CALLS[url.pathname.slice(1)](url.searchParams.get('q') || '', res));
});
test.after(async () => {
  await server.close();
  await new Promise((resolve) => db.close(() => resolve()));
});

for (const method of Object.keys(CALLS)) {
  test(`sqlite3 Database#${method}: normal requests unchanged, attacks reported or blocked`, async () => {
    h.setMode('block');
    h.takeEvents();
    received = [];
    const normal = await h.request(`${server.url}/${method}?q=apple`);
    assert.equal(normal.status, 200, normal.body);
    assert.deepEqual(h.takeEvents(), []);

    const blocked = await h.request(`${server.url}/${method}?q=${encodeURIComponent(ATTACK)}`);
    assert.ok(h.isBlockPage(blocked), `${blocked.status} ${blocked.body}`);
    const [event] = h.takeEvents();
    assert.equal(event.action, 'blocked');
    assert.equal(event.sink.operation, `sqlite3.Database.${method}`);
    assert.equal(event.input.source, 'query');
    assert.equal(event.input.key, 'q');
    assert.match(blocked.body, new RegExp(event.event_id));
    assert.ok(event.stack.some((frame) => frame.includes('hook-sqlite3.test.js')), event.stack.join('\n'));
    if (method === 'prepare') {
      assert.equal(received.length, 1, 'prepare throws instead of calling back');
    } else {
      assert.equal(received.at(-1)?.name, 'RampartBlockedError');
      assert.equal(received.at(-1).code, 'blocked');
      assert.equal(received.at(-1).eventId, event.event_id);
    }

    h.setMode('report');
    const reported = await h.request(`${server.url}/${method}?q=${encodeURIComponent(ATTACK)}`);
    assert.equal(reported.status, 200, 'report mode lets the query run');
    const [report] = h.takeEvents();
    assert.equal(report.action, 'reported');
    assert.equal(report.threat, 'sql_injection');
  });
}

test('sqlite3: calls outside an HTTP request are not checked', async () => {
  h.setMode('block');
  const rows = await new Promise((resolve, reject) =>
    db.all(`SELECT name FROM fruit WHERE name = '${ATTACK}'`, (e, r) => (e ? reject(e) : resolve(r))),
  );
  assert.equal(rows.length, 2);
});

test('sqlite3: without a callback, a refused call throws', async () => {
  h.setMode('block');
  const local = await h.serve((req, res, url) => {
    try {
      db.run(`UPDATE fruit SET name = name WHERE name = '${url.searchParams.get('q')}'`);
      res.end('ran');
    } catch (error) {
      res.end(error.name);
    }
  });
  const response = await h.request(`${local.url}/?q=${encodeURIComponent(ATTACK)}`);
  assert.ok(h.isBlockPage(response));
  await local.close();
  h.takeEvents();
});

for (const order of ['before', 'after']) {
  test(`sqlite3 loaded ${order} rampart is hooked`, async () => {
    const script = `
      ${order === 'before' ? "const sqlite3 = require('sqlite3');" : ''}
      require(${JSON.stringify(PACKAGE_DIR)});
      ${order === 'after' ? "const sqlite3 = require('sqlite3');" : ''}
      const http = require('node:http');
      const db = new sqlite3.Database(':memory:');
      const server = http.createServer((req, res) => {
        const q = new URL(req.url, 'http://x').searchParams.get('q');
        db.all("SELECT '" + q + "' AS v", (e) => res.end(e ? e.name : 'ran'));
      }).listen(0, '127.0.0.1', () => {
        http.get('http://127.0.0.1:' + server.address().port + '/?q=' + encodeURIComponent("x' UNION SELECT 1 --"), (res) => {
          let body = ''; res.on('data', (d) => (body += d)); res.on('end', () => { console.log(res.statusCode); server.close(); db.close(); });
        });
      });`;
    const run = await runNode(['-e', script], {
      cwd: TEST_DIR,
      env: { ...process.env, RAMPART_MODE: 'block', RAMPART_EVENTS: 'stderr' },
    });
    assert.equal(run.stdout.trim(), '403', run.stderr);
    assert.match(run.stderr, /"action":"blocked"/);
  });
}
