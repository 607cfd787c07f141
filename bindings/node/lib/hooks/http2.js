'use strict';
// http2: http2.connect(authority) opens a session to the URL's origin -> SSRF check on
// the authority (the session's requests then all go there). Addresses a name resolves
// to are checked at connect time by the dns.lookup hook (http.js).
//
// A refused session throws, as http2.connect does for an invalid authority.

const agent = require('../agent');
const { wrapMethod } = require('./wrap');

function patch(http2) {
  if (!http2 || typeof http2.connect !== 'function') return false;
  return wrapMethod(http2, 'connect', (original) =>
    function rampartHttp2Connect(authority) {
      const url = typeof authority === 'string' ? authority : authority instanceof URL ? authority.href : null;
      if (url !== null) {
        const blocked = agent.url('http2.connect', url);
        if (blocked !== null) throw blocked;
      }
      return original.apply(this, arguments);
    },
  );
}

module.exports = { name: 'http2', modules: ['http2', 'node:http2'], builtin: true, patch };
