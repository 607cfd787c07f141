'use strict';
// The low-level API: Engine, Request, Verdict, events, block pages, error classes.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const rampart = require('..');
const native = require('../lib/native');
const { tempDir, runNode, PACKAGE_DIR } = require('./helpers');

const { Engine, Request, Verdict } = rampart;
const QUERY = "SELECT * FROM users WHERE email = '' OR 1=1-- ' AND pw = 'x'";

function loginRequest(email) {
  return new Request().setMethod('POST').setPath('/login').addInput('body', 'email', email);
}

test('checkSql: block, report, off and allow', () => {
  const request = loginRequest("' OR 1=1-- ");
  const verdict = new Engine({ mode: 'block' }).checkSql(request, 'sqlite', QUERY);
  assert.ok(verdict instanceof Verdict);
  assert.equal(verdict.action, 'block');
  assert.equal(verdict.threat, 'sql_injection');
  assert.equal(verdict.reason, 'sql_literal_escape');
  assert.equal(verdict.inputIndex, 0);
  assert.deepEqual({ ...verdict.span }, { start: 35, end: 46 });
  assert.ok(verdict.isAttack && verdict.isBlock);
  assert.ok(Object.isFrozen(verdict));

  assert.equal(new Engine({ mode: 'report' }).checkSql(request, 'mysql', QUERY).action, 'report');
  assert.equal(new Engine().checkSql(request, 'mysql', QUERY).action, 'report', 'the default policy reports');
  assert.equal(new Engine({ mode: 'off' }).checkSql(request, 'mysql', QUERY), Verdict.ALLOW);
  assert.equal(new Engine({ mode: 'block' }).checkSql(request, 'mysql', 'SELECT * FROM users WHERE email = ?'), Verdict.ALLOW);
  assert.equal(Verdict.ALLOW.isAttack, false);
});

test('policies as JSON text, objects and from the environment', async () => {
  const json = JSON.stringify({ mode: 'block', exclusions: [{ route: '/login', protections: ['sql_injection'] }] });
  const engine = new Engine(json);
  assert.equal(engine.mode, 'block');
  assert.equal(engine.failClosed, false);
  const request = loginRequest("' OR 1=1-- ").setRoute('/login');
  assert.equal(engine.checkSql(request, 'sqlite', QUERY), Verdict.ALLOW, 'excluded route');

  const dir = tempDir('policy');
  const file = path.join(dir, 'policy.json');
  fs.writeFileSync(file, JSON.stringify({ mode: 'report', fail_closed: true }));
  const script = `const { Engine } = require(${JSON.stringify(PACKAGE_DIR)}); const e = Engine.fromEnv(); console.log(e.mode, e.failClosed);`;
  const run = await runNode(['-e', script], { env: { ...process.env, RAMPART_POLICY: file, RAMPART_MODE: 'block' } });
  assert.equal(run.stdout.trim(), 'block true', run.stderr);
});

test('bytes: Buffer and Uint8Array inputs and resources, invalid UTF-8', () => {
  const engine = new Engine({ mode: 'block' });
  const request = new Request().addInput('query', 'q', Buffer.from([0x27, 0x20, 0x4f, 0x52, 0x20, 0x31, 0x3d, 0x31, 0xff]));
  const query = Buffer.concat([Buffer.from("SELECT 1 WHERE a = '"), Buffer.from([0x27, 0x20, 0x4f, 0x52, 0x20, 0x31, 0x3d, 0x31, 0xff]), Buffer.from("'")]);
  assert.ok(engine.checkSql(request, 'sqlite', query).isAttack);
  assert.ok(engine.checkSql(request, 'sqlite', new Uint8Array(query)).isAttack);
  assert.equal(request.input(0).source, 'query');
  assert.equal(request.length, 1);
  assert.equal(request.input(5), null);
});

