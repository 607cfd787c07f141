#!/usr/bin/env node
'use strict';
// What rampart adds to a Node.js app, measured on this machine (loopback only):
//
//   1. per hooked call: the agent's check alone, then better-sqlite3 and sqlite3 query
//      calls through the hooked method vs. the library's original method, inside one
//      request context (10 inputs, a ~200-byte query: the shape of a real request);
//   2. per request: the example shop (Express + sqlite3), unprotected vs. protected
//      (block mode), driven by autocannon in the same run, alternating A/B then B/A
//      for --rounds rounds; the overhead is the median of the rounds' own ratios, so a
//      burst of load from other processes spoils one round, not the result.
//
// `--instructions` counts instead of timing (what a shared machine can resolve): the app
// runs under `valgrind --tool=callgrind`, unprotected, with only a per-request
// AsyncLocalStorage (node_context_only.js), protected (`-r bindings/node/register.js`),
// protected with payload inspection at request start off (`inspection off`) and, with
// --before DIR, both again with another checkout's agent; a client in this process (not
// under valgrind) sends it W warm-up requests uninstrumented (fast), then N counted ones;
// the instructions per request are I(N) / N for each variant. Two apps: the example shop
// (a concatenating search and a concatenating login alternating, so every request reaches
// a hooked sqlite3 call) and a hello-world Express app (node_hello_app.js: no sink), both
// with a browser's headers.
//
// Usage: node benches/node_overhead.js [--seconds N] [--connections N] [--rounds N] [--quick]
//        node benches/node_overhead.js --instructions [--warmup W] [--requests N] [--repeat K] [--keep DIR]
//                                      [--apps shop,hello] [--before OTHER/bindings/node]
//                                      [--variants 'context only,protected']
// Needs `scripts/setup` (the addon, bindings/node/test and examples/node-express deps);
// --instructions needs valgrind (callgrind, vgdb and callgrind_annotate).

const path = require('node:path');
const { createRequire } = require('node:module');
const { spawn } = require('node:child_process');

const REPO = path.resolve(__dirname, '..');
const fromTests = createRequire(path.join(REPO, 'bindings', 'node', 'test', 'package.json'));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const quick = args.includes('--quick');
const SECONDS = option('seconds', quick ? 2 : 5);
const CONNECTIONS = option('connections', 10);
const ROUNDS = option('rounds', quick ? 2 : 5);

process.env.RAMPART_EVENTS = '/dev/null';
process.env.RAMPART_MODE = 'block';
// The timing modes hook this process; --instructions only drives a shop in another one.
const COUNTING = args.includes('--instructions');
const rampart = COUNTING ? null : fromTests('rampart');
const { storage, RequestContext } = COUNTING ? {} : require(path.join(REPO, 'bindings', 'node', 'lib', 'context.js'));
const { originalOf } = COUNTING ? {} : require(path.join(REPO, 'bindings', 'node', 'lib', 'hooks', 'wrap.js'));
const agent = COUNTING ? null : require(path.join(REPO, 'bindings', 'node', 'lib', 'agent.js'));

/** A request as Express leaves it: 10 inputs across query, body and headers. */
function fakeRequest() {
  return {
    method: 'POST',
    url: '/products/search?q=desk+lamp&page=2&sort=price',
    originalUrl: '/products/search?q=desk+lamp&page=2&sort=price',
    query: { q: 'desk lamp', page: '2', sort: 'price' },
    body: { filters: { color: 'dark-grey', max_price: '50.00' } },
    params: {},
    headers: {
      host: '127.0.0.1:3000',
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
      accept: 'application/json',
    },
    rawHeaders: [
      'Host',
      '127.0.0.1:3000',
      'User-Agent',
      'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
      'Accept',
      'application/json',
    ],
    socket: { remoteAddress: '127.0.0.1' },
  };
}

const QUERY =
  "SELECT id, name, description, price_cents FROM products WHERE name LIKE '%desk lamp%' " +
  "AND color = 'dark-grey' AND price_cents <= 5000 ORDER BY price_cents ASC LIMIT 20 OFFSET 20";

function nsPerOp(fn, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / iterations;
}

