'use strict';
// The agent: one engine for the process, and the path every hooked sink call takes.
//
// A hook calls one function per sink kind (`sql(operation, dialect, query)`, ...) right
// before the library runs the call. It returns null (let the call run) or a
// RampartBlockedError, which the hook delivers the way the library reports its own
// failures (throw, callback, rejected promise). Everything else lives here, once:
//
//   context   the current request's inputs (context.js), read lazily, refreshed on change
//   events    one JSON line per finding, with the JavaScript stack (events.js)
//   blocking  the policy's block page, sent once per request (block.js)
//   fail-open an internal error logs an error event and lets the call run (unless the
//             policy says fail_closed)
//   payloads  each request inspected for malicious payloads (Engine::inspect) as it
//             arrives, and its parsed body at the first sink that sees it

const path = require('node:path');
const native = require('./native');
const { Engine, Verdict, kHandle, kNative, kCount, dialectCode } = require('./api');
const { currentContext } = require('./context');
const { writeEvent, writeError } = require('./events');
const { sendBlockPage } = require('./block');
const { RampartBlockedError, fromNative } = require('./errors');

const LIB_DIR = __dirname + path.sep;

const state = {
  /** The Engine in force; null when the agent is not running. */
  engine: null,
};

/**
 * Runs `check(engineHandle, requestHandle, arg, resource)` for the current request and
 * acts on what it finds. The common path (no request, or nothing found) allocates
 * nothing beyond what the check needs.
 */
function inspect(kind, operation, resource, check, arg) {
  const engine = state.engine;
  if (engine === null) return null;
  const context = currentContext();
  if (context === undefined) return null;
  if (typeof resource !== 'string' && !Buffer.isBuffer(resource)) return null;
  let request = null;
  try {
    request = context.inputs();
    if (context.payloadDue) {
      const blocked = inspectParsed(engine, context, request);
      if (blocked !== null) return blocked;
    }
    if (request[kCount] === 0) return null;
    const found = check(engine[kHandle], request[kHandle], arg, resource);
    if (found === null) return null;
    return onFinding(engine, context, request, Verdict.fromNative(found), kind, operation, resource);
  } catch (error) {
    return onInternalError(engine, context, kind, operation, error);
  }
}

/** Findings so far (reported or blocked), so a caller can tell "reported" from "nothing". */
let findings = 0;

// An outgoing request is checked at several layers (http.request, then the address it
// resolved to); a redirect or header by the framework and again by Node's setter: one
// report per input is enough for these.
const ONE_REPORT_PER_INPUT = new Set(['url', 'redirect', 'header']);

/**
 * Whether this report repeats one the request already wrote. A report does not stop
 * the call, so a file served through several hooked layers (res.download, fs.stat,
 * fs.open, createReadStream), a retried query or a driver running a query through two
 * hooked layers would otherwise write the same event again.
 */
function alreadyReported(context, verdict, kind, resource) {
  const seen = `${kind}\0${ONE_REPORT_PER_INPUT.has(kind) ? '' : String(resource)}\0${verdict.inputIndex}`;
  if (context.reported === null) context.reported = new Set();
  else if (context.reported.has(seen)) return true;
  context.reported.add(seen);
  return false;
}

// Payload inspection (docs/detection/payload.md): the policy's `malicious_payload`
// protection judges the request's inputs on their own, without a sink. Unless it is off,
// every request is inspected as it arrives (http.js calls `atRequestStart` before the
// application sees it): method, URL with its query string, headers and cookies. The body
// and route parameters only exist once the framework parsed them, so the first sink that
// reads them inspects them too, before its own check. One finding per request at most:
// the core reports the first, and a request that had one is not inspected again.

let payloadEngine = null;
let payloadOn = false;

/** Whether the engine in force inspects requests as they arrive (cached per engine). */
function inspectsPayloads() {
  const engine = state.engine;
  if (engine !== payloadEngine) {
    payloadEngine = engine;
    try {
      payloadOn = engine !== null && engine[kNative].inspectsPayloads === true;
    } catch {
      payloadOn = false;
    }
  }
  return payloadOn;
}

/**
 * Inspects a request that just arrived, inside its context. Returns null (serve it) or
 * the RampartBlockedError of the block page already sent: the application must not see
 * the request. An internal error is an error event and the request goes on (unless the
 * policy says fail_closed).
 */
