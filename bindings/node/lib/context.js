'use strict';
// The request context: which HTTP request a sink call belongs to, and its inputs.
//
// One RequestContext is entered (AsyncLocalStorage) for every incoming request, before
// any framework code runs (see http.js), so it follows the request through callbacks,
// promises and timers. Entering it is all a request that reaches no sink pays for.
// Inputs are read lazily at the request's first sink call: the URL and the raw header
// lines as received, plus what the framework parsed by then (body, route parameters),
// and read again when those changed since (a body parser that ran after an early sink).
// The core's collector turns them into inputs, by the rules every rampart agent shares.
// When the policy inspects requests for malicious payloads (agent.js), the inputs are
// read once more at request start, from what exists before any framework runs.
//
// Per-request cost is what decides the overhead under load, so: the native requests are
// pooled (an HTTP request borrows one at its first sink call; the pool lends its slots
// in turn, and a context whose slot was lent to a later request re-reads its inputs if
// it ever needs them again), and the whole request crosses to the native side in one
// call with one string.

const { AsyncLocalStorage } = require('node:async_hooks');
const native = require('./native');
const { Request, kHandle, kCount } = require('./api');

const storage = new AsyncLocalStorage();

/**
 * How to read the parsed request of a framework. `target` is the object the framework
 * hands its handlers: the Node request for Express/connect/plain http, Koa's ctx, a
 * Fastify request. Every method must be cheap: the change check calls them per sink.
 */
const nodeView = {
  url: (req) => req.originalUrl || req.url || '',
  body: (req) => req.body,
  params: (req) => req.params,
  route: (req) => req.route,
  routeText: (req) => (req.route ? `${req.baseUrl || ''}${String(req.route.path)}` : ''),
  clientIp: (req) => req.ip || (req.socket && req.socket.remoteAddress) || '',
};

/** Built paths a request remembers: enough for the paths one handler builds. */
const MAX_BUILT_PATHS = 8;

class RequestContext {
  // Every request pays for its context, sink or not: the constructor writes only what
  // every request needs. What only a request that reads its inputs writes (the URL and
  // parsed objects it read them from) or few requests ever write (a block, built paths,
  // reports) starts on the prototype (below the class), and becomes the context's own when
  // written. Not on the pool slot: a slot lives long in the old generation, and each
  // store of a young string or object into it costs the garbage collector's write barrier.
  constructor(req, res) {
    this.req = req;
    this.res = res;
    this.view = nodeView;
    this.target = req;
    /** The pool slot holding this request's inputs, or null. */
    this.slot = null;
    /**
     * Payload inspection (agent.js): true from request start until the framework's parsed
     * body has been inspected or a payload was found; `payloadDue` once inputs were read
     * again with a body or route parameters the start could not see.
     */
    this.payloadPending = false;
    this.payloadDue = false;
  }

  /** Remembers that `result` was normalised from `built` (the last few only). */
  rememberBuiltPath(result, built) {
    if (result === built) return;
    if (this.builtPaths === null) this.builtPaths = [];
    if (this.builtPaths.length >= 2 * MAX_BUILT_PATHS) this.builtPaths.splice(0, 2);
    this.builtPaths.push(result, built);
  }

  /** What `result` was built from, if path.join/resolve made it from `..` in this request. */
  builtPathOf(result) {
    const built = this.builtPaths;
    if (built === null) return undefined;
    for (let i = built.length - 2; i >= 0; i -= 2) if (built[i] === result) return built[i + 1];
    return undefined;
  }

  /** Switches to a framework's view of the request (the framework adapters call it). */
  useView(view, target) {
    this.view = view;
    this.target = target;
  }

  /** The request's inputs, read now if the framework's parsed objects changed. */
  inputs() {
    const view = this.view;
    const target = this.target;
    const url = view.url(target);
    const body = view.body(target);
    const params = view.params(target);
    const route = view.route(target);
    const slot = this.slot;
    if (
      slot !== null &&
      url === this.seenUrl &&
      body === this.seenBody &&
      params === this.seenParams &&
      route === this.seenRoute
    ) {
      return slot.request;
    }
    // The common second read: the request line and headers read as the request arrived
    // are still in the slot, and the framework has parsed a body or route since. Only
    // what it parsed crosses and is collected (and inspected, see agent.js).
    const addOnly = slot !== null && !this.partsRead && url === this.seenUrl;
    this.seenUrl = url;
    this.seenBody = body;
    this.seenParams = params;
    this.seenRoute = route;
    const held = slot !== null ? slot : acquire(this);
    const from = addOnly ? held.request[kCount] : 0;
    const parsed = fill(held.request, this.req, view, target, String(url), body, params, addOnly);
    if (parsed !== 0) this.partsRead = true;
    if (this.payloadPending && parsed !== 0) {
      this.payloadDue = true;
      this.payloadFrom = from;
      if (parsed & PARSED_BODY) this.payloadPending = false;
    }
    return held.request;
  }

  /** The path of the URL the inputs were last read from (for an event about the request). */
  get seenPath() {
    const url = String(this.seenUrl ?? '');
    const query = url.indexOf('?');
    return query === -1 ? url : url.slice(0, query);
  }

  /** The request this context's inputs are loaded in, if it still holds a pool slot. */
  get request() {
    return this.slot === null ? null : this.slot.request;
  }

