'use strict';
// Fastify keeps what it parsed on its own request object (request.query, request.body,
// request.params), not on the Node request. Fastify announces every instance on the
// `fastify.initialization` diagnostics channel; an onRequest hook then points the
// request's context at Fastify's request.

const diagnostics = require('node:diagnostics_channel');
const { currentContext } = require('../context');

const fastifyView = {
  url: (request) => (request.raw && request.raw.url) || '',
  body: (request) => request.body,
  params: (request) => request.params,
  route: (request) => (request.routeOptions ? request.routeOptions.url : undefined),
  routeText: (request) => (request.routeOptions && request.routeOptions.url) || '',
  clientIp: (request) => request.ip,
};

function onRequest(request, reply, done) {
  const context = currentContext();
  if (context !== undefined && context.req === request.raw) context.useView(fastifyView, request);
  done();
}

function onInitialization({ fastify }) {
  if (fastify && typeof fastify.addHook === 'function') fastify.addHook('onRequest', onRequest);
}

let subscribed = false;

function install() {
  if (subscribed) return;
  subscribed = true;
  diagnostics.subscribe('fastify.initialization', onInitialization);
}

function uninstall() {
  if (!subscribed) return;
  subscribed = false;
  diagnostics.unsubscribe('fastify.initialization', onInitialization);
}

module.exports = { install, uninstall, fastifyView };