function atRequestStart(context) {
  const engine = state.engine;
  if (engine === null) return null;
  try {
    context.payloadPending = true;
    return inspectPayload(engine, context, context.inputs(), -1);
  } catch (error) {
    context.payloadPending = false;
    return onInternalError(engine, context, 'request', 'request', error);
  }
}

/**
 * At a sink: the inputs were read again with a parsed body or route parameters. Only the
 * inputs added since the arrival's inspection are judged (`payloadFrom`), unless the
 * inputs were all read again.
 */
function inspectParsed(engine, context, request) {
  context.payloadDue = false;
  try {
    return inspectPayload(engine, context, request, context.payloadFrom);
  } catch (error) {
    context.payloadPending = false;
    return onInternalError(engine, context, 'request', 'request', error);
  }
}

/**
 * `from`: -1 as the request arrives, else at a sink, the first input to judge; the event
 * of a finding at a sink carries the stack of the sink call (captured only then).
 */
function inspectPayload(engine, context, request, from) {
  const atSink = from >= 0;
  const found = atSink
    ? native.inspectFrom(engine[kHandle], request[kHandle], from)
    : native.inspect(engine[kHandle], request[kHandle]);
  if (found === null || found.action === 'allow') return null;
  context.payloadPending = false;
  findings++;
  const verdict = Verdict.fromNative(found);
  const eventId = native.newEventId();
  const facts = context.eventFacts();
  // No sink: the event quotes the offending value, or the path for a rule on the request.
  const input = verdict.inputIndex === null ? null : request.input(verdict.inputIndex);
  const resource = input !== null ? input.value : context.seenPath;
  const json = engine.eventJson(request, verdict, 'request', resource, {
    operation: 'request',
    eventId,
    clientIp: facts.clientIp,
    userAgent: facts.userAgent,
    requestId: facts.requestId,
    stack: atSink ? captureStack() : [],
  });
  if (json !== null) writeEvent(json);
  if (!verdict.isBlock) return null;
  return block(engine, context, { threat: verdict.threat, reason: verdict.reason, operation: 'request', eventId });
}

function onFinding(engine, context, request, verdict, kind, operation, resource) {
  findings++;
  if (!verdict.isBlock && alreadyReported(context, verdict, kind, resource)) return null;
  const eventId = native.newEventId();
  const facts = context.eventFacts();
  const json = engine.eventJson(request, verdict, kind, resource, {
    operation,
    eventId,
    clientIp: facts.clientIp,
    userAgent: facts.userAgent,
    requestId: facts.requestId,
    stack: captureStack(),
  });
  if (json !== null) writeEvent(json);
  if (!verdict.isBlock) return null;
  return block(engine, context, { threat: verdict.threat, reason: verdict.reason, operation, eventId });
}

function block(engine, context, details) {
  if (context.blockedEventId === null) {
    context.blockedEventId = details.eventId;
    sendBlockPage(context.res, engine.blockResponse(details.eventId));
  }
  return new RampartBlockedError(details);
}

function onInternalError(engine, context, kind, operation, error) {
  try {
    // The block page quotes the error event's id, as it quotes a finding's.
    const eventId = native.newEventId();
    writeError(kind, operation, fromNative(error), { stack: captureStack(), failedClosed: engine.failClosed, eventId });
    if (!engine.failClosed) return null;
    return block(engine, context, { threat: 'internal_error', reason: null, operation, eventId });
  } catch {
    return null;
  }
}

/** The JavaScript stack of the sink call, innermost first, without rampart's frames. */
function captureStack() {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const holder = {};
  Error.captureStackTrace(holder, captureStack);
  Error.stackTraceLimit = limit;
  const frames = [];
  for (const line of String(holder.stack).split('\n')) {
    const frame = line.trim();
    if (!frame.startsWith('at ') || frame.includes(LIB_DIR)) continue;
    frames.push(frame.slice(3));
    if (frames.length === 30) break;
  }
  return frames;
}

const GENERIC_DIALECT = dialectCode('generic');

function checkSql(engine, request, dialect, query) {
  return native.checkSql(engine, request, dialect, query);
}

/**
 * SQL sinks: `query` is about to be sent to a database of `dialect`. Returns null or the
 * RampartBlockedError the call must fail with.
 */
