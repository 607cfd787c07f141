#!/usr/bin/env node
'use strict';
// A long-running Node.js host: Engine/Request objects created and dropped, millions of
// checks through the public API and through the agent's per-request path (pooled native
// requests, packed inputs), events formatted. Resident memory must stop growing after a
// warm-up: the native objects are freed when JavaScript collects their wrappers.
//
// Usage: node --expose-gc benches/node_memory.js [--checks N] [--limit-mb M]
// Exits 1 when, between the end of the warm-up and the end, either grew by more than the
// limit: the memory outside V8's heap (RSS minus the heap V8 reserved: the addon, the
// core's buffers, malloc), or the live JavaScript heap after a full GC. RSS itself also
// moves in steps when V8 decides to reserve a larger heap, which is not a leak.

const path = require('node:path');

const REPO = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const CHECKS = option('checks', 2_000_000);
// A per-request leak of the smallest native object (a request, ~100 bytes) would add
// tens of MB over the default run; allocator noise stays within a few MB.
const LIMIT_MB = option('limit-mb', 8);

process.env.RAMPART_EVENTS = '/dev/null';
const { Engine, Request } = require(path.join(REPO, 'bindings', 'node'));
const { RequestContext } = require(path.join(REPO, 'bindings', 'node', 'lib', 'context.js'));

if (typeof global.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const QUERY = "SELECT * FROM users WHERE email = 'x' OR '1'='1' AND active = 1";
const SAFE = "SELECT * FROM products WHERE name = 'desk lamp' AND color = 'dark-grey'";

function fakeRequest(i) {
  return {
    method: 'POST',
    url: `/search?q=desk+lamp&page=${i % 50}`,
    query: { q: 'desk lamp', page: String(i % 50) },
    body: { email: "x' OR '1'='1", filters: { color: 'dark-grey', tags: ['a', 'b', `t${i % 7}`] } },
    params: {},
    headers: { host: '127.0.0.1:3000', 'user-agent': 'soak/1.0', cookie: `session=s${i % 100}` },
  };
}

/** One HTTP request's work; returns the number of checks made. */
function serve(engine, i) {
  // The public API: a fresh Request each time (the native request is freed by the GC).
  const request = new Request();
  request.addInput('body', 'email', "x' OR '1'='1").addInput('query', 'page', '2');
  const verdict = engine.checkSql(request, 'mysql', QUERY);
  if (!verdict.isAttack) throw new Error('missed the attack');
  if (i % 100 === 0) engine.eventJson(request, verdict, 'sql', QUERY, { operation: 'soak' });
  engine.checkPath(request, '/srv/files/report.pdf');
  // The agent's path: a request context, inputs read into a pooled native request.
  const context = new RequestContext(fakeRequest(i), null);
  const loaded = context.inputs();
  if (engine.checkSql(loaded, 'sqlite', SAFE).isAttack) throw new Error('false positive');
  engine.checkShell(loaded, 'ls -l /tmp');
  return 4;
}

/** Node runs the finalizers of native objects from the event loop, as a server does. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function memory() {
  for (let k = 0; k < 3; k++) {
    global.gc();
    await turn();
  }
  const usage = process.memoryUsage();
  const mb = (n) => n / (1 << 20);
  return { rss: mb(usage.rss), native: mb(usage.rss - usage.heapTotal), heap: mb(usage.heapUsed) };
}

async function main() {
  let engine = new Engine({ mode: 'block' });
  let checks = 0;
  let i = 0;
  // V8 grows its heaps for a while before they settle: the first third is warm-up.
  const warmup = CHECKS / 3;
  while (checks < warmup) {
    checks += serve(engine, i++);
    if (i % 1000 === 0) await turn();
  }
  const before = await memory();
  const samples = [];
  while (checks < CHECKS) {
    checks += serve(engine, i++);
    if (i % 1000 === 0) await turn();
    if (i % 50_000 === 0) {
      engine = new Engine({ mode: i % 100_000 === 0 ? 'report' : 'block' }); // a new policy now and then
      samples.push((await memory()).native.toFixed(1));
    }
  }
  const after = await memory();
  const delta = (what) => after[what] - before[what];
  const show = (what) => `${before[what].toFixed(1)} -> ${after[what].toFixed(1)} MB`;
  console.log(`node memory: ${checks} checks, ${i} requests`);
  console.log(`  outside the JS heap ${show('native')}; samples ${samples.join(' ')}`);
  console.log(`  live JS heap        ${show('heap')}`);
  console.log(`  RSS                 ${show('rss')}`);
  if (delta('native') > LIMIT_MB || delta('heap') > LIMIT_MB) {
    console.error(`node memory: grew by more than ${LIMIT_MB} MB after the warm-up`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
