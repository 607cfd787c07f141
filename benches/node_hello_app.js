'use strict';
// The smallest Express app: one route that answers a constant, no database, no file.
// benches/node_overhead.js runs it with and without rampart to show what the agent adds
// to a request that reaches no sink (entering the request context, the response headers).

const path = require('node:path');
const { createRequire } = require('node:module');

const fromShop = createRequire(path.join(__dirname, '..', 'examples', 'node-express', 'package.json'));
const express = fromShop('express');

const app = express();
app.get('/', (req, res) => {
  res.send('hello');
});
const server = app.listen(Number(process.env.PORT || 0), process.env.HOST || '127.0.0.1', () => {
  const { address, port } = server.address();
  process.stdout.write(`hello listening on http://${address}:${port}\n`);
});