  /** What an event says about the request beyond its inputs. */
  eventFacts() {
    const headers = this.req.headers || {};
    return {
      clientIp: String(this.view.clientIp(this.target) || ''),
      userAgent: String(headers['user-agent'] || ''),
      requestId: String(headers['x-request-id'] || headers['x-correlation-id'] || ''),
    };
  }
}

/** The URL and parsed objects the inputs were last read from (`inputs`). */
RequestContext.prototype.seenUrl = null;
RequestContext.prototype.seenBody = undefined;
RequestContext.prototype.seenParams = undefined;
RequestContext.prototype.seenRoute = undefined;
/** Whether the slot's inputs include a parsed body or route parameters. */
RequestContext.prototype.partsRead = false;
/** Event id of the block page sent for this request, once one was. */
RequestContext.prototype.blockedEventId = null;
/** [result, as built, ...] of the paths path.join/resolve built from `..` (hooks/path.js). */
RequestContext.prototype.builtPaths = null;
/** What this request already reported (agent.js), or null. */
RequestContext.prototype.reported = null;
/** The first input `payloadDue` concerns: those added since the last inspection. */
RequestContext.prototype.payloadFrom = 0;

/**
 * Native requests shared by the contexts of this thread. Only one sink call runs at a
 * time (JavaScript is single-threaded and checks are synchronous), so a request needs
 * its own native request only while other requests interleave with it. Slots are lent
 * in turn: the one lent longest ago goes next, which costs no search, and with fewer than
 * POOL_SIZE requests in flight it is one that finished.
 */
const POOL_SIZE = 64;
const pool = [];
let nextSlot = 0;

function acquire(context) {
  let slot;
  if (pool.length < POOL_SIZE) {
    slot = { request: new Request(), owner: null };
    pool.push(slot);
  } else {
    slot = pool[nextSlot];
    nextSlot = nextSlot + 1 === POOL_SIZE ? 0 : nextSlot + 1;
    if (slot.owner !== null) slot.owner.slot = null; // it re-reads all its inputs if it needs them
  }
  slot.owner = context;
  context.slot = slot;
  return slot;
}

/** What `fill` found beyond the request line and headers (bits). */
const PARSED_PARAMS = 1;
const PARSED_BODY = 2;

/**
 * Hands the request to the core's collector (rampart_core::collect, the rules every
 * agent shares) in one native call with one string: the method, the URL as received (its
 * query string is parsed natively), the route, the route parameters and a parsed body as
 * JSON, and the raw header lines, which include the Cookie header (every further string
 * would cost a conversion of its own, see collectRequest in src/lib.rs). None of these
 * parts holds a NUL of its own (HTTP forbids it in the request line and headers; JSON
 * escapes it), so NULs separate them. With `addOnly`, the request already holds the
 * request line and headers and only the route, route parameters and body are added, again
 * in one string. Returns which parsed parts it held (PARSED_PARAMS | PARSED_BODY).
 */
function fill(request, req, view, target, url, body, params, addOnly) {
  let bodyJson = '';
  let rawBody;
  if (body !== null && typeof body === 'object') {
    if (body instanceof Uint8Array) rawBody = body;
    else bodyJson = json(body);
  } else if (typeof body === 'string') {
    rawBody = body;
  } else if (typeof body === 'number' || typeof body === 'boolean' || typeof body === 'bigint') {
    rawBody = String(body);
  }
  const paramsJson = params !== null && typeof params === 'object' ? json(params) : '';
  const route = String(view.routeText(target));
  if (addOnly) {
    request[kCount] = native.collectParsed(request[kHandle], `${route}\0${paramsJson}\0${bodyJson}`, rawBody);
  } else {
    const text = `${String(req.method || '')}\0${url}\0${route}\0${paramsJson}\0${bodyJson}\0` + rawHeaderText(req);
    request[kCount] = native.collectRequest(request[kHandle], text, rawBody);
  }
  return (paramsJson === '' ? 0 : PARSED_PARAMS) | (bodyJson === '' && rawBody === undefined ? 0 : PARSED_BODY);
}

/**
 * JSON text of what a parser produced; empty when it has no JSON form (a cycle, a BigInt)
 * or is an empty object. Express's parsers leave `{}` on every request without a body,
 * and routes without parameters `{}` too: those cost no JSON text.
 */
function json(value) {
  if (Object.getPrototypeOf(value) === Object.prototype && isEmpty(value)) return '';
  try {
    const text = JSON.stringify(value);
    return text === undefined || text === '{}' ? '' : text;
  } catch {
    return '';
  }
}

/** Whether a plain object has no key of its own that JSON.stringify would write. */
function isEmpty(object) {
  for (const key in object) if (Object.prototype.hasOwnProperty.call(object, key)) return false;
  return true;
}

/** The header lines as `name\0value\0...`: Node's own array when there is one. */
function rawHeaderText(req) {
  const raw = req.rawHeaders;
  if (Array.isArray(raw)) return raw.join('\0');
  const headers = req.headers;
  if (headers === null || typeof headers !== 'object') return '';
  let text = '';
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (Array.isArray(value)) for (const v of value) text += `${name}\0${v}\0`;
    else if (value !== undefined) text += `${name}\0${value}\0`;
  }
  return text;
}

/** The context of the request being served, or undefined outside of one. */
function currentContext() {
  return storage.getStore();
}

module.exports = { storage, RequestContext, currentContext, nodeView };
