'use strict';
// Enters a RequestContext for every request an http or https server receives.
//
// Patching the servers' `emit('request')` (rather than a framework's middleware chain)
// puts the context in place before any framework code runs, so Express, Koa, Fastify and
// plain handlers are all covered, and servers created before rampart loaded too.

const http = require('node:http');
const https = require('node:https');
const { storage, RequestContext } = require('./context');
const agent = require('./agent');

const kOriginal = Symbol('rampart.original');

function patchServer(proto) {
  if (proto.emit[kOriginal]) return;
  const original = proto.emit;
  // The request's own work runs inside the context: no closure and no `arguments`
  // object per request, only the context itself.
  const emitRequest = (server, req, res) => original.call(server, 'request', req, res);
  // With payload inspection on, the request is inspected first; a blocked one has had the
  // block page and never reaches the application.
  const inspectThenEmit = (server, req, res, context) =>
    agent.atRequestStart(context) === null ? original.call(server, 'request', req, res) : true;
  function emit(event, req, res) {
    if (event !== 'request') return original.apply(this, arguments);
    const context = new RequestContext(req, res);
    if (!agent.inspectsPayloads()) return storage.run(context, emitRequest, this, req, res);
    return storage.run(context, inspectThenEmit, this, req, res, context);
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
