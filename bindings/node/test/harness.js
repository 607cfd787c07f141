'use strict';
// In-process harness for the hook tests: rampart loaded and configured, events written to
// a file, a plain http server on 127.0.0.1 whose handler runs a sink.

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { tempDir, readEvents, request } = require('./helpers');

const eventsFile = path.join(tempDir('events'), 'events.jsonl');
process.env.RAMPART_EVENTS = eventsFile;
const rampart = require('..');

/** Events written since the last call. */
let consumed = 0;
function takeEvents() {
  const events = readEvents(eventsFile);
  const fresh = events.slice(consumed);
  consumed = events.length;
  return fresh;
}

/**
 * Configures rampart for a hook test. These tests are about sinks: payload inspection at
 * request start (`malicious_payload`, payload.test.js) is off unless `extra.protections`
 * turns it on, so each attack is the one event of its sink.
 */
function setMode(mode, extra = {}) {
  const protections = { malicious_payload: { action: 'off' }, ...extra.protections };
  rampart.configure({ mode, ...extra, protections });
}

/**
 * Serves `handler(req, res, url)` on 127.0.0.1 and resolves { url, close() }. A handler
 * that throws answers 500 with the error's name, as a framework's error handler would.
 */
function serve(handler) {
  const server = http.createServer(async (req, res) => {
    try {
      await handler(req, res, new URL(req.url, 'http://127.0.0.1'));
    } catch (error) {
      res.statusCode = 500;
      res.end(JSON.stringify({ thrown: error.name }));
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((done) => server.close(done)),
      }),
    ),
  );
}

/** Answers JSON the way an app does, including after catching a refused call. */
function answer(res, error, rows) {
  if (error) {
    res.statusCode = 500;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ error: error.name, code: error.code }));
  } else {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ rows }));
  }
}

function isBlockPage(response) {
  return response.status === 403 && /Request blocked/.test(response.body) && /text\/html/.test(response.headers['content-type']);
}

module.exports = { rampart, eventsFile, takeEvents, setMode, serve, answer, request, isBlockPage, fs };
