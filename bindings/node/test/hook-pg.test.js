'use strict';
// The pg hook against a real PostgreSQL on 127.0.0.1: Client and Pool, callbacks,
// promises and Query objects; block and report.

const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');
const { startPostgres } = require('./servers');
const pg = require('pg');

const ATTACK = "' OR '1'='1";
let database;
let pool;
let client;
let server;

const CALLS = {
  // Promise API on a pool.
  'pool-promise': (q) => pool.query(`SELECT name FROM fruit WHERE name = '${q}'`).then((r) => r.rows),
  // Callback API on a client.
  'client-callback': (q) =>
    new Promise((resolve, reject) =>
      client.query(`SELECT name FROM fruit WHERE name = '${q}'`, (e, r) => (e ? reject(e) : resolve(r.rows))),
    ),
  // Config object with text.
  'client-config': (q) => client.query({ text: `SELECT name FROM fruit WHERE name = '${q}'` }).then((r) => r.rows),
  // A Query (submittable) object.
  'client-submittable': (q) =>
    new Promise((resolve, reject) => {
      const query = new pg.Query(`SELECT name FROM fruit WHERE name = '${q}'`);
      query.on('error', reject);
      const rows = [];
      query.on('row', (row) => rows.push(row));
      query.on('end', () => resolve(rows));
      client.query(query);
    }),
};

test.before(async () => {
  database = await startPostgres();
  if (!database) return;
  const config = { host: database.host, port: database.port, user: database.user, database: database.database };
  pool = new pg.Pool(config);
  client = new pg.Client(config);
  await client.connect();
  await client.query("CREATE TABLE fruit (name TEXT); INSERT INTO fruit VALUES ('apple'), ('pear')");
  server = await h.serve(async (req, res, url) => {
    try {
      h.answer(res, null, await CALLS[url.pathname.slice(1)](url.searchParams.get('q') || ''));
    } catch (error) {
      h.answer(res, error);
    }
  });
});

test.after(async () => {
  if (!database) return;
  await server.close();
  await client.end();
  await pool.end();
  await database.stop();
});

for (const call of Object.keys(CALLS)) {
  test(`pg ${call}: normal requests unchanged, attacks blocked or reported`, async (t) => {
    if (!database) return t.skip('PostgreSQL is not installed');
    h.setMode('block');
    h.takeEvents();
    const normal = await h.request(`${server.url}/${call}?q=apple`);
    assert.equal(normal.status, 200, normal.body);
    assert.deepEqual(JSON.parse(normal.body).rows, [{ name: 'apple' }]);
    assert.deepEqual(h.takeEvents(), []);

    const blocked = await h.request(`${server.url}/${call}?q=${encodeURIComponent(ATTACK)}`);
    assert.ok(h.isBlockPage(blocked), `${blocked.status} ${blocked.body}`);
    const [event] = h.takeEvents();
    assert.equal(event.sink.operation, 'pg.Client.query');
    assert.equal(event.action, 'blocked');

    h.setMode('report');
    const reported = await h.request(`${server.url}/${call}?q=${encodeURIComponent(ATTACK)}`);
    assert.equal(JSON.parse(reported.body).rows.length, 2, 'report mode lets the attack run');
    assert.equal(h.takeEvents()[0].action, 'reported');
  });
}

test('pg: the refusal reaches the app as RampartBlockedError', async (t) => {
  if (!database) return t.skip('PostgreSQL is not installed');
  h.setMode('block');
  let seen = null;
  const local = await h.serve(async (req, res, url) => {
    try {
      await client.query(`SELECT 1 WHERE '${url.searchParams.get('q')}' = ''`);
    } catch (error) {
      seen = error;
    }
    res.end('the app answers itself');
  });
  const response = await h.request(`${local.url}/?q=${encodeURIComponent("' OR 1=1 --")}`);
  await local.close();
  assert.ok(h.isBlockPage(response), response.body);
  assert.ok(seen instanceof h.rampart.RampartBlockedError);
  assert.equal(seen.threat, 'sql_injection');
  h.takeEvents();
});

test('pg pool: a query waiting for a connection is checked against its own request', async (t) => {
  if (!database) return t.skip('PostgreSQL is not installed');
  h.setMode('block');
  h.takeEvents();
  const single = new pg.Pool({ host: database.host, port: database.port, user: database.user, database: database.database, max: 1 });
  const local = await h.serve(async (req, res, url) => {
    const q = url.searchParams.get('q');
    try {
      const result = await single.query(`SELECT name, pg_sleep(${url.searchParams.get('sleep') || 0}) FROM fruit WHERE name = '${q}'`);
      h.answer(res, null, result.rows.map((r) => r.name));
    } catch (error) {
      h.answer(res, error);
    }
  });
  // The first request holds the only connection; the attack waits for it and gets it from
  // inside the first request's callbacks.
  const [slow, attack] = await Promise.all([
    h.request(`${local.url}/?q=apple&sleep=0.3`),
    new Promise((r) => setTimeout(r, 50)).then(() => h.request(`${local.url}/?q=${encodeURIComponent(ATTACK)}`)),
  ]);
  await local.close();
  await single.end();
  assert.equal(slow.status, 200, slow.body);
  assert.ok(h.isBlockPage(attack), `${attack.status} ${attack.body}`);
  assert.equal(h.takeEvents()[0].request.path, '/');
});
