'use strict';
// One Error subclass per core error kind, plus the error a blocked sink call fails with.
//
// `code` is the core kind's stable name and `errno` its stable number (the same in every
// rampart binding); a blocked call has code `blocked`.

class RampartError extends Error {
  constructor(message, code, errno, options) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.errno = errno;
  }
}

/** The policy document is invalid; the message names the field. */
class InvalidPolicyError extends RampartError {
  constructor(message, options) {
    super(message, 'invalid_policy', 1, options);
  }
}

/** The policy file named by RAMPART_POLICY cannot be read. */
class PolicyIoError extends RampartError {
  constructor(message, options) {
    super(message, 'policy_io', 2, options);
  }
}

/** An argument is outside its domain (unknown dialect, unknown input source, ...). */
class InvalidArgumentError extends RampartError {
  constructor(message, options) {
    super(message, 'invalid_argument', 3, options);
  }
}

/** A bug inside rampart (a Rust panic, an unexpected native failure). */
class InternalError extends RampartError {
  constructor(message, options) {
    super(message, 'internal', 0, options);
  }
}

/**
 * Thrown (or passed to the callback, or rejected) by a sink call that rampart stopped.
 * The HTTP request it belongs to has already been answered with the policy's block page.
 */
class RampartBlockedError extends RampartError {
  constructor(details) {
    super(
      `rampart blocked a ${details.threat} attempt in ${details.operation} (event ${details.eventId})`,
      'blocked',
      undefined,
    );
    this.threat = details.threat;
    this.reason = details.reason;
    this.operation = details.operation;
    this.eventId = details.eventId;
  }
}

const BY_KIND = {
  invalid_policy: InvalidPolicyError,
  policy_io: PolicyIoError,
  invalid_argument: InvalidArgumentError,
};

/** Turns an error thrown by the native addon into the matching RampartError. */
function fromNative(error) {
  if (error instanceof RampartError) return error;
  const message = error && typeof error.message === 'string' ? error.message : String(error);
  const match = /^([a-z_]+): ([\s\S]*)$/.exec(message);
  if (error && error.code === 'InvalidArg' && match && BY_KIND[match[1]]) {
    return new BY_KIND[match[1]](match[2], { cause: error });
  }
  return new InternalError(message, { cause: error });
}

module.exports = {
  RampartError,
  InvalidPolicyError,
  PolicyIoError,
  InvalidArgumentError,
  InternalError,
  RampartBlockedError,
  fromNative,
};
