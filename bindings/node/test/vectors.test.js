'use strict';
// Every case of testdata/vectors through the public JavaScript API: every kind runs
// (none unsupported), the total is pinned, and each case matches its `expect` (or is
// listed with a reason in skip.jsonl).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Engine, Request } = require('..');
const { REPO_DIR } = require('./helpers');

const VECTORS = path.join(REPO_DIR, 'testdata', 'vectors');

/** kind -> how to run a case of it through the API. */
const CHECKS = {
  sql: (engine, request, c) => engine.checkSql(request, c.dialect || 'generic', c.resource),
  shell: (engine, request, c) => engine.checkShell(request, c.resource),
  exec: (engine, request, c) => engine.checkExec(request, c.resource),
  nosql: (engine, request, c) => engine.checkNosql(request, c.resource),
  path: (engine, request, c) => engine.checkPath(request, c.resource),
  url: (engine, request, c) => {
    const verdict = engine.checkUrl(request, c.resource);
    if (verdict.isAttack || c.host === undefined || c.ip === undefined) return verdict;
    return engine.checkResolvedIp(request, c.host, c.ip);
  },
  redirect: (engine, request, c) => engine.checkRedirect(request, c.resource),
  header: (engine, request, c) => engine.checkHeader(request, c.name, c.resource),
  payload: (engine, request) => engine.inspect(request),
};

/** The policy's protection name of each kind. */
const THREATS = {
  sql: 'sql_injection',
  shell: 'command_injection',
  exec: 'command_injection',
  nosql: 'nosql_injection',
  path: 'path_traversal',
  url: 'ssrf',
  redirect: 'open_redirect',
  header: 'header_injection',
  payload: 'malicious_payload',
};

/** Total cases in testdata/vectors: a file that shrinks or fails to load shows here. */
const EXPECTED_TOTAL = 3226;

function loadCases() {
  const cases = [];
  const files = fs
    .readdirSync(VECTORS)
    .filter((f) => f.endsWith('.jsonl') && f !== 'skip.jsonl')
    .sort();
  for (const file of files) {
    const lines = fs.readFileSync(path.join(VECTORS, file), 'utf8').split('\n');
    lines.forEach((line, n) => {
      if (line.trim() === '') return;
      try {
        cases.push(JSON.parse(line));
      } catch (error) {
        throw new Error(`${file}:${n + 1}: ${error.message}`);
      }
    });
  }
  return cases;
}

function loadSkips() {
  const file = path.join(VECTORS, 'skip.jsonl');
  if (!fs.existsSync(file)) return new Map();
  const skips = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line);
    assert.ok(entry.reason, `skip entry ${entry.id} names a reason`);
    skips.set(entry.id, entry.reason);
  }
  return skips;
}

test('every conformance vector runs through the JavaScript API', () => {
  const cases = loadCases();
  const skips = loadSkips();
  const engine = new Engine({ mode: 'block' });
  const request = new Request();
  const perKind = {};
  const failures = [];
  const passingSkips = [];
  let checked = 0;
  let unsupported = 0;
  for (const c of cases) {
    perKind[c.kind] = perKind[c.kind] || { checked: 0, unsupported: 0 };
    const check = CHECKS[c.kind];
    if (!check) {
      unsupported++;
      perKind[c.kind].unsupported++;
      continue;
    }
    request.reset();
    if (c.kind === 'redirect' && c.host !== undefined) request.setHost(c.host);
    if (c.kind === 'payload') {
      // Payload inspection judges the request itself: its method, path and inputs.
      request.setPath(c.resource);
      request.setMethod(c.method || 'GET');
    }
    for (const input of c.inputs || []) request.addInput(input.source, input.key || '', input.value);
    const verdict = check(engine, request, c);
    checked++;
    perKind[c.kind].checked++;
    const ok = (c.expect === 'attack') === verdict.isAttack;
    if (ok && skips.has(c.id)) passingSkips.push(c.id);
    if (!ok && !skips.has(c.id)) failures.push(`${c.id}: expected ${c.expect}, got ${verdict.reason || 'safe'} -- ${c.note || ''}`);
    if (verdict.isAttack) {
      // malicious_payload reports by default; every sink protection blocks.
      assert.equal(verdict.action, c.kind === 'payload' ? 'report' : 'block', c.id);
      assert.equal(verdict.threat, THREATS[c.kind], c.id);
      assert.ok(verdict.reason, c.id);
    }
    if (verdict.isAttack && c.kind === 'sql') {
      // The span is where the input sits in the resource, in UTF-8 bytes.
      const resource = Buffer.from(c.resource, 'utf8');
      const input = c.inputs[verdict.inputIndex];
      assert.ok(input, `${c.id}: inputIndex points at an input`);
      assert.equal(resource.subarray(verdict.span.start, verdict.span.end).toString('utf8'), input.value, c.id);
    }
  }
  const expectedChecked = cases.filter((c) => CHECKS[c.kind]).length;
  for (const [kind, counts] of Object.entries(perKind)) {
    process.stderr.write(`vectors: ${kind}: ${counts.checked} checked, ${counts.unsupported} unsupported\n`);
  }
  process.stderr.write(`vectors: ${checked} checked, ${unsupported} unsupported, ${failures.length} failed\n`);
  assert.equal(checked + unsupported, cases.length);
  assert.equal(checked, expectedChecked, 'every case of a supported kind ran');
  assert.equal(unsupported, 0, 'every kind runs');
  assert.equal(cases.length, EXPECTED_TOTAL, 'the number of vectors');
  assert.deepEqual(failures, []);
  assert.deepEqual(passingSkips, [], 'cases in skip.jsonl that pass now');
});
