'use strict';
// Small helpers every hook uses: wrap a method once, and deliver a refusal through the
// channel the library uses for its own errors.

const { AsyncResource } = require('node:async_hooks');

const kOriginal = Symbol('rampart.original');

/**
 * Replaces `target[name]` with `makeWrapper(original)`, once. The wrapper keeps the
 * original's name, length and symbol-keyed properties so libraries that inspect them see
 * no difference.
 */
function wrapMethod(target, name, makeWrapper) {
  const original = target && target[name];
  if (typeof original !== 'function' || original[kOriginal]) return false;
  const wrapper = makeWrapper(original);
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
  // Symbol-keyed markers (Node's util.promisify hints on dns.lookup, exec, ...) too.
  for (const symbol of Object.getOwnPropertySymbols(original)) {
    if (!Object.prototype.hasOwnProperty.call(wrapper, symbol)) {
      Object.defineProperty(wrapper, symbol, { ...Object.getOwnPropertyDescriptor(original, symbol), configurable: true });
    }
  }
  wrapper[kOriginal] = original;
  target[name] = wrapper;
  return true;
}

/** The original of a wrapped method (tests use it to prove a hook is in place). */
function originalOf(fn) {
  return (fn && fn[kOriginal]) || null;
}

/** The last function among `args` from index `from`, or null. */
function lastCallback(args, from = 0) {
  for (let i = args.length - 1; i >= from; i--) if (typeof args[i] === 'function') return args[i];
  return null;
}

/** The first function among `args` from index `from`, or null. */
function firstCallback(args, from = 0) {
  for (let i = from; i < args.length; i++) if (typeof args[i] === 'function') return args[i];
  return null;
}

/** Calls `callback(error)` asynchronously, as a library reports a failed query. */
function callBack(callback, error, thisArg) {
  process.nextTick(() => callback.call(thisArg, error));
}

/**
 * Wraps a pool's acquire method so its callback runs in the caller's request context.
 * A pool hands a released connection to the next waiter from inside the releasing
 * request's callbacks; without this, the waiter's queries would be checked against the
 * wrong request's inputs.
 */
function bindAcquireCallback(target, name) {
  return wrapMethod(target, name, (original) =>
    function rampartBoundAcquire() {
      const last = arguments.length - 1;
      if (last >= 0 && typeof arguments[last] === 'function') {
        const args = Array.prototype.slice.call(arguments);
        args[last] = AsyncResource.bind(args[last]);
        return original.apply(this, args);
      }
      return original.apply(this, arguments);
    },
  );
}

module.exports = { wrapMethod, originalOf, lastCallback, firstCallback, callBack, bindAcquireCallback };
