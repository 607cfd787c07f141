'use strict';
// Payload inspection (the policy's `malicious_payload` protection) against a real Express
// app on 127.0.0.1: each request is inspected as it arrives, before the app sees it, and
// its parsed JSON body at the first sink. Report: one event, the app answers as usual.
// Block: the block page, the handler never runs (or, for a body, the sink refuses).
// Off: nothing.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const h = require('./harness');
const { tempDir } = require('./helpers');
const express = require('express');

const FILES = tempDir('payload');
require('node:fs').writeFileSync(path.join(FILES, 'hello.txt'), 'hello');

let server;
let url;
/** Handler runs per route, to prove a blocked request never reached the app. */
const ran = { hello: 0, save: 0, read: 0 };
let caught = null;

test.before(async () => {
  const app = express();
  app.use(express.json());
  app.get('/hello', (req, res) => {
    ran.hello++;
    res.send(`hello ${req.query.q || 'world'}`);
  });
  // A sink (a file read) after the body was parsed: the body is inspected there.
  app.post('/save', (req, res) => {
    ran.save++;
    const text = require('node:fs').readFileSync(path.join(FILES, 'hello.txt'), 'utf8');
    res.json({ saved: req.body.comment, text });
  });
  // A sink that reads a file named by the query, after the body was parsed.
  app.post('/read', (req, res) => {
    ran.read++;
    let text;
    try {
      text = require('node:fs').readFileSync(`${FILES}/${req.query.name}`, 'utf8');
    } catch {
      text = null;
    }
    res.json({ text });
  });
  app.use((error, req, res, next) => {
    caught = error;
    if (res.headersSent) return next(error);
    res.status(500).end(error.name);
  });
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${server.address().port}`;
});
test.after(() => {
  h.setMode('report');
  return new Promise((done) => server.close(done));
});

const XSS = `/hello?q=${encodeURIComponent('<script>alert(1)</script>')}`;
const SQLMAP = { headers: { 'user-agent': 'sqlmap/1.7.2#stable (https://sqlmap.org)' } };
const postJson = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const SQLI_BODY = postJson({ comment: "1' UNION SELECT username, password FROM users-- " });

function payloadPolicy(action) {
  // The sink protections stay as in the default policy; only malicious_payload changes.
  return [action, { protections: { malicious_payload: { action } } }];
}

test('report (the default policy): a payload that reaches no sink is one event, the app answers as usual', async () => {
  h.rampart.configure({});
  h.takeEvents();

  const before = ran.hello;
  const xss = await h.request(`${url}${XSS}`);
  assert.equal(xss.status, 200);
  assert.equal(xss.body, 'hello <script>alert(1)</script>');
  let events = h.takeEvents();
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.equal(events[0].threat, 'malicious_payload');
  assert.equal(events[0].action, 'reported');
  assert.equal(events[0].reason, 'payload_xss');
  assert.equal(events[0].sink.kind, 'request');
  assert.equal(events[0].sink.operation, 'request');
  assert.equal(events[0].sink.resource, '<script>alert(1)</script>');
  assert.deepEqual(events[0].input, { source: 'query', key: 'q', value: '<script>alert(1)</script>', value_truncated: false });
  assert.deepEqual(events[0].stack, [], 'no application code ran yet');
  assert.equal(events[0].request.path, '/hello');
  assert.equal(events[0].request.client_ip, '127.0.0.1');

  const scanner = await h.request(`${url}/hello`, SQLMAP);
  assert.equal(scanner.status, 200);
  assert.equal(scanner.body, 'hello world');
  events = h.takeEvents();
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.equal(events[0].threat, 'malicious_payload');
  assert.equal(events[0].reason, 'rule_match');
  assert.ok(events[0].rule_id > 0, 'a rule of the default ruleset');
  assert.equal(events[0].input.source, 'header');
  assert.equal(events[0].input.key, 'user-agent');
  assert.equal(ran.hello, before + 2, 'the app ran for both');
});

test('block: the block page with the event id, and the handler never runs', async () => {
  h.setMode(...payloadPolicy('block'));
  h.takeEvents();

  for (const [target, options] of [
    [XSS, {}],
    ['/hello', SQLMAP],
  ]) {
    const before = ran.hello;
    const blocked = await h.request(`${url}${target}`, options);
    assert.ok(h.isBlockPage(blocked), `${target}: ${blocked.status} ${blocked.body}`);
    assert.match(blocked.headers['content-type'], /charset=utf-8/);
    assert.equal(Number(blocked.headers['content-length']), Buffer.byteLength(blocked.body, 'utf8'));
    assert.equal(ran.hello, before, `${target}: the handler ran`);
    const events = h.takeEvents();
    assert.equal(events.length, 1, JSON.stringify(events));
    assert.equal(events[0].threat, 'malicious_payload');
    assert.equal(events[0].action, 'blocked');
    assert.equal(events[0].sink.kind, 'request');
    assert.ok(blocked.body.includes(events[0].event_id), 'the page quotes the event id');
  }

  // A keep-alive connection that had a blocked request serves the next one normally.
  const normal = await h.request(`${url}/hello?q=lamp`);
  assert.equal(normal.status, 200);
  assert.equal(normal.body, 'hello lamp');
  assert.deepEqual(h.takeEvents(), []);
});

test('a JSON body payload is inspected at the first sink: reported, or blocked there', async () => {
  h.setMode(...payloadPolicy('report'));
  h.takeEvents();
  let before = ran.save;
  const reported = await h.request(`${url}/save`, SQLI_BODY);
  assert.equal(reported.status, 200, reported.body);
  assert.equal(JSON.parse(reported.body).text, 'hello');
  let events = h.takeEvents();
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.equal(events[0].threat, 'malicious_payload');
  assert.equal(events[0].action, 'reported');
  assert.equal(events[0].reason, 'payload_sql_injection');
  assert.equal(events[0].sink.kind, 'request');
  assert.deepEqual([events[0].input.source, events[0].input.key], ['body', 'comment']);
  assert.ok(events[0].stack.some((frame) => frame.includes('payload.test.js')), 'the stack of the sink that read it');
  assert.equal(ran.save, before + 1);

  h.setMode(...payloadPolicy('block'));
  h.takeEvents();
  before = ran.save;
  caught = null;
  const blocked = await h.request(`${url}/save`, SQLI_BODY);
  assert.ok(h.isBlockPage(blocked), `${blocked.status} ${blocked.body}`);
  assert.ok(caught instanceof h.rampart.RampartBlockedError, String(caught));
  assert.equal(caught.threat, 'malicious_payload');
  events = h.takeEvents();
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.equal(events[0].action, 'blocked');
  assert.ok(blocked.body.includes(events[0].event_id));
  assert.equal(ran.save, before + 1, 'the handler started; its sink was refused');
});

test('at the first sink, the inputs read as the request arrived are still there next to the body', async () => {
  // The query and headers were collected as the request arrived; the sink adds only the
  // parsed body to them, and its own check reads all of them.
  h.setMode(...payloadPolicy('report'));
  h.takeEvents();
  const name = '../../../../etc/hostname';
  const answer = await h.request(
    `${url}/read?name=${encodeURIComponent(name)}`,
    postJson({ comment: "1' UNION SELECT username, password FROM users-- " }),
  );
  assert.equal(answer.status, 200, answer.body);
  const events = h.takeEvents();
  const payload = events.filter((e) => e.sink.kind === 'request');
  const sink = events.filter((e) => e.sink.kind === 'path');
  assert.equal(payload.length, 1, JSON.stringify(events));
  assert.deepEqual([payload[0].input.source, payload[0].input.key], ['query', 'name'], 'the first finding, at arrival');
  assert.equal(sink.length, 1, JSON.stringify(events));
  assert.equal(sink[0].threat, 'path_traversal');
  assert.deepEqual([sink[0].input.source, sink[0].input.key], ['query', 'name']);
  assert.equal(ran.read, 1);
});

test('an allow rule on a header lets a body payload through at the sink too', async () => {
  const allowHealthChecks = {
    id: 7001,
    message: 'internal health checker',
    targets: ['header:x-health-check'],
    match: { literals: ['probe-7f3a'] },
    action: 'allow',
  };
  h.setMode('block', { protections: { malicious_payload: { action: 'block' } }, rules: [allowHealthChecks] });
  h.takeEvents();
  const allowed = await h.request(`${url}/save`, {
    ...SQLI_BODY,
    headers: { ...SQLI_BODY.headers, 'x-health-check': 'probe-7f3a' },
  });
  assert.equal(allowed.status, 200, allowed.body);
  assert.deepEqual(h.takeEvents(), []);
  const blocked = await h.request(`${url}/save`, SQLI_BODY);
  assert.ok(h.isBlockPage(blocked), `${blocked.status} ${blocked.body}`);
  assert.equal(h.takeEvents().length, 1);
});

test('normal requests are unchanged in both modes, with no event', async () => {
  for (const action of ['report', 'block']) {
    h.setMode(...payloadPolicy(action));
    h.takeEvents();
    const hello = await h.request(`${url}/hello?q=${encodeURIComponent("O'Brien & sons <3")}`, {
      headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0', cookie: 'session=abc123; theme=dark' },
    });
    assert.equal(hello.status, 200, action);
    assert.equal(hello.body, "hello O'Brien & sons <3");
    const saved = await h.request(`${url}/save`, postJson({ comment: 'Lovely lamp, would buy again!', stars: 5 }));
    assert.equal(saved.status, 200, `${action}: ${saved.body}`);
    assert.deepEqual(JSON.parse(saved.body), { saved: 'Lovely lamp, would buy again!', text: 'hello' });
    assert.deepEqual(h.takeEvents(), [], action);
  }
});

test('malicious_payload off: no event, even in block mode', async () => {
  for (const mode of ['report', 'block']) {
    h.setMode(mode, { protections: { malicious_payload: { action: 'off' } } });
    h.takeEvents();
    const before = ran.hello;
    assert.equal((await h.request(`${url}${XSS}`)).status, 200);
    assert.equal((await h.request(`${url}/hello`, SQLMAP)).status, 200);
    assert.equal((await h.request(`${url}/save`, SQLI_BODY)).status, 200);
    assert.equal(ran.hello, before + 2);
    assert.deepEqual(h.takeEvents(), [], mode);
  }
});

test('an internal failure at request start fails open with an error event (closed when the policy says so)', async () => {
  const http = require('node:http');
  // A request class whose header lines cannot be read by rampart's collector: a fault
  // inside rampart as the request arrives. Node's own code reads them as usual.
  class Fragile extends http.IncomingMessage {
    get rawHeaders() {
      if (/[\\/]lib[\\/]context\.js/.test(new Error().stack)) throw new Error('header lines unreadable');
      return this.savedRawHeaders;
    }
    set rawHeaders(value) {
      this.savedRawHeaders = value;
    }
  }
  let handled = 0;
  const plain = http.createServer({ IncomingMessage: Fragile }, (req, res) => {
    handled++;
    res.end('served');
  });
  await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const plainUrl = `http://127.0.0.1:${plain.address().port}`;
  try {
    h.setMode(...payloadPolicy('block'));
    h.takeEvents();
    const open = await h.request(`${plainUrl}/`);
    assert.equal(open.body, 'served', 'the request went on');
    assert.equal(handled, 1);
    const [event, ...more] = h.takeEvents();
    assert.deepEqual(more, []);
    assert.equal(event.action, 'failed_open');
    assert.equal(event.threat, null);
    assert.deepEqual(event.sink, { kind: 'request', operation: 'request' });
    assert.match(event.error.message, /header lines unreadable/);

    h.setMode('block', { fail_closed: true, protections: { malicious_payload: { action: 'block' } } });
    const closed = await h.request(`${plainUrl}/`);
    assert.ok(h.isBlockPage(closed), `${closed.status} ${closed.body}`);
    assert.equal(handled, 1, 'the handler did not run');
    const [closedEvent] = h.takeEvents();
    assert.equal(closedEvent.action, 'failed_closed');
    assert.ok(closed.body.includes(closedEvent.event_id), 'the page quotes the error event');
  } finally {
    await new Promise((done) => plain.close(done));
  }
});