/**
 * Times `a` and `b` in alternating chunks of `n` calls; medians of each side's ns per call
 * and of the per-chunk differences (a slow spell of the machine hits both sides).
 */
function paired(a, b, n, chunks) {
  const as = [];
  const bs = [];
  const diffs = [];
  for (let i = 0; i < chunks; i++) {
    const x = nsPerOp(a, n);
    const y = nsPerOp(b, n);
    as.push(x);
    bs.push(y);
    diffs.push(y - x);
  }
  return [median(as), median(bs), median(diffs)];
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function perCall() {
  const BetterSqlite = fromTests('better-sqlite3');
  const sqlite3 = fromTests('sqlite3');
  const better = new BetterSqlite(':memory:');
  better.exec(
    'CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, description TEXT, price_cents INTEGER, color TEXT);' +
      "INSERT INTO products (name, description, price_cents, color) VALUES ('desk lamp', 'warm', 2900, 'dark-grey');",
  );
  const db = await new Promise((resolve, reject) => {
    const d = new sqlite3.Database(':memory:', (e) => (e ? reject(e) : resolve(d)));
  });
  await new Promise((resolve, reject) =>
    db.exec(
      'CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, description TEXT, price_cents INTEGER, color TEXT)',
      (e) => (e ? reject(e) : resolve()),
    ),
  );
  const hookedPrepare = BetterSqlite.prototype.prepare;
  const originalPrepare = originalOf(hookedPrepare);
  const hookedAll = sqlite3.Database.prototype.all;
  const originalAll = originalOf(hookedAll);
  if (!originalPrepare || !originalAll) throw new Error('the hooks are not installed');

  const context = new RequestContext(fakeRequest(), null);
  return storage.run(context, async () => {
    context.inputs(); // the first sink call of a request reads the inputs once
    const rounds = quick ? 3 : 7;
    const results = { check: [], fill: [], better: [], sqlite3: [] };
    for (let round = 0; round < rounds; round++) {
      results.check.push(nsPerOp(() => agent.sql('bench', 'sqlite', QUERY), 200_000));
      results.fill.push(
        nsPerOp(() => {
          const c = new RequestContext(fakeRequest(), null);
          c.inputs();
        }, 20_000),
      );
      results.better.push(
        paired(
          () => originalPrepare.call(better, QUERY).all(),
          () => hookedPrepare.call(better, QUERY).all(),
          5_000,
          10,
        ),
      );
      const sqliteOriginal = await asyncNsPerOp((cb) => originalAll.call(db, QUERY, cb), 20_000);
      const sqliteHooked = await asyncNsPerOp((cb) => hookedAll.call(db, QUERY, cb), 20_000);
      results.sqlite3.push([sqliteOriginal, sqliteHooked]);
    }
    db.close();
    return {
      checkNs: median(results.check),
      fillNs: median(results.fill),
      better: [median(results.better.map((r) => r[0])), median(results.better.map((r) => r[1]))],
      betterDiff: median(results.better.map((r) => r[2])),
      sqlite3: [median(results.sqlite3.map((r) => r[0])), median(results.sqlite3.map((r) => r[1]))],
      sqlite3Diff: median(results.sqlite3.map((r) => r[1] - r[0])),
    };
  });
}

/** Issues `count` async calls in batches of 500 and waits for them; ns per call. */
async function asyncNsPerOp(call, count) {
  const start = process.hrtime.bigint();
  for (let done = 0; done < count; done += 500) {
    await new Promise((resolve, reject) => {
      let pending = 500;
      for (let i = 0; i < 500; i++) {
        call((error) => {
          if (error) reject(error);
          else if (--pending === 0) resolve();
        });
      }
    });
  }
  return Number(process.hrtime.bigint() - start) / count;
}

/** Starts `app` (see APPS), unprotected or with `preload` (`node -r`) first. */
function startApp(app, preload, extraEnv) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', RAMPART_EVENTS: '/dev/null', ...extraEnv };
    delete env.RAMPART_POLICY;
    const nodeArgs = preload ? ['-r', preload, APPS[app].script] : [APPS[app].script];
    const child = spawn(process.execPath, nodeArgs, { cwd: APPS[app].dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (match) resolve({ url: match[1], child });
    });
    child.on('exit', (code) => reject(new Error(`${app} exited with ${code}`)));
  });
}

