'use strict';
// Starting and stopping the agent.

const agent = require('./agent');
const { Engine } = require('./api');
const http = require('./http');
const hooks = require('./hooks');
const fastify = require('./frameworks/fastify');
const events = require('./events');

/**
 * Starts protecting the process: builds the engine (from `options.policy`, else from
 * RAMPART_POLICY / RAMPART_MODE), enters a request context for every HTTP request and
 * hooks the supported libraries. Idempotent. A policy that cannot be read is reported as
 * an error event and leaves the process unprotected rather than down.
 */
function start(options = {}) {
  if (agent.state.engine === null || options.policy !== undefined || options.engine !== undefined) {
    try {
      agent.state.engine = buildEngine(options);
    } catch (error) {
      events.writeError('startup', 'rampart.start', error);
      return false;
    }
  }
  if (agent.state.engine.mode === 'off') return true;
  http.install();
  hooks.install();
  fastify.install();
  return true;
}

function buildEngine(options) {
  if (options.engine instanceof Engine) return options.engine;
  if (options.policy !== undefined) return new Engine(options.policy);
  return Engine.fromEnv();
}

/** Stops checking. Hooked libraries stay wrapped but let every call through. */
function stop() {
  agent.state.engine = null;
  http.uninstall();
  hooks.uninstall();
  fastify.uninstall();
}

/** Replaces the policy in force (an object, JSON text, or an Engine). */
function configure(policy) {
  return start(policy instanceof Engine ? { engine: policy } : { policy });
}

module.exports = { start, stop, configure, reopenEvents: events.reopen };