function sql(operation, dialect, query) {
  if (state.engine === null) return null;
  let code;
  try {
    code = dialectCode(dialect);
  } catch {
    code = GENERIC_DIALECT; // a hook naming a dialect we do not know: still check
  }
  return inspect('sql', operation, query, checkSql, code);
}

const SQLITE_DIALECT = dialectCode('sqlite');

/** `sql` for the SQLite drivers: the dialect is known when the hook is written. */
function sqlite(operation, query) {
  return inspect('sql', operation, query, checkSql, SQLITE_DIALECT);
}

const checkShell = (engine, request, _arg, command) => native.checkShell(engine, request, command);
const checkExec = (engine, request, argv) => native.checkExec(engine, request, argv);
const checkNosql = (engine, request, _arg, filter) => native.checkNosql(engine, request, filter);
const checkPath = (engine, request, _arg, path) => native.checkPath(engine, request, path);
const checkUrl = (engine, request, _arg, url) => native.checkUrl(engine, request, url);
const checkResolvedIp = (engine, request, host, ip) => native.checkResolvedIp(engine, request, host, ip);
const checkRedirect = (engine, request, _arg, location) => native.checkRedirect(engine, request, location);
const checkHeader = (engine, request, name, value) => native.checkHeader(engine, request, name, value);

/** A command string about to run through `sh -c`. */
function shell(operation, command) {
  return inspect('shell', operation, command, checkShell, null);
}

/**
 * A program about to run without a shell: `argv` is the program then its arguments
 * (strings or Buffers). The event shows them joined by one space, where the span points.
 */
function exec(operation, argv) {
  if (state.engine === null || currentContext() === undefined) return null;
  const args = [];
  for (const arg of argv) args.push(typeof arg === 'string' || Buffer.isBuffer(arg) ? arg : String(arg));
  return inspect('exec', operation, args.join(' '), checkExec, args);
}

/** A MongoDB-style filter, as JSON text, about to be sent to the database. */
function nosql(operation, filterJson) {
  return inspect('nosql', operation, filterJson, checkNosql, null);
}

/**
 * A file path about to be opened, listed, written or deleted. When path.join/resolve
 * built it from `..` during this request (hooks/path.js), the text it was built from is
 * checked first: that is where the user's `../../etc/passwd` still occurs.
 */
function path_(operation, filePath) {
  const context = currentContext();
  if (context !== undefined && context.builtPaths !== null && typeof filePath === 'string') {
    const built = context.builtPathOf(filePath);
    if (built !== undefined) {
      const before = findings;
      const blocked = inspect('path', operation, built, checkPath, null);
      if (blocked !== null || findings !== before) return blocked;
    }
  }
  return inspect('path', operation, filePath, checkPath, null);
}

/** A URL an HTTP client is about to fetch. */
function url(operation, target) {
  return inspect('url', operation, target, checkUrl, null);
}

/** At connect time: `host` resolved to the address `ip` (text) the socket will use. */
function resolvedIp(operation, host, ip) {
  if (typeof host !== 'string') return null;
  return inspect('url', operation, ip, checkResolvedIp, host);
}

/** The `Location` of a redirect the application answers with. */
function redirect(operation, location) {
  return inspect('redirect', operation, location, checkRedirect, null);
}

// The core's own first test for a header (Engine::check_header): only a value holding CR,
// LF or NUL, or a name holding a byte outside RFC 9110's token characters, can split a
// response; any other header is allowed without looking at the inputs. Asked here first,
// the answer is the same, and the several headers every response sets (Express sets four)
// cost no native call and do not make a request read its inputs.
const VALUE_MAY_SPLIT = /[\r\n\0]/;
const NAME_MAY_SPLIT = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** Whether the core would allow this header without looking at the inputs. */
function headerCannotSplit(name, value) {
  return !VALUE_MAY_SPLIT.test(value) && !NAME_MAY_SPLIT.test(name);
}

/** A response header about to be set. */
function header(operation, name, value) {
  if (typeof name !== 'string') return null;
  if (typeof value === 'string' && headerCannotSplit(name, value)) return null;
  return inspect('header', operation, value, checkHeader, name);
}

module.exports = {
  state,
  inspect,
  inspectsPayloads,
  atRequestStart,
  sql,
  sqlite,
  shell,
  exec,
  nosql,
  path: path_,
  url,
  resolvedIp,
  redirect,
  header,
  headerCannotSplit,
  captureStack,
  Engine,
};
