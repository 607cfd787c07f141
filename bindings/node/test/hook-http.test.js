'use strict';
// Outgoing HTTP (http.get, http.request, fetch) and response headers, against real
// servers on 127.0.0.1 only. A loopback server stands in for a cloud metadata endpoint:
// an app that fetches a URL taken from the request is SSRF-able when the URL points
// inside. Normal use (a fixed URL carrying an input in its query) is unchanged.

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const https = require('node:https');
const dns = require('node:dns');
const { promisify } = require('node:util');
const h = require('./harness');

let metadata; // the internal service: 127.0.0.1 is loopback, hence internal
let server;
let thrown = null;

const body = (res) =>
  new Promise((resolve, reject) => {
    let out = '';
    res.on('data', (d) => (out += d));
    res.on('end', () => resolve(out));
    res.on('error', reject);
  });

/** Resolves every name to the metadata server's loopback address: DNS rebinding. */
function rebindingLookup(hostname, options, callback) {
  if (options.all) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
  return callback(null, '127.0.0.1', 4);
}

/** name -> fetch(url) resolving the body. */
const CLIENTS = {
  'http.get': (url) =>
    new Promise((resolve, reject) => http.get(url, (res) => body(res).then(resolve, reject)).on('error', reject)),
  'http.request': (url) =>
    new Promise((resolve, reject) => {
      const req = http.request(new URL(url), { method: 'GET' }, (res) => body(res).then(resolve, reject));
      req.on('error', reject);
      req.end();
    }),
  fetch: async (url) => (await fetch(url)).text(),
};

test.before(async () => {
  metadata = await h.serve((req, res, url) => res.end(url.pathname.startsWith('/latest/meta-data') ? 'ROLE-CREDENTIALS' : `echo ${url.search}`));
  server = await h.serve(async (req, res, url) => {
    try {
      const target = url.searchParams.get('url') || `${metadata.url}/echo?q=${encodeURIComponent(url.searchParams.get('q') || '')}`;
      let out;
      if (url.pathname === '/rebind') {
        out = await new Promise((resolve, reject) =>
          http.get(target, { lookup: rebindingLookup }, (r) => body(r).then(resolve, reject)).on('error', reject),
        );
      } else if (url.pathname === '/https') {
        out = await new Promise((resolve, reject) => https.get(target, (r) => body(r).then(resolve, reject)).on('error', reject));
      } else if (url.pathname === '/lookup') {
        out = (await promisify(dns.lookup)(url.searchParams.get('host'))).address;
      } else if (url.pathname === '/header') {
        res.setHeader('x-greeting', url.searchParams.get('q'));
        out = 'set';
      } else {
        out = await CLIENTS[url.pathname.slice(1)](target);
      }
      h.answer(res, null, [out]);
    } catch (error) {
      thrown = error;
      h.answer(res, error);
    }
  });
});
test.after(async () => {
  await server.close();
  await metadata.close();
});

for (const client of Object.keys(CLIENTS)) {
  test(`${client}: a URL from the request pointing inside is blocked, reported, normal unchanged`, async () => {
    const attack = `${server.url}/${client}?url=${encodeURIComponent(`${metadata.url}/latest/meta-data/`)}`;
    h.setMode('block');
    h.takeEvents();
    const normal = await h.request(`${server.url}/${client}?q=hello`);
    assert.equal(normal.status, 200, normal.body);
    assert.equal(JSON.parse(normal.body).rows[0], 'echo ?q=hello');
    assert.deepEqual(h.takeEvents(), []);

    thrown = null;
    const blocked = await h.request(attack);
    assert.ok(h.isBlockPage(blocked), blocked.body);
    assert.ok(thrown instanceof h.rampart.RampartBlockedError, String(thrown));
    const [event] = h.takeEvents();
    assert.equal(event.threat, 'ssrf');
    assert.equal(event.sink.operation, client);

    h.setMode('report');
    const reported = await h.request(attack);
    assert.equal(JSON.parse(reported.body).rows[0], 'ROLE-CREDENTIALS');
    assert.equal(h.takeEvents()[0].action, 'reported');
  });
}

