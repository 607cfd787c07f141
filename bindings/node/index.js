'use strict';
// rampart for Node.js. `require('rampart')` at the top of the entry file protects the
// process (or, without a code change: `node --require rampart/register app.js`).
//
// The agent reads RAMPART_POLICY (a policy file), RAMPART_MODE (off | report | block)
// and RAMPART_EVENTS (stderr, stdout or a file path).

const native = require('./lib/native');
const { Engine, Request, Verdict } = require('./lib/api');
const errors = require('./lib/errors');
const agent = require('./lib/agent');
const { start, stop, configure } = require('./lib/start');
const { currentContext } = require('./lib/context');

start();

module.exports = {
  Engine,
  Request,
  Verdict,
  RampartError: errors.RampartError,
  InvalidPolicyError: errors.InvalidPolicyError,
  PolicyIoError: errors.PolicyIoError,
  InvalidArgumentError: errors.InvalidArgumentError,
  InternalError: errors.InternalError,
  RampartBlockedError: errors.RampartBlockedError,
  start,
  stop,
  configure,
  /** The engine in force, or null when the agent is stopped. */
  engine: () => agent.state.engine,
  /**
   * Checks a SQL query about to run in a sink rampart does not hook, against the current
   * request. Returns null, or the RampartBlockedError to fail the call with.
   */
  checkSql: (operation, dialect, query) => agent.sql(operation, dialect, query),
  /** The same for other sinks: a shell command, an argv, a MongoDB filter (JSON text), a
   * file path, a URL to fetch, a redirect location, a response header. */
  checkShell: (operation, command) => agent.shell(operation, command),
  checkExec: (operation, argv) => (Array.isArray(argv) ? agent.exec(operation, argv) : null),
  checkNosql: (operation, filterJson) => agent.nosql(operation, filterJson),
  checkPath: (operation, filePath) => agent.path(operation, filePath),
  checkUrl: (operation, url) => agent.url(operation, url),
  checkRedirect: (operation, location) => agent.redirect(operation, location),
  checkHeader: (operation, name, value) => agent.header(operation, name, value),
  /** Whether the caller runs inside an HTTP request rampart follows. */
  inRequest: () => currentContext() !== undefined,
  version: native.version(),
};