test('event JSON has the documented fields', () => {
  const engine = new Engine({ mode: 'block' });
  const request = loginRequest("' OR 1=1-- ");
  const verdict = engine.checkSql(request, 'sqlite', QUERY);
  const line = engine.eventJson(request, verdict, 'sql', QUERY, {
    operation: 'sqlite3.Database.all',
    eventId: 'e1',
    clientIp: '127.0.0.1',
    stack: ['app.js:1:1'],
  });
  const event = JSON.parse(line);
  assert.equal(event.event_id, 'e1');
  assert.equal(event.action, 'blocked');
  assert.equal(event.sink.operation, 'sqlite3.Database.all');
  assert.deepEqual(event.sink.resource_span, [35, 46]);
  assert.equal(event.input.key, 'email');
  assert.equal(event.request.method, 'POST');
  assert.equal(event.request.client_ip, '127.0.0.1');
  assert.deepEqual(event.stack, ['app.js:1:1']);
  assert.equal(event.engine.version, rampart.version);
  assert.equal(engine.eventJson(request, Verdict.ALLOW, 'sql', QUERY, {}), null);
});

test('block response: the policy page, UTF-8, event id filled in', () => {
  const engine = new Engine({
    mode: 'block',
    block_response: { status: 406, content_type: 'text/plain; charset=utf-8', body: 'ブロックされました id={{event_id}}' },
  });
  assert.deepEqual({ ...engine.blockResponse('abc') }, {
    status: 406,
    contentType: 'text/plain; charset=utf-8',
    body: 'ブロックされました id=abc',
  });
});

test('core errors map to Error subclasses with stable codes', () => {
  const cases = [
    [() => new Engine({ mode: 'blok' }), rampart.InvalidPolicyError, 'invalid_policy', 1, /^mode: unknown variant/],
    [() => new Engine('{'), rampart.InvalidPolicyError, 'invalid_policy', 1, /EOF/],
    [() => new Engine({ protections: { sqli: {} } }), rampart.InvalidPolicyError, 'invalid_policy', 1, /sqli/],
    [() => new Engine().checkSql(new Request(), 'db2', 'x'), rampart.InvalidArgumentError, 'invalid_argument', 3, /db2/],
    [() => new Request().addInput('body2', 'k', 'v'), rampart.InvalidArgumentError, 'invalid_argument', 3, /body2/],
  ];
  for (const [fn, Class, code, errno, message] of cases) {
    assert.throws(fn, (error) => {
      assert.ok(error instanceof Class, `${error.name}: ${error.message}`);
      assert.ok(error instanceof rampart.RampartError);
      assert.equal(error.code, code);
      assert.equal(error.errno, errno);
      assert.match(error.message, message);
      return true;
    });
  }
});

test('policy file errors are PolicyIoError', async () => {
  const script = `const r = require(${JSON.stringify(PACKAGE_DIR)}); try { r.Engine.fromEnv() } catch (e) { console.log(e.name, e.code, e.errno) }`;
  const run = await runNode(['-e', script], { env: { ...process.env, RAMPART_POLICY: '/nonexistent/policy.json' } });
  assert.equal(run.stdout.trim(), 'PolicyIoError policy_io 2', run.stderr);
  // The agent itself does not take the process down for it: an error event, no protection.
  assert.match(run.stderr, /"action":"failed_open"/);
});

test('a Rust panic becomes an exception, not a crash', () => {
  assert.throws(() => native.panicForTest('deliberate'), /deliberate/);
  // And the addon keeps working afterwards.
  assert.ok(new Engine({ mode: 'block' }).checkSql(loginRequest("' OR 1=1-- "), 'sqlite', QUERY).isBlock);
});

test('every native export is wrapped in catch_unwind', () => {
  const source = fs.readFileSync(path.join(PACKAGE_DIR, 'src', 'lib.rs'), 'utf8');
  const exports = [...source.matchAll(/#\[napi(\([^)]*\))?\]\s*(pub fn|pub struct|#\[derive)/g)];
  for (const match of exports) {
    const attribute = match[1] || '';
    if (match[2] === 'pub fn') assert.match(attribute, /catch_unwind/, `an export without catch_unwind: ${match[0]}`);
  }
  assert.ok(exports.filter((m) => m[2] === 'pub fn').length >= 15);
});
