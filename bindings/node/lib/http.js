'use strict';
// Enters a RequestContext for every request an http or https server receives.
//
// Patching the servers' `emit('request')` (rather than a framework's middleware chain)
// puts the context in place before any framework code runs, so Express, Koa, Fastify and
// plain handlers are all covered, and servers created before rampart loaded too.

const http = require('node:http');
const https = require('node:https');
const { storage, RequestContext } = require('./context');

const kOriginal = Symbol('rampart.original');

function patchServer(proto) {
  if (proto.emit[kOriginal]) return;
  const original = proto.emit;
  // The request's own work runs inside the context: no closure and no `arguments`
  // object per request, only the context itself.
  const emitRequest = (server, req, res) => original.call(server, 'request', req, res);
  function emit(event, req, res) {
    if (event !== 'request') return original.apply(this, arguments);
    return storage.run(new RequestContext(req, res), emitRequest, this, req, res);
  }
  emit[kOriginal] = original;
  proto.emit = emit;
}

function unpatchServer(proto) {
  if (proto.emit[kOriginal]) proto.emit = proto.emit[kOriginal];
}

function install() {
  patchServer(http.Server.prototype);
  patchServer(https.Server.prototype);
}

function uninstall() {
  unpatchServer(http.Server.prototype);
  unpatchServer(https.Server.prototype);
}

module.exports = { install, uninstall };
