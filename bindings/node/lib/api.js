'use strict';
// The low-level API: Engine, Request, Verdict. The hooks use the same objects.

const native = require('./native');
const { fromNative, InvalidArgumentError } = require('./errors');

const kNative = Symbol('rampart.native');
/** The number naming the native object in the check functions (no unwrap per call). */
const kHandle = Symbol('rampart.handle');
/** Inputs added since the last reset, counted here so the hot path asks nothing native. */
const kCount = Symbol('rampart.count');

const SOURCES = new Set(['query', 'body', 'path', 'header', 'cookie', 'other', 'file']);

/** The outcome of a check. Immutable; `Verdict.ALLOW` when nothing was found. */
class Verdict {
  constructor(fields) {
    this.action = fields.action;
    this.threat = fields.threat ?? null;
    this.reason = fields.reason ?? null;
    this.inputIndex = fields.inputIndex ?? null;
    this.span = fields.span ?? null;
    this.ruleId = fields.ruleId ?? 0;
    Object.freeze(this);
  }

  /** True when the check found an attack (whatever the action). */
  get isAttack() {
    return this.threat !== null;
  }

  /** True when the call must be stopped. */
  get isBlock() {
    return this.action === 'block';
  }

  static fromNative(found) {
    if (found === null || found === undefined) return Verdict.ALLOW;
    return new Verdict({
      action: found.action,
      threat: found.threat,
      reason: found.reason,
      inputIndex: found.inputIndex,
      span: found.spanStart == null ? null : Object.freeze({ start: found.spanStart, end: found.spanEnd }),
      ruleId: found.ruleId,
    });
  }

  /** The shape the native addon reads back. */
  toNative() {
    return {
      action: this.action,
      threat: this.threat ?? undefined,
      reason: this.reason ?? undefined,
      inputIndex: this.inputIndex ?? undefined,
      spanStart: this.span ? this.span.start : undefined,
      spanEnd: this.span ? this.span.end : undefined,
      ruleId: this.ruleId,
    };
  }
}
Verdict.ALLOW = new Verdict({ action: 'allow' });

/**
 * The user inputs of one HTTP request: `(source, key, value)` triples. Reusable with
 * `reset()`.
 */
class Request {
  constructor() {
    this[kNative] = new native.NativeRequest();
    this[kHandle] = this[kNative].handle;
    this[kCount] = 0;
  }

  /**
   * Adds one input. `source` is query | body | path | header | cookie | other; `key` the
   * dotted path (`user.address.city`, `ids[2]`); `value` a string or bytes.
   */
  addInput(source, key, value) {
    if (!SOURCES.has(source)) throw new InvalidArgumentError(`unknown input source \`${source}\``);
    call(() => this[kNative].addInput(source, String(key), toText(value)));
    this[kCount]++;
    return this;
  }

  setMethod(method) {
    this[kNative].setMethod(String(method));
    return this;
  }

  setPath(path) {
    this[kNative].setPath(String(path));
    return this;
  }

  setRoute(route) {
    this[kNative].setRoute(String(route));
    return this;
  }

  /** The `Host` header the request came with: redirects to it are not open redirects. */
  setHost(host) {
    this[kNative].setHost(toText(host));
    return this;
  }

  /** Forgets every input, keeping the buffers for the next request. */
  reset() {
    this[kNative].reset();
    this[kCount] = 0;
    return this;
  }

  get length() {
    return this[kCount];
  }

  /** The input at `index` as `{ source, key, value }`, or `null`. */
  input(index) {
    return this[kNative].input(index) ?? null;
  }
}

/**
 * A compiled policy. Build one at start-up and share it: every check is synchronous,
 * allocation-free in the core, and safe to call from any request.
 */
class Engine {
  /**
   * @param policy a policy object, its JSON text, or nothing for the default policy
   *   (report mode). Throws InvalidPolicyError naming the bad field.
   */
  constructor(policy) {
    if (policy instanceof native.NativeEngine) {
      this[kNative] = policy;
    } else {
      const json = policy === undefined || policy === null || typeof policy === 'string' ? policy : JSON.stringify(policy);
      this[kNative] = call(() => new native.NativeEngine(json ?? undefined));
    }
    this[kHandle] = this[kNative].handle;
  }

  /** The policy of RAMPART_POLICY (a file) with RAMPART_MODE applied. */
  static fromEnv() {
    return new Engine(call(() => native.NativeEngine.fromEnv()));
  }

