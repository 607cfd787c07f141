'use strict';
// The mysql2 hook against a real MariaDB on 127.0.0.1: callback and promise APIs,
// connections and pools, query and execute; block and report.

const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');
const { startMariadb } = require('./servers');
const mysql = require('mysql2');
const mysqlPromise = require('mysql2/promise');

const ATTACK = "' OR '1'='1";
let database;
let connection;
let promisePool;
let server;

const CALLS = {
  'connection-callback': (q) =>
    new Promise((resolve, reject) =>
      connection.query(`SELECT name FROM fruit WHERE name = '${q}'`, (e, rows) => (e ? reject(e) : resolve(rows))),
    ),
  'connection-options': (q) =>
    new Promise((resolve, reject) =>
      connection.query({ sql: `SELECT name FROM fruit WHERE name = '${q}'` }, (e, rows) => (e ? reject(e) : resolve(rows))),
    ),
  'connection-execute': (q) =>
    new Promise((resolve, reject) =>
      connection.execute(`SELECT name FROM fruit WHERE name = '${q}'`, [], (e, rows) => (e ? reject(e) : resolve(rows))),
    ),
  'connection-events': (q) =>
    new Promise((resolve, reject) => {
      const rows = [];
      connection
        .query(`SELECT name FROM fruit WHERE name = '${q}'`)
        .on('error', reject)
        .on('result', (row) => rows.push(row))
        .on('end', () => resolve(rows));
    }),
  'promise-pool-query': async (q) => (await promisePool.query(`SELECT name FROM fruit WHERE name = '${q}'`))[0],
  'promise-pool-execute': async (q) => (await promisePool.execute(`SELECT name FROM fruit WHERE name = '${q}'`))[0],
};

test.before(async () => {
  database = await startMariadb();
  if (!database) return;
  const setup = await mysqlPromise.createConnection({ host: database.host, port: database.port, user: database.user });
  await setup.query('CREATE DATABASE shop');
  await setup.query('CREATE TABLE shop.fruit (name VARCHAR(20))');
  await setup.query("INSERT INTO shop.fruit VALUES ('apple'), ('pear')");
  await setup.end();
  const config = { host: database.host, port: database.port, user: database.user, database: 'shop' };
  connection = mysql.createConnection(config);
  promisePool = mysqlPromise.createPool({ ...config, connectionLimit: 2 });
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
  await new Promise((resolve) => connection.end(() => resolve()));
  await promisePool.end();
  await database.stop();
});

for (const call of Object.keys(CALLS)) {
  test(`mysql2 ${call}: normal requests unchanged, attacks blocked or reported`, async (t) => {
    if (!database) return t.skip('MariaDB is not installed');
    h.setMode('block');
    h.takeEvents();
    const normal = await h.request(`${server.url}/${call}?q=apple`);
    assert.equal(normal.status, 200, normal.body);
    assert.deepEqual(JSON.parse(normal.body).rows, [{ name: 'apple' }]);
    assert.deepEqual(h.takeEvents(), []);

    const blocked = await h.request(`${server.url}/${call}?q=${encodeURIComponent(ATTACK)}`);
    assert.ok(h.isBlockPage(blocked), `${blocked.status} ${blocked.body}`);
    const [event] = h.takeEvents();
    assert.match(event.sink.operation, /^mysql2\.Connection\.(query|execute)$/);
    assert.equal(event.action, 'blocked');

    h.setMode('report');
    const reported = await h.request(`${server.url}/${call}?q=${encodeURIComponent(ATTACK)}`);
    assert.equal(JSON.parse(reported.body).rows.length, 2, `report mode lets the attack run: ${reported.body}`);
    assert.equal(h.takeEvents()[0].action, 'reported');
  });
}

test('mysql2: the connection still works after a refused query', async (t) => {
  if (!database) return t.skip('MariaDB is not installed');
  h.setMode('block');
  const after = await h.request(`${server.url}/connection-callback?q=pear`);
  assert.deepEqual(JSON.parse(after.body).rows, [{ name: 'pear' }]);
});

test('mysql2 pool: a query waiting for a connection is checked against its own request', async (t) => {
  if (!database) return t.skip('MariaDB is not installed');
  h.setMode('block');
  h.takeEvents();
  const single = mysql.createPool({ host: database.host, port: database.port, user: database.user, database: 'shop', connectionLimit: 1 });
  const local = await h.serve(async (req, res, url) => {
    const q = url.searchParams.get('q');
    single.query(`SELECT name, SLEEP(${url.searchParams.get('sleep') || 0}) AS s FROM fruit WHERE name = '${q}'`, (error, rows) =>
      h.answer(res, error, rows && rows.map((r) => r.name)),
    );
  });
  const [slow, attack] = await Promise.all([
    h.request(`${local.url}/?q=apple&sleep=0.3`),
    new Promise((r) => setTimeout(r, 50)).then(() => h.request(`${local.url}/?q=${encodeURIComponent(ATTACK)}`)),
  ]);
  await local.close();
  await new Promise((r) => single.end(r));
  assert.equal(slow.status, 200, slow.body);
  assert.ok(h.isBlockPage(attack), `${attack.status} ${attack.body}`);
});
