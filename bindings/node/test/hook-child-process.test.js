'use strict';
// The child_process hook against the real module running real programs: shell strings
// (exec, execSync, shell: true) go to the shell check, argv (execFile, spawn, fork, the
// Sync forms) to the exec check. Block stops the program, report lets it run, normal use
// is unchanged.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { promisify } = require('node:util');
const h = require('./harness');
const { tempDir } = require('./helpers');
const cp = require('node:child_process');

const SHELL_ATTACK = 'x; echo INJECTED';
const PROGRAM_ATTACK = 'id';
const child = path.join(tempDir('fork'), 'child.js');
fs.writeFileSync(child, "process.stdout.write('forked ' + process.argv.slice(2).join(' '));");

/** Resolves what the program printed (or rejects with the call's error). */
function finished(proc) {
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.on('error', reject);
    proc.on('close', () => resolve(out));
  });
}

/** name -> [run(q, prog), the attacking query, the check the hook uses]. */
const CALLS = {
  exec: [(q) => promisify((cb) => cp.exec(`echo ${q}`, (e, out) => cb(e, out)))(), SHELL_ATTACK, 'shell'],
  'exec (util.promisify)': [async (q) => (await promisify(cp.exec)(`echo ${q}`)).stdout, SHELL_ATTACK, 'shell'],
  execSync: [(q) => cp.execSync(`echo ${q}`).toString(), SHELL_ATTACK, 'shell'],
  execFile: [(q, prog) => promisify((cb) => cp.execFile(prog || 'echo', [q], (e, out) => cb(e, out)))(), PROGRAM_ATTACK, 'exec'],
  execFileSync: [(q, prog) => cp.execFileSync(prog || 'echo', [q]).toString(), PROGRAM_ATTACK, 'exec'],
  spawn: [(q, prog) => finished(cp.spawn(prog || 'echo', [q])), PROGRAM_ATTACK, 'exec'],
  spawnSync: [(q, prog) => cp.spawnSync(prog || 'echo', [q]).stdout.toString(), PROGRAM_ATTACK, 'exec'],
  'spawn with shell: true': [(q) => finished(cp.spawn('echo', [q], { shell: true })), SHELL_ATTACK, 'shell'],
  'execFileSync with shell: true': [(q) => cp.execFileSync('echo', [q], { shell: true }).toString(), SHELL_ATTACK, 'shell'],
  fork: [(q) => finished(cp.fork(q || child, ['hello'], { silent: true, execArgv: [] })), '/tmp/attacker.js', 'exec'],
};

let server;
let thrown = null;

test.before(async () => {
  server = await h.serve(async (req, res, url) => {
    const [run] = CALLS[url.searchParams.get('call')];
    try {
      const out = await run(url.searchParams.get('q') || '', url.searchParams.get('prog'));
      h.answer(res, null, [String(out)]);
    } catch (error) {
      thrown = error;
      h.answer(res, error);
    }
  });
});
test.after(() => server.close());

for (const [name, [, attack, kind]] of Object.entries(CALLS)) {
  test(`child_process ${name}: block stops it, report runs it, normal unchanged`, async () => {
    const call = `call=${encodeURIComponent(name)}`;
    const normalQuery = name === 'fork' ? '' : '&q=hello';
    const attackQuery = kind === 'shell' || name === 'fork' ? `&q=${encodeURIComponent(attack)}` : `&q=hello&prog=${attack}`;
    h.setMode('block');
    h.takeEvents();
    const normal = await h.request(`${server.url}/?${call}${normalQuery}`);
    assert.equal(normal.status, 200, normal.body);
    assert.match(JSON.parse(normal.body).rows[0], /hello/);
    assert.deepEqual(h.takeEvents(), []);

    thrown = null;
    const blocked = await h.request(`${server.url}/?${call}${attackQuery}`);
    assert.ok(h.isBlockPage(blocked), blocked.body);
    assert.ok(thrown instanceof h.rampart.RampartBlockedError, String(thrown));
    const [event] = h.takeEvents();
    assert.equal(event.threat, 'command_injection');
    assert.equal(event.sink.kind, kind);
    assert.match(event.sink.operation, /^child_process\./);

    h.setMode('report');
    const reported = await h.request(`${server.url}/?${call}${attackQuery}`);
    const reportedEvents = h.takeEvents();
    assert.deepEqual(reportedEvents.map((e) => e.action), ['reported'], 'one event per call, however Node nests it');
    if (kind === 'shell') assert.match(JSON.parse(reported.body).rows[0], /INJECTED/, 'the injected command ran');
  });
}

test('child_process outside a request is never checked', () => {
  h.setMode('block');
  assert.equal(cp.execSync('echo x; echo y').toString(), 'x\ny\n');
});

test('ES modules: named imports of child_process and fs are the hooked functions', async () => {
  const { runNode, PACKAGE_DIR } = require('./helpers');
  const dir = tempDir('esm');
  const script = path.join(dir, 'app.mjs');
  fs.writeFileSync(
    script,
    `import ${JSON.stringify(path.join(PACKAGE_DIR, 'index.mjs'))};
    import { execSync } from 'node:child_process';
    import { readFileSync } from 'fs';
    import { readFile } from 'node:fs/promises';
    import http from 'node:http';
    const server = http.createServer(async (req, res) => {
      const q = new URL(req.url, 'http://x').searchParams.get('q');
      const out = [];
      for (const f of [() => execSync('echo ' + q), () => readFileSync('/tmp/' + q), () => readFile('/tmp/' + q)]) {
        try { await f(); out.push('ran'); } catch (e) { out.push(e.name); }
      }
      console.log(out.join(','));
      res.end();
    }).listen(0, '127.0.0.1', () => {
      http.get('http://127.0.0.1:' + server.address().port + '/?q=' + encodeURIComponent('../x; id'), (r) => {
        r.resume(); r.on('end', () => server.close());
      });
    });`,
  );
  const run = await runNode([script], { env: { ...process.env, RAMPART_MODE: 'block', RAMPART_EVENTS: path.join(dir, 'events.jsonl') } });
  assert.equal(run.stdout.trim(), 'RampartBlockedError,RampartBlockedError,RampartBlockedError', run.stderr);
});
