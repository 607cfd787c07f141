'use strict';
// The per-request fast path: the request crosses to the native side as one string and
// the core's collector makes the inputs, and native requests are pooled across HTTP
// requests. Both must be invisible: the same inputs as one addInput call each, whatever
// the text, and no request ever sees another's inputs.

const test = require('node:test');
const assert = require('node:assert/strict');
const { RequestContext } = require('../lib/context');
const { Request, Engine } = require('../lib/api');

const AWKWARD = [
  'plain',
  '',
  'ｓｅｌｅｃｔ 日本語',
  '😀 emoji, then text',
  'lone high \ud800 surrogate',
  'lone low \udc00',
  'ends on a high surrogate \ud83d',
  '\u0000nul inside\u0000',
  'é\u0301 combining',
];

function fakeReq(values, extra = {}) {
  return {
    method: 'POST',
    url: '/search?page=2',
    body: Object.fromEntries(values.map((v, i) => [`k${i}${v.slice(0, 3)}`, v])),
    params: {},
    headers: { host: 'shop.example:8080', 'user-agent': 'ua ✓' },
    ...extra,
  };
}

function inputsOf(request) {
  const all = [];
  for (let i = 0; i < request.length; i++) all.push(request.input(i));
  return all;
}

test('packed inputs read back exactly as inputs added one by one', () => {
  const context = new RequestContext(fakeReq(AWKWARD), null);
  const packed = inputsOf(context.inputs());
  const reference = new Request();
  reference.addInput('query', 'page', '2');
  for (const [i, v] of AWKWARD.entries()) {
    const key = `k${i}${v.slice(0, 3)}`;
    if (!/^\w*$/.test(key)) reference.addInput('body', key, key); // keys that are not plain words are inputs too
    reference.addInput('body', key, v);
  }
  reference.addInput('header', 'host', 'shop.example:8080');
  reference.addInput('header', 'user-agent', 'ua ✓');
  // The collector walks a JSON object's keys in its own order: compare as sets.
  const sorted = (inputs) => inputs.map((input) => JSON.stringify(input)).sort();
  assert.deepEqual(sorted(packed), sorted(inputsOf(reference)));
  assert.equal(packed.length, inputsOf(reference).length);
});

test('a packed request is checked like any other (attack in a multi-byte neighbourhood)', () => {
  const engine = new Engine({ mode: 'block' });
  const payload = "日本' OR '1'='1";
  const context = new RequestContext(fakeReq(['😀', payload]), null);
  const verdict = engine.checkSql(context.inputs(), 'sqlite', `SELECT * FROM t WHERE a = '${payload}'`);
  assert.ok(verdict.isBlock);
  assert.equal(context.inputs().input(verdict.inputIndex).value, payload);
});

test('a body received as bytes arrives as bytes', () => {
  const context = new RequestContext(fakeReq([], { body: Buffer.from([0xff, 0x00, 0x41]) }), null);
  const inputs = inputsOf(context.inputs());
  assert.ok(inputs.some((input) => input.source === 'body' && input.key === '' && input.value === '\ufffd\u0000A'));
});

test('pooled native requests: more live requests than the pool, none sees another', () => {
  const contexts = [];
  for (let i = 0; i < 150; i++) contexts.push(new RequestContext(fakeReq([`value-${i}`]), null));
  // Interleave: every context asks for its inputs again after all the others did.
  for (let round = 0; round < 2; round++) {
    for (const [i, context] of contexts.entries()) {
      const values = inputsOf(context.inputs()).map((input) => input.value);
      assert.ok(values.includes(`value-${i}`), `context ${i} sees its own value`);
      assert.ok(!values.some((v) => v.startsWith('value-') && v !== `value-${i}`), `context ${i} sees no other`);
    }
  }
});