/** CPU time (user + system) the process `pid` has used so far, in microseconds. */
function cpuUs(pid) {
  const stat = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

/**
 * Drives `server` with `target` for SECONDS; the result also carries the server's CPU
 * time per answered request, which other processes on the machine disturb far less than
 * throughput.
 */
async function load(server, target) {
  const autocannon = fromTests('autocannon');
  const before = cpuUs(server.child.pid);
  const result = await new Promise((resolve, reject) =>
    autocannon(
      {
        url: server.url + target.path,
        method: target.method || 'GET',
        headers: { ...BROWSER_HEADERS, ...(target.body ? { 'content-type': 'application/json' } : {}) },
        body: target.body,
        connections: CONNECTIONS,
        duration: SECONDS,
      },
      (error, r) => (error ? reject(error) : resolve(r)),
    ),
  );
  result.cpuUsPerRequest = (cpuUs(server.child.pid) - before) / Math.max(1, result.requests.total);
  return result;
}

/** What the timed comparison drives: the shop's search and login, and the hello world. */
const TARGETS = [
  { app: 'shop', name: 'shop search', path: '/products?q=desk%20lamp' },
  {
    app: 'shop',
    name: 'shop login (401)',
    method: 'POST',
    path: '/login',
    body: JSON.stringify({ username: 'alice', password: 'wrong' }),
  },
  { app: 'hello', name: 'hello world', path: '/' },
];

async function perRequest(target) {
  const plain = await startApp(target.app, null, { RAMPART_MODE: '' });
  const protectedApp = await startApp(target.app, path.join(REPO, 'bindings', 'node', 'register.js'), {
    RAMPART_MODE: 'block',
  });
  try {
    await load(plain, target); // warm-up both
    await load(protectedApp, target);
    const runs = { plain: [], protected: [] };
    const ratios = [];
    const cpuRatios = [];
    for (let round = 0; round < ROUNDS; round++) {
      // A/B then B/A: a trend in the machine's load does not favour either side.
      let a;
      let b;
      if (round % 2 === 0) {
        a = await load(plain, target);
        b = await load(protectedApp, target);
      } else {
        b = await load(protectedApp, target);
        a = await load(plain, target);
      }
      runs.plain.push(a);
      runs.protected.push(b);
      ratios.push(1 - b.requests.average / a.requests.average);
      cpuRatios.push(b.cpuUsPerRequest / a.cpuUsPerRequest - 1);
      console.log(
        `  ${target.name} round ${round + 1}: ${a.requests.average.toFixed(0)} vs ${b.requests.average.toFixed(0)} req/s, ` +
          `server CPU ${a.cpuUsPerRequest.toFixed(1)} vs ${b.cpuUsPerRequest.toFixed(1)} us/request`,
      );
    }
    const rps = (list) => median(list.map((r) => r.requests.average));
    const latency = (list) => median(list.map((r) => r.latency.average));
    const errors = [...runs.plain, ...runs.protected].reduce(
      (s, r) => s + r.errors + (target.app === 'shop' && target.method === 'POST' ? 0 : r.non2xx),
      0,
    );
    return {
      plainRps: rps(runs.plain),
      protectedRps: rps(runs.protected),
      plainLatencyMs: latency(runs.plain),
      protectedLatencyMs: latency(runs.protected),
      overhead: median(ratios),
      ratios,
      plainCpuUs: median(runs.plain.map((r) => r.cpuUsPerRequest)),
      protectedCpuUs: median(runs.protected.map((r) => r.cpuUsPerRequest)),
      cpuOverhead: median(cpuRatios),
      cpuAddedUs: median(runs.protected.map((r, i) => r.cpuUsPerRequest - runs.plain[i].cpuUsPerRequest)),
      errors,
    };
  } finally {
    plain.child.kill();
    protectedApp.child.kill();
  }
}

/** Browser-like headers: the protected shop reads every one of them as an input. */
const BROWSER_HEADERS = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
  accept: 'application/json,text/html;q=0.9,*/*;q=0.8',
  'accept-language': 'en-US,en;q=0.7',
  'accept-encoding': 'gzip, deflate, br',
  referer: 'http://127.0.0.1/products',
  cookie: 'session=eyJ1c2VyIjoiYWxpY2UifQ.Zt3x9w.abc-def_ghi; theme=dark',
};

