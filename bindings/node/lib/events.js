'use strict';
// Where event lines go: stderr by default, or RAMPART_EVENTS (`stderr`, `stdout` or a
// file path, appended to). One JSON object per line.

const fs = require('node:fs');

let destination = null;

function open() {
  const target = process.env.RAMPART_EVENTS || 'stderr';
  if (target === 'stderr') return (line) => process.stderr.write(line);
  if (target === 'stdout') return (line) => process.stdout.write(line);
  const fd = fs.openSync(target, 'a');
  return (line) => fs.writeSync(fd, line);
}

/** Writes one event line. Never throws: an event that cannot be written is dropped. */
function writeEvent(json) {
  try {
    if (destination === null) destination = open();
    destination(`${json}\n`);
  } catch (error) {
    if (destination === null) {
      destination = (line) => process.stderr.write(line);
      destination(`${JSON.stringify(errorEvent('events', 'open', error))}\n`);
      destination(`${json}\n`);
    }
  }
}

/** Re-reads RAMPART_EVENTS on the next write (tests and `configure()` use it). */
function reopen() {
  destination = null;
}

const MAX_ERROR_EVENTS = 100;
let errorEvents = 0;

/**
 * Reports a failure inside rampart itself. The same envelope as a finding, with no threat
 * and `action` saying what became of the call: `failed_open` (it went on) or
 * `failed_closed` (`extra.failedClosed`: the policy's fail_closed stopped it). Bounded per
 * process so a persistent fault cannot flood the log.
 */
function writeError(sinkKind, operation, error, extra) {
  if (errorEvents > MAX_ERROR_EVENTS) return;
  errorEvents++;
  const event =
    errorEvents > MAX_ERROR_EVENTS
      ? errorEvent(sinkKind, operation, new Error(`more than ${MAX_ERROR_EVENTS} internal errors: no more are reported`))
      : errorEvent(sinkKind, operation, error, extra);
  writeEvent(JSON.stringify(event));
}

function errorEvent(sinkKind, operation, error, extra = {}) {
  let version = '';
  let eventId = '';
  let policyVersion = null;
  try {
    const native = require('./native');
    version = native.version();
    eventId = extra.eventId || native.newEventId();
    // Loaded lazily: the agent requires this module.
    const { engine } = require('./agent').state;
    if (engine) policyVersion = engine.policyVersion;
  } catch {
    // The addon itself failed: the event still says what happened.
  }
  return {
    time: new Date().toISOString(),
    event_id: eventId,
    threat: null,
    action: extra.failedClosed ? 'failed_closed' : 'failed_open',
    error: {
      kind: (error && error.code) || (error && error.name) || 'internal',
      message: String((error && error.message) || error),
    },
    sink: { kind: sinkKind, operation },
    request: extra.request || null,
    stack: extra.stack || [],
    engine: { version, policy_version: policyVersion },
  };
}

module.exports = { writeEvent, writeError, reopen };
