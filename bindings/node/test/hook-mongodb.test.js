'use strict';
// The mongodb hook against the real driver. No MongoDB server runs here: the client
// points at a closed port on 127.0.0.1, so every call that reaches the network fails with
// one of the driver's own errors (MongoServerSelectionError, then MongoTopologyClosedError). The check runs before any I/O, so a refused
// call fails at once with RampartBlockedError: that difference is what the test observes.

const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');
const { MongoClient } = require('mongodb');

const client = new MongoClient('mongodb://127.0.0.1:1/?directConnection=true', { serverSelectionTimeoutMS: 200 });
const users = client.db('shop').collection('users');
let server;
/** The driver's own failures without a server (selection, then a closed topology). */
const DRIVER_ERROR = /^Mongo(ServerSelection|TopologyClosed)Error$/;

/** name -> run(filter). */
const CALLS = {
  find: (filter) => users.find(filter).toArray(),
  findOne: (filter) => users.findOne(filter),
  updateOne: (filter) => users.updateOne(filter, { $set: { seen: true } }),
  deleteMany: (filter) => users.deleteMany(filter),
  aggregate: (filter) => users.aggregate([{ $match: filter }]).toArray(),
};

test.before(async () => {
  server = await h.serve(async (req, res, url) => {
    const call = CALLS[url.searchParams.get('call')];
    const chunks = [];
    for await (const c of req) chunks.push(c);
    req.body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    try {
      await call({ username: req.body.username, password: req.body.password });
      res.end('ran');
    } catch (error) {
      res.end(error.name);
    }
  });
});
test.after(async () => {
  await server.close();
  await client.close();
});

const post = (call, body) =>
  h.request(`${server.url}/?call=${call}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

for (const call of Object.keys(CALLS)) {
  test(`mongodb Collection#${call}: an operator from the request is refused before any I/O`, async () => {
    h.setMode('block');
    h.takeEvents();
    const normal = await post(call, { username: 'alice', password: 'secret' });
    assert.match(normal.body, DRIVER_ERROR, 'a plain filter reaches the driver');
    assert.deepEqual(h.takeEvents(), []);

    const blocked = await post(call, { username: 'admin', password: { $ne: '' } });
    assert.ok(h.isBlockPage(blocked), blocked.body);
    const [event] = h.takeEvents();
    assert.equal(event.threat, 'nosql_injection');
    assert.equal(event.sink.operation, `mongodb.Collection.${call}`);

    h.setMode('report');
    const reported = await post(call, { username: 'admin', password: { $ne: '' } });
    assert.match(reported.body, DRIVER_ERROR, 'report lets the driver run');
    assert.equal(h.takeEvents()[0].action, 'reported');
  });
}