test('https.get of an internal URL is refused before any connection', async () => {
  h.setMode('block');
  h.takeEvents();
  thrown = null;
  const blocked = await h.request(`${server.url}/https?url=${encodeURIComponent(`https://127.0.0.1:${new URL(metadata.url).port}/latest/meta-data/`)}`);
  assert.ok(h.isBlockPage(blocked), blocked.body);
  assert.equal(h.takeEvents()[0].sink.operation, 'https.get');
});

test('DNS rebinding: a public-looking name that resolves inside is caught at connect time', async () => {
  const port = new URL(metadata.url).port;
  const attack = `${server.url}/rebind?url=${encodeURIComponent(`http://rebind.example.com:${port}/latest/meta-data/`)}`;
  h.setMode('block');
  h.takeEvents();
  thrown = null;
  const blocked = await h.request(attack);
  assert.ok(h.isBlockPage(blocked), blocked.body);
  assert.ok(thrown instanceof h.rampart.RampartBlockedError, String(thrown));
  const [event] = h.takeEvents();
  assert.equal(event.threat, 'ssrf');
  assert.equal(event.reason, 'ssrf_resolved_internal', 'the URL passed; the address did not');

  h.setMode('report');
  const reported = await h.request(attack);
  assert.equal(JSON.parse(reported.body).rows[0], 'ROLE-CREDENTIALS');
  assert.equal(h.takeEvents()[0].action, 'reported');
});

test('res.setHeader with a line break from the request: blocked, reported, normal unchanged', async () => {
  h.setMode('block');
  h.takeEvents();
  const normal = await h.request(`${server.url}/header?q=hello`);
  assert.equal(normal.headers['x-greeting'], 'hello');
  assert.deepEqual(h.takeEvents(), []);

  thrown = null;
  const blocked = await h.request(`${server.url}/header?q=${encodeURIComponent('x\r\nSet-Cookie: session=evil')}`);
  assert.ok(h.isBlockPage(blocked), blocked.body);
  assert.ok(thrown instanceof h.rampart.RampartBlockedError, String(thrown));
  assert.equal(h.takeEvents()[0].threat, 'header_injection');

  h.setMode('report');
  await h.request(`${server.url}/header?q=${encodeURIComponent('x\r\nSet-Cookie: session=evil')}`);
  assert.equal(h.takeEvents()[0].action, 'reported'); // then Node itself refuses the value
});

test('dns.lookup, which every socket (http, https, fetch) resolves through: a name from the request resolving inside', async () => {
  // `localhost` comes from /etc/hosts: the resolver asks no server.
  h.setMode('block');
  h.takeEvents();
  thrown = null;
  const blocked = await h.request(`${server.url}/lookup?host=localhost`);
  assert.ok(h.isBlockPage(blocked), blocked.body);
  assert.ok(thrown instanceof h.rampart.RampartBlockedError, String(thrown));
  const [event] = h.takeEvents();
  assert.deepEqual([event.reason, event.sink.operation], ['ssrf_resolved_internal', 'dns.lookup']);

  h.setMode('report');
  const reported = await h.request(`${server.url}/lookup?host=localhost`);
  assert.equal(JSON.parse(reported.body).rows[0], '127.0.0.1');
  assert.equal(h.takeEvents()[0].action, 'reported');

  // A name the app chose (no input in it) resolves as usual, also for fetch's sockets.
  h.setMode('block');
  const port = new URL(metadata.url).port;
  const plain = await h.request(`${server.url}/fetch?q=hello`);
  assert.equal(JSON.parse(plain.body).rows[0], 'echo ?q=hello');
  assert.equal((await fetch(`http://localhost:${port}/x`)).status, 200, 'outside a request: no check');
  assert.deepEqual(h.takeEvents(), []);
});