  /** `off`, `report` or `block`. */
  get mode() {
    return this[kNative].mode;
  }

  /** Whether a hook that fails internally stops the call (policy `fail_closed`). */
  get failClosed() {
    return this[kNative].failClosed;
  }

  /** The policy's `version` (events carry it as `engine.policy_version`). */
  get policyVersion() {
    return this[kNative].policyVersion;
  }

  /**
   * Did an input of `request` change the structure of `query`? `dialect` is mysql,
   * postgresql, sqlite, mssql, oracle or generic (aliases: mariadb, postgres, ...).
   */
  checkSql(request, dialect, query) {
    const code = dialectCode(dialect);
    return Verdict.fromNative(call(() => native.checkSql(this[kHandle], request[kHandle], code, toText(query))));
  }

  /** Did an input change the structure of `command`, about to run through `sh -c`? */
  checkShell(request, command) {
    return Verdict.fromNative(call(() => native.checkShell(this[kHandle], request[kHandle], toText(command))));
  }

  /** Did an input choose the program or inject an option of `argv` (program first, no shell)? */
  checkExec(request, argv) {
    if (!Array.isArray(argv)) throw new InvalidArgumentError('argv must be an array');
    const args = argv.map(toText);
    return Verdict.fromNative(call(() => native.checkExec(this[kHandle], request[kHandle], args)));
  }

  /** Did an input bring a query operator into `filter`, a MongoDB filter as JSON text? */
  checkNosql(request, filter) {
    return Verdict.fromNative(call(() => native.checkNosql(this[kHandle], request[kHandle], toText(filter))));
  }

  /** Did an input take `path` out of the directory the application meant? */
  checkPath(request, path) {
    return Verdict.fromNative(call(() => native.checkPath(this[kHandle], request[kHandle], toText(path))));
  }

  /** Did an input point `url`, about to be fetched, somewhere internal (SSRF)? */
  checkUrl(request, url) {
    return Verdict.fromNative(call(() => native.checkUrl(this[kHandle], request[kHandle], toText(url))));
  }

  /** At connect time: `host` (from an input) resolved to the internal address `ip`? */
  checkResolvedIp(request, host, ip) {
    return Verdict.fromNative(
      call(() => native.checkResolvedIp(this[kHandle], request[kHandle], toText(host), toText(ip))),
    );
  }

  /** Did an input send the redirect `location` to another site (open redirect)? */
  checkRedirect(request, location) {
    return Verdict.fromNative(call(() => native.checkRedirect(this[kHandle], request[kHandle], toText(location))));
  }

  /**
   * Does an input of `request` (or its method and path) carry a malicious payload (SQL
   * injection, XSS, shell, traversal, SSRF URL) or match a rule? No sink needed.
   */
  inspect(request) {
    return Verdict.fromNative(call(() => native.inspect(this[kHandle], request[kHandle])));
  }

  /** Did an input bring a line break into the response header `name: value`? */
  checkHeader(request, name, value) {
    return Verdict.fromNative(
      call(() => native.checkHeader(this[kHandle], request[kHandle], toText(name), toText(value))),
    );
  }

  /**
   * The event JSON line (no newline) of a finding, or `null` for `Verdict.ALLOW`.
   * `context`: { operation, eventId, clientIp, userAgent, requestId, stack: string[] }.
   */
  eventJson(request, verdict, sinkKind, resource, context) {
    if (!verdict.isAttack) return null;
    return call(
      () => this[kNative].eventJson(request[kNative], verdict.toNative(), sinkKind, toText(resource), context) ?? null,
    );
  }

  /** The policy's block page for an event: `{ status, contentType, body }`. */
  blockResponse(eventId) {
    return this[kNative].blockResponse(String(eventId ?? ''));
  }
}

const dialectCodes = new Map();

/** The native code of a dialect name, looked up once per name. Throws for an unknown one. */
function dialectCode(name) {
  let code = dialectCodes.get(name);
  if (code === undefined) {
    code = call(() => native.dialectCode(String(name)));
    if (dialectCodes.size < 64) dialectCodes.set(name, code);
  }
  return code;
}

function toText(value) {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return String(value);
}

function call(fn) {
  try {
    return fn();
  } catch (error) {
    throw fromNative(error);
  }
}

module.exports = { Engine, Request, Verdict, kNative, kHandle, kCount, toText, dialectCode };
