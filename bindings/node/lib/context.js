'use strict';
// The request context: which HTTP request a sink call belongs to, and its inputs.
//
// One RequestContext is entered (AsyncLocalStorage) for every incoming request, before
// any framework code runs (see http.js), so it follows the request through callbacks,
// promises and timers. Inputs are read lazily at the request's first sink call, from
// what the framework parsed by then (query, body, route parameters, cookies) plus the
// headers, and read again when the framework's parsed objects changed since (a body
// parser that ran after an early sink call).
//
// Per-request cost is what decides the overhead under load, so: the native requests are
// pooled (an HTTP request borrows one at its first sink call; the least recently used
// is taken back when the pool is exhausted, and its context re-reads its inputs if it
// ever needs them again), and the inputs cross to the native side packed into one
// string and one Uint32Array instead of one string per key and value.

const { AsyncLocalStorage } = require('node:async_hooks');
const native = require('./native');
const { Request, kHandle, kCount } = require('./api');
const { SOURCE_CODES } = require('./sources');
const { flatten, LIMITS } = require('./flatten');

const storage = new AsyncLocalStorage();

/**
 * How to read the parsed request of a framework. `target` is the object the framework
 * hands its handlers: the Node request for Express/connect/plain http, Koa's ctx, a
 * Fastify request. Every method must be cheap: the change check calls them per sink.
 */
const nodeView = {
  url: (req) => req.originalUrl || req.url || '',
  query: (req) => (req.query !== undefined ? req.query : queryFromUrl(req.url)),
  body: (req) => req.body,
  params: (req) => req.params,
  cookies: (req) => req.cookies,
  route: (req) => req.route,
  routeText: (req) => (req.route ? `${req.baseUrl || ''}${String(req.route.path)}` : ''),
  clientIp: (req) => req.ip || (req.socket && req.socket.remoteAddress) || '',
};

class RequestContext {
  constructor(req, res) {
    this.req = req;
    this.res = res;
    this.view = nodeView;
    this.target = req;
    /** Event id of the block page sent for this request, once one was. */
    this.blockedEventId = null;
    /** The pool slot holding this request's inputs, or null. */
    this.slot = null;
    this.seenUrl = null;
    this.seenBody = undefined;
    this.seenParams = undefined;
    this.seenCookies = undefined;
    this.seenRoute = undefined;
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
    const cookies = view.cookies(target);
    const route = view.route(target);
    const slot = this.slot;
    if (
      slot !== null &&
      url === this.seenUrl &&
      body === this.seenBody &&
      params === this.seenParams &&
      cookies === this.seenCookies &&
      route === this.seenRoute
    ) {
      slot.used = ++clock;
      return slot.request;
    }
    this.seenUrl = url;
    this.seenBody = body;
    this.seenParams = params;
    this.seenCookies = cookies;
    this.seenRoute = route;
    const held = slot !== null ? slot : acquire(this);
    fill(held.request, this.req, view, target, url, body, params, cookies);
    return held.request;
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

/**
 * Native requests shared by the contexts of this thread. Only one sink call runs at a
 * time (JavaScript is single-threaded and checks are synchronous), so a request needs
 * its own native request only while other requests interleave with it.
 */
const POOL_SIZE = 64;
const pool = [];
let clock = 0;

function acquire(context) {
  let slot;
  if (pool.length < POOL_SIZE) {
    slot = { request: new Request(), owner: null, used: 0 };
    pool.push(slot);
  } else {
    slot = pool[0];
    for (let i = 1; i < pool.length; i++) if (pool[i].used < slot.used) slot = pool[i];
  }
  if (slot.owner !== null) slot.owner.slot = null; // it re-reads its inputs if it needs them
  slot.owner = context;
  slot.used = ++clock;
  context.slot = slot;
  return slot;
}

/** The lengths of the packed parts (grown on demand, reused). */
let layout = new Uint32Array(4 + 3 * 64);

function fill(request, req, view, target, url, body, params, cookies) {
  const flat = [];
  const add = (source, key, value) => flat.push(source, key, value);
  const budget = { left: LIMITS.maxInputs };
  flatten('query', '', view.query(target), add, budget);
  flatten('body', '', body, add, budget);
  if (params && typeof params === 'object') {
    for (const key of Object.keys(params)) flatten('path', key, params[key], add, budget);
  }
  const headers = req.headers || {};
  for (const name of Object.keys(headers)) {
    if (name === 'cookie' || budget.left <= 0) continue;
    flatten('header', name, headers[name], add, budget);
  }
  const jar = cookies && typeof cookies === 'object' ? cookies : parseCookies(headers.cookie);
  for (const name of Object.keys(jar)) flatten('cookie', name, jar[name], add, budget);
  const queryStart = url.indexOf('?');
  const method = String(req.method || '');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const route = String(view.routeText(target));
  const host = typeof headers.host === 'string' ? headers.host : '';
  if (!loadPacked(request, method, path, route, host, flat)) {
    // A value given as bytes (a Buffer body): the general path.
    native.loadRequest(request[kHandle], method, path, route, flat);
    if (host !== '') native.setRequestHost(request[kHandle], host);
  }
  request[kCount] = flat.length / 3;
}

/** One crossing for the whole request; false when a value is not a string. */
function loadPacked(request, method, path, route, host, flat) {
  const inputs = flat.length / 3;
  if (layout.length < 4 + 3 * inputs) layout = new Uint32Array(4 + 3 * inputs);
  layout[0] = method.length;
  layout[1] = path.length;
  layout[2] = route.length;
  layout[3] = host.length;
  let text = `${method}\0${path}\0${route}\0${host}\0`;
  for (let i = 0, j = 4; i < flat.length; i += 3, j += 3) {
    const key = flat[i + 1];
    const value = flat[i + 2];
    if (typeof key !== 'string' || typeof value !== 'string') return false;
    layout[j] = SOURCE_CODES[flat[i]];
    layout[j + 1] = key.length;
    layout[j + 2] = value.length;
    text += `${key}\0${value}\0`;
  }
  native.loadRequestPacked(request[kHandle], text, layout.subarray(0, 4 + 3 * inputs));
  return true;
}

function queryFromUrl(url) {
  const start = typeof url === 'string' ? url.indexOf('?') : -1;
  if (start === -1) return undefined;
  const query = {};
  for (const [key, value] of new URLSearchParams(url.slice(start + 1))) {
    const previous = query[key];
    if (previous === undefined) query[key] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else query[key] = [previous, value];
  }
  return query;
}

function parseCookies(header) {
  const jar = {};
  if (typeof header !== 'string') return jar;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    const name = pair.slice(0, eq).trim();
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value[0] === '"' && value[value.length - 1] === '"') value = value.slice(1, -1);
    // Without a '%' there is nothing to decode (most cookies): skip the call and its try.
    if (value.includes('%')) {
      try {
        value = decodeURIComponent(value);
      } catch {
        // Not percent-encoded text: the raw value is what the app sees too.
      }
    }
    if (name !== '' && !(name in jar)) jar[name] = value;
  }
  return jar;
}

/** The context of the request being served, or undefined outside of one. */
function currentContext() {
  return storage.getStore();
}

module.exports = { storage, RequestContext, currentContext, nodeView, parseCookies };
