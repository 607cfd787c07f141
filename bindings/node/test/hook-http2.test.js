'use strict';
// http2.connect: a session to an origin taken from the request is an SSRF sink, against
// a real HTTP/2 (h2c) server on 127.0.0.1 standing in for an internal service.

const test = require('node:test');
const assert = require('node:assert/strict');
const http2 = require('node:http2');
const h = require('./harness');

let internal;
let internalUrl;
let server;
let thrown = null;

/** GET `path` over HTTP/2 from `origin`; resolves the body. */
function get(origin, path) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin);
    session.on('error', reject);
    const stream = session.request({ ':path': path });
    let out = '';
    stream.setEncoding('utf8');
    stream.on('data', (d) => (out += d));
    stream.on('end', () => {
      session.close();
      resolve(out);
    });
    stream.on('error', reject);
    stream.end();
  });
}

test.before(async () => {
  internal = http2.createServer((req, res) => res.end(req.url.startsWith('/latest/meta-data') ? 'ROLE-CREDENTIALS' : `echo ${req.url}`));
  await new Promise((resolve) => internal.listen(0, '127.0.0.1', resolve));
  internalUrl = `http://127.0.0.1:${internal.address().port}`;
  server = await h.serve(async (req, res, url) => {
    try {
      const origin = url.searchParams.get('origin') || internalUrl;
      h.answer(res, null, [await get(origin, url.searchParams.get('path') || '/echo')]);
    } catch (error) {
      thrown = error;
      h.answer(res, error);
    }
  });
});

test.after(async () => {
  await server.close();
  await new Promise((resolve) => internal.close(resolve));
});

test('http2.connect to an origin from the request pointing inside: blocked, reported; a fixed origin unchanged', async () => {
  h.setMode('block');
  h.takeEvents();
  const normal = await h.request(`${server.url}/?path=${encodeURIComponent('/echo?q=hello')}`);
  assert.equal(normal.status, 200, normal.body);
  assert.equal(JSON.parse(normal.body).rows[0], 'echo /echo?q=hello');
  assert.deepEqual(h.takeEvents(), []);

  const attack = `${server.url}/?origin=${encodeURIComponent(internalUrl)}&path=${encodeURIComponent('/latest/meta-data/')}`;
  thrown = null;
  const blocked = await h.request(attack);
  assert.ok(h.isBlockPage(blocked), blocked.body);
  assert.ok(thrown instanceof h.rampart.RampartBlockedError, String(thrown));
  const [event] = h.takeEvents();
  assert.deepEqual([event.threat, event.sink.operation], ['ssrf', 'http2.connect']);

  h.setMode('report');
  const reported = await h.request(attack);
  assert.equal(JSON.parse(reported.body).rows[0], 'ROLE-CREDENTIALS');
  assert.equal(h.takeEvents()[0].action, 'reported');
});
