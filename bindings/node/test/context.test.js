'use strict';
// The request context: which inputs are read, when they are read again, and what
// happens when reading them fails.

const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');
const { RequestContext } = require('../lib/context');
const { runNode, PACKAGE_DIR, TEST_DIR } = require('./helpers');
const Database = require('better-sqlite3');

const db = new Database(':memory:');
db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('a');");

/** The inputs a request shaped like `req` gives, as [source, key, value]. */
function collect(req) {
  const request = new RequestContext({ method: 'POST', url: '/', headers: {}, ...req }, null).inputs();
  const inputs = [];
  for (let i = 0; i < request.length; i++) {
    const input = request.input(i);
    inputs.push([input.source, input.key, input.value]);
  }
  return inputs;
}

test('collection: the core collector\'s rules (dotted keys, indexes, non-word keys as inputs)', () => {
  const body = { user: { name: 'x', tags: ['a', 'b'], age: 3, ok: true, none: null, "it's": 'y' } };
  assert.deepEqual(collect({ body }), [
    ['body', 'user.age', '3'],
    ['body', "user.it's", "it's"],
    ['body', "user.it's", 'y'],
    ['body', 'user.name', 'x'],
    ['body', 'user.tags[0]', 'a'],
    ['body', 'user.tags[1]', 'b'],
  ]);
  assert.deepEqual(collect({ body: 'raw text body' }), [['body', '', 'raw text body']]);
  assert.deepEqual(collect({ body: Buffer.from('raw bytes') }), [['body', '', 'raw bytes']]);
  // The query string as sent (not a framework's parse of it), route parameters, headers
  // without the protocol's own, cookies from the Cookie header, percent-decoded too.
  assert.deepEqual(
    collect({
      url: '/items/7?q=%27+OR+1&f%5Bx%5D=2',
      params: { id: '7' },
      rawHeaders: ['Host', 'shop.example', 'Content-Length', '0', 'X-T', 'v', 'Cookie', 'sid=a%27b; theme=dark'],
    }),
    [
      ['query', 'q', "' OR 1"],
      ['query', 'f[x]', 'f[x]'],
      ['query', 'f[x]', '2'],
      ['path', 'id', '7'],
      ['header', 'host', 'shop.example'],
      ['header', 'x-t', 'v'],
      ['cookie', 'sid', 'a%27b'],
      ['cookie', 'sid', "a'b"],
      ['cookie', 'theme', 'dark'],
    ],
  );
});

test('collection: empty parsed objects give no inputs; state written on one context stays its own', () => {
  assert.deepEqual(collect({ body: {}, params: {} }), []);
  // Only own keys count, as for JSON.stringify: inherited ones are not the body's.
  assert.deepEqual(collect({ body: Object.create({ inherited: 'x' }) }), []);
  assert.deepEqual(collect({ body: [] }), []);
  assert.deepEqual(collect({ body: { q: 'x' }, params: {} }), [['body', 'q', 'x']]);
  // What few requests write starts on the prototype: writing it makes it the context's own.
  const first = new RequestContext({ method: 'GET', url: '/', headers: {} }, null);
  const second = new RequestContext({ method: 'GET', url: '/', headers: {} }, null);
  first.rememberBuiltPath('/etc/passwd', '/srv/../etc/passwd');
  first.blockedEventId = 'e1';
  assert.equal(first.builtPathOf('/etc/passwd'), '/srv/../etc/passwd');
  assert.equal(second.builtPathOf('/etc/passwd'), undefined);
  assert.equal(second.builtPaths, null);
  assert.equal(second.blockedEventId, null);
});

test('collection: depth and count are bounded; a body without a JSON form gives no body inputs', () => {
  let deep = 'leaf';
  for (let i = 0; i < 10_000; i++) deep = { k: deep };
  assert.deepEqual(collect({ body: deep }), []); // nothing within 32 levels holds a value
  let shallow = 'leaf';
  for (let i = 0; i < 31; i++) shallow = { k: shallow };
  assert.deepEqual(collect({ body: shallow }), [['body', Array(31).fill('k').join('.'), 'leaf']]);
  const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 'v']));
  assert.equal(collect({ body: wide }).length, 1000);
  const cyclic = { a: 'x' };
  cyclic.self = cyclic;
  assert.deepEqual(collect({ body: cyclic, url: '/?q=1' }), [['query', 'q', '1']]);
});

