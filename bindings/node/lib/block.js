'use strict';
// Answers a blocked request with the policy's block page, and keeps the app's own answer
// from reaching the client.
//
// The page is sent at the moment the sink call is refused, through the response's own
// methods. The response is then sealed: writeHead/setHeader/write/end become no-ops and
// headersSent reads false, so an app (or framework error handler) that catches the
// RampartBlockedError and answers itself neither replaces the page nor, seeing headers
// already sent, destroys the connection.

const kSealed = Symbol('rampart.sealed');
/** Set while the page is written: the header hooks let rampart's own headers through. */
const kWriting = Symbol.for('rampart.writingBlockPage');

function sendBlockPage(res, page) {
  if (!res || res[kSealed] || typeof res.writeHead !== 'function') return false;
  if (res.headersSent || res.writableEnded || res.destroyed) {
    // The app had started its own answer: the page cannot replace it. Cut it short.
    if (!res.writableEnded && typeof res.end === 'function') res.end();
    seal(res);
    return false;
  }
  const body = Buffer.from(page.body, 'utf8');
  if (typeof res.getHeaderNames === 'function') {
    for (const name of res.getHeaderNames()) res.removeHeader(name);
  }
  res[kWriting] = true;
  try {
    res.writeHead(page.status, {
      'content-type': page.contentType,
      'content-length': body.length,
      'cache-control': 'no-store',
    });
    res.end(body);
  } finally {
    res[kWriting] = false;
  }
  seal(res);
  return true;
}

function seal(res) {
  res[kSealed] = true;
  const self = () => res;
  res.writeHead = self;
  res.setHeader = self;
  res.setHeaders = self;
  res.appendHeader = self;
  res.removeHeader = () => undefined;
  res.flushHeaders = () => undefined;
  res.writeContinue = () => undefined;
  res.writeEarlyHints = () => undefined;
  res.write = function write() {
    const callback = arguments[arguments.length - 1];
    if (typeof callback === 'function') process.nextTick(callback);
    return true;
  };
  res.end = function end() {
    const callback = arguments[arguments.length - 1];
    if (typeof callback === 'function') process.nextTick(callback);
    return res;
  };
  Object.defineProperty(res, 'headersSent', { configurable: true, get: () => false });
}

module.exports = { sendBlockPage, isSealed: (res) => Boolean(res && res[kSealed]) };