/**
 * Sends `count` requests one after another on one keep-alive connection; returns status
 * counts. `first` numbers the first request, so the shop's search/login alternation goes on
 * across calls.
 */
async function sendRequests(url, count, app, first = 0) {
  const http = require('node:http');
  const agentKeepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(url);
  const statuses = {};
  const one = (i) =>
    new Promise((resolve, reject) => {
      const login = app === 'shop' && i % 2 === 1;
      const body = login ? JSON.stringify({ username: 'alice', password: `wrong-${i % 7}` }) : null;
      const headers = { ...BROWSER_HEADERS };
      if (body) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const target = app === 'shop' ? `/products?q=${['desk', 'lamp', 'mug', 'chair'][i % 4]}` : '/';
      const request = http.request(
        { hostname, port, agent: agentKeepAlive, method: login ? 'POST' : 'GET', path: login ? '/login' : target, headers },
        (response) => {
          response.resume();
          response.on('end', () => {
            statuses[response.statusCode] = (statuses[response.statusCode] || 0) + 1;
            resolve();
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  for (let i = first; i < first + count; i++) await one(i);
  agentKeepAlive.destroy();
  return statuses;
}

/** The apps the count drives: the example shop (Express + sqlite3) and a hello world. */
const APPS = {
  shop: { dir: path.join(REPO, 'examples', 'node-express'), script: 'app.js' },
  hello: { dir: __dirname, script: 'node_hello_app.js' },
};

/**
 * Runs `app` under callgrind (with `preload`, a file `node -r` loads first, if any) and
 * returns the instructions its `counted` requests executed, after `warmup` requests.
 *
 * The warm-up runs without instrumentation (valgrind's core alone, several times faster
 * than callgrind), so V8 can reach its steady state in a few minutes; then, through vgdb
 * while the server is idle between requests, instrumentation is switched on, `SETTLE`
 * requests run, the counters are dumped, the `counted` requests run and the counters are
 * dumped again. A dump holds the instructions since the previous one, so the second is
 * exactly the counted requests' (what their server did between receiving the first and
 * answering the last, plus what it did after the last answer before the dump).
 */
const SETTLE = 50;

async function countedRun(app, preload, extraEnv, warmup, counted, outFile) {
  const fs = require('node:fs');
  const { execFileSync } = require('node:child_process');
  const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', RAMPART_EVENTS: '/dev/null' };
  delete env.RAMPART_POLICY;
  Object.assign(env, extraEnv);
  // V8's --predictable: fixed seeds, no background compiler or GC threads and no decisions
  // taken on the clock, so the same requests give (nearly) the same count run after run.
  const nodeArgs = ['--predictable', '--hash-seed=1', '--random-seed=1'];
  if (preload) nodeArgs.push('-r', preload);
  nodeArgs.push(APPS[app].script);
  const prefix = `${outFile}.vgdb`;
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      `--vgdb-prefix=${prefix}`,
      `--callgrind-out-file=${outFile}`,
      process.execPath,
      ...nodeArgs,
    ],
    { cwd: APPS[app].dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (match) resolve(match[1]);
    });
    exited.then(({ code }) => reject(new Error(`${app} under valgrind exited with ${code}:\n${err}`)));
  });
  // vgdb names its pipes after the user and the HOST variable: give it the server's.
  const monitor = (command) =>
    execFileSync('vgdb', [`--vgdb-prefix=${prefix}`, `--pid=${child.pid}`, ...command.split(' ')], {
      env,
      stdio: 'ignore',
    });
  const settleFrom = warmup + (warmup % 2);
  await sendRequests(url, warmup, app, 0);
  monitor('instrumentation on');
  await sendRequests(url, SETTLE, app, settleFrom);
  monitor('dump');
  const statuses = await sendRequests(url, counted, app, settleFrom + SETTLE);
  monitor('dump');
  child.kill('SIGTERM');
  await exited;
  const countedFile = `${outFile}.2`;
  const summary = /^totals: (\d+)/m.exec(fs.readFileSync(countedFile, 'utf8'));
  if (!summary) throw new Error(`no instruction total in ${countedFile}:\n${err}`);
  return { instructions: Number(summary[1]), ...v8Work(countedFile), statuses };
}

/**
 * What V8's optimising compiler (TurboFan) and its garbage collector executed in a
 * callgrind dump. Under --predictable the compiler runs on the main thread; in production
 * it compiles on a background thread. Even after thousands of requests it still compiles
 * a third of every count here, and how much moves by tens of thousands of instructions
 * per request between two processes running the same JavaScript, so the count without it
 * is the one that resolves the agent's own work. The garbage collector's work (scavenges,
 * incremental marking steps, mark-compact, sweeping, the write barrier: the instructions
 * of V8's heap functions themselves) is real cost, but a window holds a few collections,
 * so its share moves with where they fall.
 */
function v8Work(file) {
  const { execFileSync } = require('node:child_process');
  const functions = (inclusive) => {
    const text = execFileSync('callgrind_annotate', [`--inclusive=${inclusive}`, '--auto=no', '--threshold=100', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 256 * 1024 * 1024,
    });
    const list = [];
    for (const line of text.split('\n')) {
      const match = /^\s*([\d,]+) \([^)]*\)\s+\S*?:(\S.*)$/.exec(line);
      if (match) list.push([match[2], Number(match[1].replaceAll(',', ''))]);
    }
    return list;
  };
  const sum = (list, pattern) => list.reduce((total, [name, count]) => total + (pattern.test(name) ? count : 0), 0);
  return {
    compiler: sum(functions('yes'), /^v8::internal::Compiler::CompileOptimized\(/),
    gc: sum(
      functions('no'),
      /v8::internal::(Heap::|Scaveng|MarkCompact|MinorMarkCompact|\w*Marking|Sweep|\w*Evacuat|RememberedSet|SlotSet|TypedSlot|BodyDescriptorBase::Iterate|HeapObject::SizeFromMap|\w*WriteBarrier|GlobalHandles::|LiveObjectRange|PointersUpdating|RecordMigratedSlot|FreeList|ArrayBufferSweeper|\(anonymous namespace\)::RememberedSet)|heap::base::/,
    ),
  };
}

/**
 * Per app: unprotected, with only an AsyncLocalStorage entered per request (what any
 * request context costs), protected by this tree's agent, and with `--before DIR` also
 * protected by the agent of another checkout's bindings/node (the same requests: a
 * before/after that no machine noise can blur). `--repeat K` counts every variant K times
 * (each in a fresh process) to show the spread.
 */
async function instructions() {
  const fs = require('node:fs');
  const os = require('node:os');
  const WARMUP = option('warmup', 2000);
  const REQUESTS = option('requests', 1000);
  const REPEAT = option('repeat', 1);
  const textOption = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
  const keep = textOption('keep', null);
  const before = textOption('before', null);
  const apps = textOption('apps', 'shop,hello').split(',');
  const dir = keep || fs.mkdtempSync(path.join(os.tmpdir(), 'rampart-node-instructions-'));
  fs.mkdirSync(dir, { recursive: true });
  const noInspection = path.join(dir, 'policy-inspection-off.json');
  fs.writeFileSync(noInspection, JSON.stringify({ mode: 'block', protections: { malicious_payload: { action: 'off' } } }));
  const variants = [
    ['unprotected', null, { RAMPART_MODE: '' }],
    ['context only', path.join(__dirname, 'node_context_only.js'), { RAMPART_MODE: '' }],
    ['protected', path.join(REPO, 'bindings', 'node', 'register.js'), { RAMPART_MODE: 'block' }],
    // The default policy inspects each request for malicious payloads as it arrives; this
    // one turns that off (sink checks only, inputs collected at the first sink).
    ['inspection off', path.join(REPO, 'bindings', 'node', 'register.js'), { RAMPART_POLICY: noInspection }],
  ];
  if (before) {
    const beforeAgent = path.join(path.resolve(before), 'register.js');
    variants.push(['protected (before)', beforeAgent, { RAMPART_MODE: 'block' }]);
    variants.push(['inspection off (before)', beforeAgent, { RAMPART_POLICY: noInspection }]);
  }
  // --variants unprotected,protected: only those (the unprotected one always runs first).
  const only = textOption('variants', null);
  if (only !== null) {
    const names = new Set(['unprotected', ...only.split(',')]);
    variants.splice(0, variants.length, ...variants.filter(([name]) => names.has(name)));
  }
  console.log(
    `instructions per request: ${REQUESTS} requests counted after ${WARMUP} + ${SETTLE} of warm-up;` +
      ' all of them | without V8\'s optimising compiler | without its garbage collector either',
  );
  for (const app of apps) {
    let unprotected = null;
    for (const [name, preload, env] of variants) {
      for (let round = 1; round <= REPEAT; round++) {
        const out = path.join(dir, `${app}-${name.replace(/\W+/g, '-')}-${round}.callgrind`);
        const run = await countedRun(app, preload, env, WARMUP, REQUESTS, out);
        // Three figures per request: everything; without the optimising compiler; and
        // without the garbage collector either (the agent's allocations show in the GC,
        // but a window holds a few scavenges, so its share moves with where they fall).
        const figures = [
          run.instructions / REQUESTS,
          (run.instructions - run.compiler) / REQUESTS,
          (run.instructions - run.compiler - run.gc) / REQUESTS,
        ];
        if (name === 'unprotected' && unprotected === null) unprotected = figures;
        const shown = figures.map((value, i) => {
          if (name === 'unprotected') return value.toFixed(0).padStart(9);
          const added = value - unprotected[i];
          const sign = added >= 0 ? '+' : '';
          return `${value.toFixed(0).padStart(9)} ${sign}${added.toFixed(0)} (${sign}${((added / unprotected[i]) * 100).toFixed(1)}%)`;
        });
        console.log(
          `  ${app.padEnd(5)} ${name.padEnd(23)} all ${shown[0]} | no compiler ${shown[1]} | nor GC ${shown[2]}` +
            ` (GC ${(run.gc / REQUESTS).toFixed(0)}; answers ${JSON.stringify(run.statuses)})`,
        );
      }
    }
  }
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
}

async function main() {
  if (COUNTING) return instructions();
  const call = await perCall();
  const us = (ns) => (ns / 1000).toFixed(2);
  console.log(`node ${process.version}, rampart ${rampart.version}`);
  console.log('per hooked call (medians; 10 inputs, 200-byte query, nothing found):');
  console.log(`  agent check alone                 ${us(call.checkNs)} us`);
  console.log(`  reading a request's inputs (once) ${us(call.fillNs)} us`);
  console.log(
    `  better-sqlite3 prepare+all         ${us(call.better[0])} -> ${us(call.better[1])} us  (+${us(call.betterDiff)} us)`,
  );
  console.log(
    `  sqlite3 Database#all (async)       ${us(call.sqlite3[0])} -> ${us(call.sqlite3[1])} us  (+${us(call.sqlite3Diff)} us)`,
  );
  for (const target of TARGETS) {
    const req = await perRequest(target);
    const overhead = req.overhead * 100;
    console.log(`per request (${target.name}, ${CONNECTIONS} connections, ${SECONDS}s x ${ROUNDS} rounds, medians):`);
    console.log(`  unprotected  ${req.plainRps.toFixed(0)} req/s, mean latency ${req.plainLatencyMs.toFixed(2)} ms`);
    console.log(`  protected    ${req.protectedRps.toFixed(0)} req/s, mean latency ${req.protectedLatencyMs.toFixed(2)} ms`);
    console.log(`  overhead     ${overhead.toFixed(1)}% throughput (median of the rounds' ratios)`);
    console.log(`  per round    ${req.ratios.map((r) => `${(r * 100).toFixed(1)}%`).join(', ')}`);
    console.log(
      `  server CPU   ${req.plainCpuUs.toFixed(1)} -> ${req.protectedCpuUs.toFixed(1)} us per request ` +
        `(median of rounds: +${(req.cpuOverhead * 100).toFixed(1)}%, +${req.cpuAddedUs.toFixed(1)} us)`,
    );
    if (req.errors > 0) console.log(`  !! ${req.errors} errors or unexpected answers`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