/** A server whose handler runs `steps(req)` and answers what happened. */
async function withServer(steps, fn) {
  const server = await h.serve(async (req, res) => {
    try {
      await steps(req, res);
      if (!res.writableEnded) res.end('ran');
    } catch (error) {
      res.end(error.name);
    }
  });
  try {
    return await fn(server.url);
  } finally {
    await server.close();
  }
}

function readBody(req) {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => resolve(text));
  });
}

test('inputs are read again when the body is parsed after the first sink call', async () => {
  h.setMode('block');
  h.takeEvents();
  const response = await withServer(
    async (req) => {
      db.prepare('SELECT v FROM t').all(); // first sink: no body parsed yet
      req.body = JSON.parse(await readBody(req));
      db.prepare(`SELECT v FROM t WHERE v = '${req.body.user.name}'`).all();
    },
    (url) =>
      h.request(`${url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: { name: "x' OR 1=1 --" } }),
      }),
  );
  assert.ok(h.isBlockPage(response), response.body);
  const [event] = h.takeEvents();
  assert.equal(event.input.source, 'body');
  assert.equal(event.input.key, 'user.name');
});

test('plain http: query string, headers and cookies are inputs; cookie values are masked', async () => {
  h.setMode('block');
  h.takeEvents();
  const sinkOf = (pick) => (req) => {
    db.prepare(`SELECT v FROM t WHERE v = '${pick(req)}'`).all();
  };
  const attack = "x' OR 'a'='a";
  const byQuery = await withServer(sinkOf((req) => new URL(req.url, 'http://x').searchParams.get('q')), (url) =>
    h.request(`${url}/?q=${encodeURIComponent(attack)}`),
  );
  assert.ok(h.isBlockPage(byQuery));
  const byHeader = await withServer(sinkOf((req) => req.headers['x-customer']), (url) =>
    h.request(`${url}/`, { headers: { 'x-customer': attack } }),
  );
  assert.ok(h.isBlockPage(byHeader));
  const byCookie = await withServer(sinkOf((req) => decodeURIComponent(req.headers.cookie.split('=')[1])), (url) =>
    h.request(`${url}/`, { headers: { cookie: `session=${encodeURIComponent(attack)}` } }),
  );
  assert.ok(h.isBlockPage(byCookie));
  const [query, header, cookie] = h.takeEvents();
  assert.deepEqual([query.input.source, query.input.key], ['query', 'q']);
  assert.deepEqual([header.input.source, header.input.key], ['header', 'x-customer']);
  assert.deepEqual([cookie.input.source, cookie.input.key], ['cookie', 'session']);
  assert.match(cookie.input.value, /^<masked/);
  assert.ok(!JSON.stringify(cookie).includes("OR 'a'"), 'a cookie value never reaches the log');
});

test('the app cannot replace the block page, even catching the error and answering itself', async () => {
  h.setMode('block', { block_response: { status: 403, body: '<h1>リクエストはブロックされました</h1> id={{event_id}}' } });
  h.takeEvents();
  const response = await withServer(
    (req, res) => {
      try {
        db.prepare(`SELECT v FROM t WHERE v = '${new URL(req.url, 'http://x').searchParams.get('q')}'`).all();
      } catch {
        res.setHeader('x-app', 'yes');
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('the app says: all fine');
        res.end();
      }
    },
    (url) => h.request(`${url}/?q=${encodeURIComponent("' OR 1=1 --")}`),
  );
  const [event] = h.takeEvents();
  assert.equal(response.status, 403);
  assert.equal(response.body, `<h1>リクエストはブロックされました</h1> id=${event.event_id}`);
  assert.equal(response.headers['x-app'], undefined);
  assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(Number(response.headers['content-length']), Buffer.byteLength(response.body));
});

