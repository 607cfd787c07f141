'use strict';
// Small helpers every hook uses: wrap a method once, and deliver a refusal through the
// channel the library uses for its own errors.

const kOriginal = Symbol('rampart.original');

/**
 * Replaces `target[name]` with `makeWrapper(original)`, once. The wrapper keeps the
 * original's name and length so libraries that inspect them see no difference.
 */
function wrapMethod(target, name, makeWrapper) {
  const original = target && target[name];
  if (typeof original !== 'function' || original[kOriginal]) return false;
  const wrapper = makeWrapper(original);
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
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

module.exports = { wrapMethod, originalOf, lastCallback, firstCallback, callBack };
