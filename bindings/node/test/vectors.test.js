'use strict';
// Every case of testdata/vectors through the public JavaScript API. Kinds this package
// cannot check yet are counted as unsupported; every case of a supported kind must run
// and match its `expect` (or be listed with a reason in skip.jsonl).

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
};

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
    for (const input of c.inputs || []) request.addInput(input.source, input.key || '', input.value);
    const verdict = check(engine, request, c);
    checked++;
    perKind[c.kind].checked++;
    const ok = (c.expect === 'attack') === verdict.isAttack;
    if (ok && skips.has(c.id)) passingSkips.push(c.id);
    if (!ok && !skips.has(c.id)) failures.push(`${c.id}: expected ${c.expect}, got ${verdict.reason || 'safe'} -- ${c.note || ''}`);
    if (verdict.isAttack) {
      assert.equal(verdict.action, 'block', c.id);
      assert.equal(verdict.threat, 'sql_injection', c.id);
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
  assert.ok(checked >= 1170, `the SQL vectors at least (${checked})`);
  assert.deepEqual(failures, []);
  assert.deepEqual(passingSkips, [], 'cases in skip.jsonl that pass now');
});
