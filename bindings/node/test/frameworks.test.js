'use strict';
// Koa and Fastify keep what they parsed on their own objects: rampart reads the inputs
// from there (body, route parameters, query), against the real frameworks.

const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');
const Database = require('better-sqlite3');
const Koa = require('koa');
const Router = require('@koa/router');
const { bodyParser } = require('@koa/bodyparser');
const Fastify = require('fastify');

const db = new Database(':memory:');
db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('apple');");
const lookup = (value) => db.prepare(`SELECT v FROM t WHERE v = '${value}'`).all();
const ATTACK = "x' OR '1'='1";
let caught = null;

async function koaServer() {
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  router.post('/items/:name', (ctx) => {
    ctx.body = { rows: lookup(ctx.request.body.item.name) };
  });
  router.get('/items/:name', (ctx) => {
    ctx.body = { rows: lookup(ctx.params.name) };
  });
  router.get('/go', (ctx) => {
    try {
      ctx.redirect(ctx.query.next);
    } catch (error) {
      caught = error; // the app tries to answer itself: the block page is already sent
      ctx.body = 'app answer';
    }
  });
  app.use(bodyParser());
  app.use(router.routes());
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

async function fastifyServer() {
  const app = Fastify({ logger: false });
  app.post('/items/:name', async (request) => ({ rows: lookup(request.body.item.name) }));
  app.get('/items/:name', async (request) => ({ rows: lookup(request.params.name) }));
  app.get('/go', (request, reply) => {
    try {
      reply.redirect(request.query.next);
    } catch (error) {
      caught = error;
    }
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${app.server.address().port}`, close: () => app.close() };
}

for (const [name, start] of [
  ['Koa', koaServer],
  ['Fastify', fastifyServer],
]) {
  test(`${name}: body and route parameters are inputs; normal requests unchanged`, async () => {
    h.setMode('block');
    h.takeEvents();
    const server = await start();
    try {
      const post = (value) =>
        h.request(`${server.url}/items/any`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ item: { name: value } }),
        });
      const normal = await post('apple');
      assert.equal(normal.status, 200, normal.body);
      assert.deepEqual(JSON.parse(normal.body).rows, [{ v: 'apple' }]);
      const normalGet = await h.request(`${server.url}/items/apple`);
      assert.deepEqual(JSON.parse(normalGet.body).rows, [{ v: 'apple' }]);
      assert.deepEqual(h.takeEvents(), []);

      const byBody = await post(ATTACK);
      assert.ok(h.isBlockPage(byBody), `${byBody.status} ${byBody.body}`);
      const byParam = await h.request(`${server.url}/items/${encodeURIComponent(ATTACK)}`);
      assert.ok(h.isBlockPage(byParam), `${byParam.status} ${byParam.body}`);
      const [bodyEvent, paramEvent] = h.takeEvents();
      assert.deepEqual([bodyEvent.input.source, bodyEvent.input.key], ['body', 'item.name']);
      assert.deepEqual([paramEvent.input.source, paramEvent.input.key], ['path', 'name']);
      assert.equal(paramEvent.request.route, '/items/:name');

      h.setMode('report');
      const reported = await post(ATTACK);
      assert.equal(reported.status, 200);
      assert.equal(JSON.parse(reported.body).rows.length, 1, 'the attack ran');
      assert.equal(h.takeEvents()[0].action, 'reported');
    } finally {
      await server.close();
    }
  });
}

for (const [name, start] of [
  ['Koa', koaServer],
  ['Fastify', fastifyServer],
]) {
  test(`${name}: a redirect to another site is blocked, reported; own paths unchanged`, async () => {
    const server = await start();
    try {
      h.setMode('block');
      h.takeEvents();
      for (const next of ['/account', `${server.url}/account`]) {
        const normal = await h.request(`${server.url}/go?next=${encodeURIComponent(next)}`);
        assert.equal(normal.headers.location, next);
      }
      assert.deepEqual(h.takeEvents(), []);

      caught = null;
      const blocked = await h.request(`${server.url}/go?next=${encodeURIComponent('https://evil.example/login')}`);
      assert.ok(h.isBlockPage(blocked), `${blocked.status} ${blocked.body}`);
      assert.equal(blocked.headers.location, undefined);
      assert.ok(caught instanceof h.rampart.RampartBlockedError, String(caught));
      const [event] = h.takeEvents();
      assert.equal(event.threat, 'open_redirect');
      assert.deepEqual([event.input.source, event.input.key], ['query', 'next']);

      h.setMode('report');
      const reported = await h.request(`${server.url}/go?next=${encodeURIComponent('https://evil.example/login')}`);
      assert.equal(reported.headers.location, 'https://evil.example/login');
      const events = h.takeEvents();
      assert.equal(events.length, 1, JSON.stringify(events));
      assert.equal(events[0].action, 'reported');
    } finally {
      await server.close();
    }
  });
}
