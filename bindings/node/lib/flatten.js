'use strict';
// Flattens what a framework parsed (query objects, JSON and form bodies) into inputs.
//
// `{ user: { name: "x", tags: ["a", "b"] } }` becomes the inputs
//   user = "user", user.name = "name", user.name = "x",
//   user.tags = "tags", user.tags[0] = "a", user.tags[1] = "b"
// Object keys are inputs too (an attacker controls them as much as the values). Depth and
// count are bounded so a hostile body costs bounded time: what lies past the limits is
// not inspected.

const LIMITS = Object.freeze({
  /** Nesting levels followed below the top. */
  maxDepth: 32,
  /** Inputs taken from one request. */
  maxInputs: 2048,
});

/**
 * Calls `add(source, key, value)` for every input in `value`, at most `budget.left` times.
 * `value` may be anything a parser produces.
 */
function flatten(source, prefix, value, add, budget, depth = 0) {
  if (budget.left <= 0) return;
  switch (typeof value) {
    case 'string':
      budget.left--;
      add(source, prefix, value);
      return;
    case 'number':
    case 'boolean':
    case 'bigint':
      budget.left--;
      add(source, prefix, String(value));
      return;
    case 'object':
      break;
    default:
      return;
  }
  if (value === null || depth > LIMITS.maxDepth) return;
  if (value instanceof Uint8Array) {
    budget.left--;
    add(source, prefix, value);
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && budget.left > 0; i++) {
      flatten(source, `${prefix}[${i}]`, value[i], add, budget, depth + 1);
    }
    return;
  }
  if (value instanceof Date) {
    budget.left--;
    add(source, prefix, String(value));
    return;
  }
  for (const key in value) {
    if (budget.left <= 0) return;
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    budget.left--;
    add(source, path, key);
    flatten(source, path, value[key], add, budget, depth + 1);
  }
}

module.exports = { flatten, LIMITS };
