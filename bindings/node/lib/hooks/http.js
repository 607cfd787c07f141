'use strict';
// http and https: outgoing requests and the server's response headers.
//
//   http(s).request / get   the URL -> SSRF check
//   global fetch            the URL -> SSRF check (a refusal rejects the promise)
//   dns.lookup              at connect time, every address a name resolves to ->
//                           resolved-IP check: every socket Node opens by name (http,
//                           https, fetch/undici, net) resolves through it, so DNS rebinding
//                           and names that resolve inside are caught; a `lookup` option
//                           passed to http(s).request is wrapped the same way
//   ServerResponse          setHeader(name, value) -> header check; a Location header
//                           (Koa's ctx.redirect, plain handlers) -> open-redirect check
//                           writeHead(status, headers) -> the same for the headers given
//                           there (Fastify's reply.redirect sends them that way)
//
// A refused request throws (as http.request does for an invalid URL); a refused address
// fails the connection: the request emits 'error' with the RampartBlockedError.

const dns = require('node:dns');
const agent = require('../agent');
const { currentContext } = require('../context');
const { wrapMethod } = require('./wrap');

/** The URL text an http.request call will fetch, as http.request reads its arguments. */
function requestUrl(args, defaultProtocol) {
  let url = null;
  let options = null;
  if (typeof args[0] === 'string') url = args[0];
  else if (args[0] instanceof URL) url = args[0].href;
  else if (args[0] !== null && typeof args[0] === 'object') options = args[0];
  if (url !== null && args[1] !== null && typeof args[1] === 'object') options = args[1];
  if (options === null) return { url, options };
  if (url !== null && !options.host && !options.hostname) return { url, options };
  const protocol = options.protocol || defaultProtocol;
  const host = options.hostname || options.host || 'localhost';
  const port = options.port ? `:${options.port}` : '';
  const hostText = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return { url: `${protocol}//${hostText}${port}${options.path || '/'}`, options };
}

/** A `lookup` that checks each address the name resolves to before the socket uses it. */
function checkedLookup(operation, lookup) {
  return function rampartLookup(hostname, options, callback) {
    if (typeof options === 'function') {
      callback = options;
      options = {};
    } else if (typeof options === 'number') {
      options = { family: options };
    }
    return lookup(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      const addresses = Array.isArray(address) ? address : [{ address, family }];
      for (const entry of addresses) {
        const blocked = agent.resolvedIp(operation, hostname, String(entry.address));
        if (blocked !== null) return callback(blocked);
      }
      return callback(null, address, family);
    });
  };
}

function wrapRequest(module, name, defaultProtocol, prefix) {
  const operation = `${prefix}.${name}`;
  wrapMethod(module, name, (original) =>
    function rampartHttpRequest() {
      if (agent.state.engine === null || currentContext() === undefined) return original.apply(this, arguments);
      const { url, options } = requestUrl(arguments, defaultProtocol);
      if (url !== null) {
        const blocked = agent.url(operation, url);
        if (blocked !== null) throw blocked;
      }
      if (options === null || typeof options.lookup !== 'function') return original.apply(this, arguments);
      // The app's own resolver bypasses dns.lookup: check what it answers.
      const args = Array.prototype.slice.call(arguments);
      args[args.indexOf(options)] = { ...options, lookup: checkedLookup(operation, options.lookup) };
      return original.apply(this, args);
    },
  );
}

function wrapLookup() {
  wrapMethod(dns, 'lookup', (original) => {
    const checked = checkedLookup('dns.lookup', (hostname, options, callback) => original.call(dns, hostname, options, callback));
    return function rampartDnsLookup(hostname, options, callback) {
      const last = typeof options === 'function' ? options : callback;
      if (
        agent.state.engine === null ||
        currentContext() === undefined ||
        typeof hostname !== 'string' ||
        typeof last !== 'function'
      ) {
        return original.apply(this, arguments);
      }
      return checked(hostname, options, callback);
    };
  });
}

