'use strict';
// The request context: which HTTP request a sink call belongs to, and its inputs.
//
// One RequestContext is entered (AsyncLocalStorage) for every incoming request, before
// any framework code runs (see http.js), so it follows the request through callbacks,
// promises and timers. Inputs are read lazily at the request's first sink call, from
// what the framework parsed by then (query, body, route parameters, cookies) plus the
// headers, and read again when the framework's parsed objects changed since (a body
// parser that ran after an early sink call).

const { AsyncLocalStorage } = require('node:async_hooks');
const native = require('./native');
const { Request, kHandle, kCount } = require('./api');
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
    this.request = null;
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
    if (
      this.request !== null &&
      url === this.seenUrl &&
      body === this.seenBody &&
      params === this.seenParams &&
      cookies === this.seenCookies &&
      route === this.seenRoute
    ) {
      return this.request;
    }
    this.seenUrl = url;
    this.seenBody = body;
    this.seenParams = params;
    this.seenCookies = cookies;
    this.seenRoute = route;
    if (this.request === null) this.request = new Request();
    fill(this.request, this.req, view, target, url, body, params, cookies);
    return this.request;
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
  native.loadRequest(
    request[kHandle],
    String(req.method || ''),
    queryStart === -1 ? url : url.slice(0, queryStart),
    view.routeText(target),
    flat,
  );
  if (typeof headers.host === 'string') native.setRequestHost(request[kHandle], headers.host);
  request[kCount] = flat.length / 3;
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
    try {
      value = decodeURIComponent(value);
    } catch {
      // Not percent-encoded text: the raw value is what the app sees too.
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
