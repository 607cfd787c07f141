'use strict';
// Applies each hook to its library, whether the app loads the library before or after
// rampart. A hook module exports `{ name, modules, patch(exports, load) }`: `modules`
// are the require names that reach the library, `patch` changes its prototypes in place
// and returns false when the exports are not the shape it knows (then nothing changes).
//
// Adding an integration is one module here plus one line in HOOKS.

const Module = require('node:module');
const path = require('node:path');
const { writeError } = require('../events');

const HOOKS = [
  require('./child-process'),
  require('./fs'),
  require('./path'),
  require('./http'),
  require('./http2'),
  require('../frameworks/express'),
  require('./sqlite3'),
  require('./better-sqlite3'),
  require('./mysql2'),
  require('./pg'),
  require('./mongodb'),
  require('../frameworks/koa'),
];

const byModule = new Map();
for (const hook of HOOKS) for (const name of hook.modules) byModule.set(name, hook);

const patched = new WeakSet();
let originalLoad = null;

function apply(hook, exports, request, parent) {
  if (exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) return;
  if (patched.has(exports)) return;
  patched.add(exports);
  try {
    // `load` resolves further names the way the requiring module would (mysql2/promise
    // reaches mysql2's classes through it).
    const load = (name) => Module.createRequire(parent && parent.filename ? parent.filename : requireBase())(name);
    hook.patch(exports, load, request);
  } catch (error) {
    writeError('hook', hook.name, error);
  }
}

function requireBase() {
  return path.join(process.cwd(), 'noop.js');
}

function install() {
  if (originalLoad !== null) return;
  originalLoad = Module._load;
  const load = originalLoad;
  Module._load = function _load(request, parent) {
    const exports = load.apply(this, arguments);
    const hook = byModule.get(request);
    if (hook !== undefined) apply(hook, exports, request, parent);
    else if (path.isAbsolute(request)) applyByFilename(request, exports);
    return exports;
  };
  patchLoaded();
}

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
const byFilename = new Map();

/**
 * ES modules importing a CommonJS library load it by absolute filename: find out whether
 * the file is the entry point of a hooked module name (answers are cached per file).
 */
function applyByFilename(filename, exports) {
  let match = byFilename.get(filename);
  if (match === undefined) {
    match = null;
    const at = filename.lastIndexOf(NODE_MODULES);
    if (at !== -1) {
      const base = filename.slice(0, at + NODE_MODULES.length);
      const parts = filename.slice(base.length).split(path.sep);
      const packageName = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
      for (const name of byModule.keys()) {
        if (name !== packageName && !name.startsWith(`${packageName}/`)) continue;
        try {
          if (require.resolve(name, { paths: [base] }) === filename) match = name;
        } catch {
          // Not resolvable from there: not this entry point.
        }
      }
    }
    byFilename.set(filename, match);
  }
  if (match !== null) apply(byModule.get(match), exports, match, { filename });
}

/**
 * Node's own modules (`builtin: true` hooks) are patched in place at once: every
 * `require('child_process')` returns the same object. ES modules' named imports of a
 * builtin are then synced to the patched functions.
 */
function patchBuiltins() {
  for (const hook of HOOKS) {
    if (!hook.builtin) continue;
    for (const name of hook.modules) if (!name.startsWith('node:')) apply(hook, require(name), name, null);
  }
  Module.syncBuiltinESMExports();
}

/** Libraries the app loaded before rampart: patch them where they are. */
function patchLoaded() {
  patchBuiltins();
  const bases = [process.cwd()];
  if (require.main && require.main.filename) bases.push(path.dirname(require.main.filename));
  for (const [name, hook] of byModule) {
    if (hook.builtin) continue;
    for (const base of bases) {
      let file;
      try {
        file = require.resolve(name, { paths: [base] });
      } catch {
        continue;
      }
      const cached = require.cache[file];
      if (cached && cached.loaded) apply(hook, cached.exports, name, cached);
    }
  }
}

function uninstall() {
  if (originalLoad === null) return;
  Module._load = originalLoad;
  originalLoad = null;
}

module.exports = { install, uninstall, HOOKS };
