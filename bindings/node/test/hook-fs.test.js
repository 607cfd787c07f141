'use strict';
// The fs hook against the real file system: a handler reads `FILES/` + a user-chosen
// name through each fs form; `../secret.txt` leaves the directory. Block stops the call
// through the form's own error channel, report lets it read, normal use is unchanged.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const h = require('./harness');
const { tempDir } = require('./helpers');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const { promisify } = require('node:util');

const BASE = tempDir('fs');
const FILES = path.join(BASE, 'files');
fs.mkdirSync(FILES);
fs.writeFileSync(path.join(FILES, 'hello.txt'), 'hello');
fs.writeFileSync(path.join(BASE, 'secret.txt'), 'SECRET');
const ATTACK = '../secret.txt';

const streamed = (stream) =>
  new Promise((resolve, reject) => {
    let out = '';
    stream.on('data', (d) => (out += d));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });

/** name -> run(file) resolving what it read (or a fact about the file). */
const CALLS = {
  readFile: (f) => promisify(fs.readFile)(f, 'utf8'),
  readFileSync: (f) => fs.readFileSync(f, 'utf8'),
  'promises.readFile': (f) => fsp.readFile(f, 'utf8'),
  createReadStream: (f) => streamed(fs.createReadStream(f, 'utf8')),
  open: async (f) => {
    const fd = await promisify(fs.open)(f, 'r');
    const out = Buffer.alloc(64);
    const n = fs.readSync(fd, out, 0, 64, 0);
    fs.closeSync(fd);
    return out.subarray(0, n).toString();
  },
  'promises.open': async (f) => {
    const handle = await fsp.open(f, 'r');
    try {
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  },
  stat: async (f) => `size ${(await promisify(fs.stat)(f)).size}`,
  statSync: (f) => `size ${fs.statSync(f).size}`,
  access: async (f) => (await promisify(fs.access)(f), 'accessible'),
  'promises.access': async (f) => (await fsp.access(f), 'accessible'),
  existsSync: (f) => (fs.existsSync(f) ? 'exists' : 'absent'),
  copyFile: async (f) => {
    const to = path.join(tempDir('copy'), 'copy.txt');
    await fsp.copyFile(f, to);
    return fs.readFileSync(to, 'utf8'); // the copy target holds no input: only the source matters
  },
};

let server;
let thrown = null;

test.before(async () => {
  server = await h.serve(async (req, res, url) => {
    const run = CALLS[url.searchParams.get('call')];
    try {
      h.answer(res, null, [await run(`${FILES}/${url.searchParams.get('name')}`)]);
    } catch (error) {
      thrown = error;
      h.answer(res, error);
    }
  });
});
test.after(() => server.close());

for (const name of Object.keys(CALLS)) {
  test(`fs ${name}: block stops it, report reads, normal unchanged`, async () => {
    const call = `call=${encodeURIComponent(name)}`;
    h.setMode('block');
    h.takeEvents();
    const normal = await h.request(`${server.url}/?${call}&name=hello.txt`);
    assert.equal(normal.status, 200, normal.body);
    assert.match(JSON.parse(normal.body).rows[0], /hello|size 5|accessible|exists/);
    assert.deepEqual(h.takeEvents(), []);

    thrown = null;
    const blocked = await h.request(`${server.url}/?${call}&name=${encodeURIComponent(ATTACK)}`);
    assert.ok(h.isBlockPage(blocked), blocked.body);
    if (name !== 'existsSync') assert.ok(thrown instanceof h.rampart.RampartBlockedError, String(thrown));
    const [event] = h.takeEvents();
    assert.equal(event.threat, 'path_traversal');
    assert.match(event.sink.operation, /^fs\./);

    h.setMode('report');
    const reported = await h.request(`${server.url}/?${call}&name=${encodeURIComponent(ATTACK)}`);
    assert.match(JSON.parse(reported.body).rows[0], /SECRET|size 6|accessible|exists/);
    assert.equal(h.takeEvents()[0].action, 'reported');
  });
}

test('writeFile, appendFile, rename and unlink are checked too', async () => {
  h.setMode('block');
  const writes = await h.serve(async (req, res, url) => {
    const target = `${FILES}/${url.searchParams.get('name')}`;
    const results = [];
    for (const op of [
      () => fsp.writeFile(target, 'x'),
      () => fsp.appendFile(target, 'x'),
      () => fsp.rename(target, `${target}.moved`),
      () => promisify(fs.unlink)(`${target}.moved`),
    ]) {
      try {
        await op();
        results.push('ran');
      } catch (error) {
        results.push(error.name);
      }
    }
    res.end(JSON.stringify(results));
  });
  try {
    h.takeEvents();
    const normal = await h.request(`${writes.url}/?name=new.txt`);
    assert.equal(normal.body, '["ran","ran","ran","ran"]');
    assert.deepEqual(h.takeEvents(), []);
    await h.request(`${writes.url}/?name=${encodeURIComponent('../planted.txt')}`);
    assert.equal(fs.existsSync(path.join(BASE, 'planted.txt')), false, 'nothing written outside');
    assert.equal(h.takeEvents().length, 4);
  } finally {
    await writes.close();
  }
});

test('fs outside a request is never checked', () => {
  h.setMode('block');
  assert.equal(fs.readFileSync(`${FILES}/../secret.txt`, 'utf8'), 'SECRET');
});

test('a path built with path.join / path.resolve (which drop the `..`) is still caught', async () => {
  const builders = {
    join: (name) => path.join(FILES, name),
    resolve: (name) => path.resolve(FILES, name),
    normalize: (name) => path.normalize(`${FILES}/${name}`),
    'join, then resolve': (name) => path.resolve(path.join(FILES, 'sub', '..', name)),
  };
  const built = await h.serve(async (req, res, url) => {
    const target = builders[url.searchParams.get('build')](url.searchParams.get('name'));
    try {
      h.answer(res, null, [await fsp.readFile(target, 'utf8')]);
    } catch (error) {
      h.answer(res, error);
    }
  });
  try {
    for (const build of Object.keys(builders)) {
      const at = (name) => `${built.url}/?build=${encodeURIComponent(build)}&name=${encodeURIComponent(name)}`;
      // The normalised path no longer holds the input: a check of it alone finds nothing.
      const normalised = builders[build](ATTACK);
      assert.ok(!normalised.includes(ATTACK) && normalised.endsWith(`${path.sep}secret.txt`), normalised);
      h.setMode('block');
      h.takeEvents();
      const normal = await h.request(at('hello.txt'));
      assert.equal(JSON.parse(normal.body).rows[0], 'hello', build);
      assert.deepEqual(h.takeEvents(), [], build);

      const blocked = await h.request(at(ATTACK));
      assert.ok(h.isBlockPage(blocked), `${build}: ${blocked.body}`);
      const [event] = h.takeEvents();
      assert.equal(event.threat, 'path_traversal', build);
      assert.equal(event.input.value, ATTACK);
      assert.match(event.sink.resource, /\.\.\/secret\.txt/, 'the event shows the path as it was built');

      h.setMode('report');
      const reported = await h.request(at(ATTACK));
      assert.equal(JSON.parse(reported.body).rows[0], 'SECRET', build);
      const events = h.takeEvents();
      assert.equal(events.length, 1, `${build}: one event, not one per form of the path`);
      assert.equal(events[0].action, 'reported');
    }
  } finally {
    await built.close();
  }
});

test('a file reached through several hooked calls is reported once per request', async () => {
  const server = await h.serve(async (req, res, url) => {
    const target = path.join(FILES, url.searchParams.get('name'));
    try {
      fs.statSync(target);
      fs.accessSync(target);
      h.answer(res, null, [await fsp.readFile(target, 'utf8'), fs.readFileSync(target, 'utf8')]);
    } catch (error) {
      h.answer(res, error);
    }
  });
  try {
    h.setMode('report');
    h.takeEvents();
    const reported = await h.request(`${server.url}/?name=${encodeURIComponent(ATTACK)}`);
    assert.deepEqual(JSON.parse(reported.body).rows, ['SECRET', 'SECRET']);
    const events = h.takeEvents();
    assert.equal(events.length, 1, `four hooked calls, one report: ${JSON.stringify(events.map((e) => e.sink))}`);
    // The next request reports again.
    await h.request(`${server.url}/?name=${encodeURIComponent(ATTACK)}`);
    assert.equal(h.takeEvents().length, 1);
    h.setMode('block');
    const blocked = await h.request(`${server.url}/?name=${encodeURIComponent(ATTACK)}`);
    assert.ok(h.isBlockPage(blocked), blocked.body);
    assert.equal(h.takeEvents().length, 1, 'blocked at the first call');
  } finally {
    await server.close();
  }
});