function wrapFetch() {
  wrapMethod(globalThis, 'fetch', (original) =>
    function rampartFetch(input) {
      let url = null;
      if (typeof input === 'string') url = input;
      else if (input instanceof URL) url = input.href;
      else if (input !== null && typeof input === 'object' && typeof input.url === 'string') url = input.url;
      if (url !== null) {
        const blocked = agent.url('fetch', url);
        if (blocked !== null) return Promise.reject(blocked);
      }
      return original.apply(this, arguments);
    },
  );
}

/** Set while a framework's own redirect hook already judged this response's Location. */
const kLocationChecked = Symbol.for('rampart.locationChecked');
const kWritingBlockPage = Symbol.for('rampart.writingBlockPage');

function checkHeader(res, operation, name, value) {
  if (typeof value === 'string') return checkHeaderValue(res, operation, name, value);
  if (!Array.isArray(value)) return null;
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') continue;
    const blocked = checkHeaderValue(res, operation, name, value[i]);
    if (blocked !== null) return blocked;
  }
  return null;
}

// An ordinary header costs two regex tests and nothing else (see agent.header); only a
// Location header is also a redirect.
function checkHeaderValue(res, operation, name, value) {
  const location = name.length === 8 && name.toLowerCase() === 'location';
  if (!location && agent.headerCannotSplit(name, value)) return null;
  if (res[kWritingBlockPage]) return null;
  const blocked = agent.header(operation, name, value);
  if (blocked !== null || !location || res[kLocationChecked]) return blocked;
  return agent.redirect(operation, value);
}

function wrapSetHeader(ServerResponse) {
  // Node refuses a header that could split the response itself (ERR_INVALID_CHAR,
  // ERR_INVALID_HTTP_TOKEN: CR, LF, NUL and other controls in a value, a name that is not
  // a token), a superset of what the header check can find. So an ordinary header costs
  // one try, and the check runs when Node refused (then the finding is reported, or
  // blocked, before Node's own error goes on); a Location header is a redirect and is
  // checked first.
  wrapMethod(ServerResponse.prototype, 'setHeader', (original) =>
    function rampartSetHeader(name, value) {
      if (typeof name === 'string' && name.length === 8 && name.toLowerCase() === 'location') {
        const blocked = checkHeader(this, 'http.ServerResponse.setHeader', name, value);
        if (blocked !== null) throw blocked;
        return original.apply(this, arguments);
      }
      try {
        return original.apply(this, arguments);
      } catch (error) {
        if (typeof name === 'string') {
          const blocked = checkHeader(this, 'http.ServerResponse.setHeader', name, value);
          if (blocked !== null) throw blocked;
        }
        throw error;
      }
    },
  );
  wrapMethod(ServerResponse.prototype, 'writeHead', (original) =>
    function rampartWriteHead(status, reason, headers) {
      const given = typeof reason === 'string' ? headers : reason;
      if (given !== null && typeof given === 'object' && !Array.isArray(given)) {
        for (const name of Object.keys(given)) {
          const blocked = checkHeader(this, 'http.ServerResponse.writeHead', name, given[name]);
          if (blocked !== null) throw blocked;
        }
      }
      return original.apply(this, arguments);
    },
  );
}

function patch(http, _load, request) {
  if (!http || typeof http.request !== 'function') return false;
  const secure = request === 'https' || request === 'node:https';
  const prefix = secure ? 'https' : 'http';
  wrapRequest(http, 'request', secure ? 'https:' : 'http:', prefix);
  wrapRequest(http, 'get', secure ? 'https:' : 'http:', prefix);
  if (!secure) {
    wrapSetHeader(http.ServerResponse);
    wrapLookup();
    if (typeof globalThis.fetch === 'function') wrapFetch();
  }
  return true;
}

module.exports = { kLocationChecked, name: 'http', modules: ['http', 'https', 'node:http', 'node:https'], builtin: true, patch };