test('an internal failure fails open with an error event (and closed when the policy says so)', async () => {
  const steps = (req) => {
    Object.defineProperty(req, 'body', {
      get() {
        throw new Error('a body getter that throws');
      },
    });
    return db.prepare(`SELECT v FROM t WHERE v = '${new URL(req.url, 'http://x').searchParams.get('q')}'`).all();
  };
  h.setMode('block');
  h.takeEvents();
  const open = await withServer(steps, (url) => h.request(`${url}/?q=${encodeURIComponent("' OR 1=1 --")}`));
  assert.equal(open.body, 'ran', 'the call went on');
  const [event] = h.takeEvents();
  assert.equal(event.action, 'failed_open');
  assert.equal(event.threat, null);
  assert.equal(event.engine.policy_version, 1);
  assert.match(event.error.message, /body getter/);
  assert.equal(event.sink.operation, 'better-sqlite3.Database.prepare');

  h.setMode('block', { fail_closed: true });
  const closed = await withServer(steps, (url) => h.request(`${url}/?q=x`));
  assert.ok(h.isBlockPage(closed));
  const [closedEvent] = h.takeEvents();
  assert.equal(closedEvent.action, 'failed_closed');
});

test('ESM entry: import "rampart" protects and exports the API', async () => {
  const script = `
    import rampart, { Engine, RampartBlockedError, version } from 'rampart';
    import sqlite3 from 'sqlite3';
    import http from 'node:http';
    if (typeof Engine !== 'function' || rampart.Engine !== Engine || typeof version !== 'string') throw new Error('exports');
    const db = new sqlite3.Database(':memory:');
    const server = http.createServer((req, res) => {
      const q = new URL(req.url, 'http://x').searchParams.get('q');
      db.all("SELECT '" + q + "' AS v", (e) => res.end(e instanceof RampartBlockedError ? 'refused' : 'ran'));
    }).listen(0, '127.0.0.1', () => {
      http.get('http://127.0.0.1:' + server.address().port + '/?q=' + encodeURIComponent("x' UNION SELECT 1 --"), (res) => {
        res.resume(); res.on('end', () => { console.log(res.statusCode); server.close(); db.close(); });
      });
    });`;
  const run = await runNode(['--input-type=module', '-e', script], {
    cwd: TEST_DIR,
    env: { ...process.env, RAMPART_MODE: 'block', RAMPART_EVENTS: 'stderr' },
  });
  assert.equal(run.stdout.trim(), '403', run.stderr);
});

test('RAMPART_MODE=off installs nothing', async () => {
  const script = `require(${JSON.stringify(PACKAGE_DIR)}); const http = require('node:http'); console.log(http.Server.prototype.hasOwnProperty('emit'));`;
  const run = await runNode(['-e', script], { env: { ...process.env, RAMPART_MODE: 'off' } });
  assert.equal(run.stdout.trim(), 'false', run.stderr);
});

test('checkShell, checkExec, checkPath, ... check a sink rampart does not hook against the current request', async () => {
  h.setMode('report');
  h.takeEvents();
  const server = await h.serve((req, res, url) => {
    const q = (name) => url.searchParams.get(name);
    const r = h.rampart;
    r.checkShell('custom.sh', `echo ${q('cmd')}`);
    r.checkExec('custom.run', [q('prog'), '-x']);
    r.checkNosql('custom.find', JSON.stringify({ name: { $ne: q('name[$ne]') } }));
    r.checkPath('custom.open', `files/${q('file')}`);
    r.checkUrl('custom.fetch', q('url'));
    r.checkRedirect('custom.redirect', q('next'));
    r.checkHeader('custom.header', 'x-a', q('hdr'));
    r.checkShell('custom.sh', 'echo fixed'); // no input in it: nothing
    res.end('done');
  });
  try {
    const attack = new URLSearchParams({
      cmd: 'x; id',
      prog: 'id',
      'name[$ne]': '',
      file: '../../etc/passwd',
      url: 'http://169.254.169.254/latest/meta-data/',
      next: 'https://evil.example/login',
      hdr: 'a\r\nSet-Cookie: s=1',
    });
    await h.request(`${server.url}/?${attack}`);
    assert.deepEqual(
      h.takeEvents().map((e) => [e.sink.operation, e.threat, e.action]),
      [
        ['custom.sh', 'command_injection', 'reported'],
        ['custom.run', 'command_injection', 'reported'],
        ['custom.find', 'nosql_injection', 'reported'],
        ['custom.open', 'path_traversal', 'reported'],
        ['custom.fetch', 'ssrf', 'reported'],
        ['custom.redirect', 'open_redirect', 'reported'],
        ['custom.header', 'header_injection', 'reported'],
      ],
    );
    assert.equal(h.rampart.checkPath('custom.open', '../../etc/passwd'), null, 'outside a request: nothing to compare');
  } finally {
    await server.close();
  }
});
