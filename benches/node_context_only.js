'use strict';
// Preloaded by benches/node_overhead.js (`node -r`): enters an AsyncLocalStorage for every
// request the way rampart does and nothing else, so the bench can show what any
// per-request context costs on this Node version apart from the agent's own work.

const http = require('node:http');
const { AsyncLocalStorage } = require('node:async_hooks');

const storage = new AsyncLocalStorage();
const original = http.Server.prototype.emit;
const emitRequest = (server, req, res) => original.call(server, 'request', req, res);
http.Server.prototype.emit = function emit(event, req, res) {
  if (event !== 'request') return original.apply(this, arguments);
  return storage.run({ req, res }, emitRequest, this, req, res);
};
