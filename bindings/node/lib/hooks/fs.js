'use strict';
// fs and fs/promises: the functions that take a path, checked before the call touches the
// file system. Express's res.sendFile and res.download read through fs.stat and
// fs.createReadStream, so they are covered too.
//
// A refusal arrives the way the function reports a missing file: the callback's error, a
// rejected promise, a thrown error for the Sync forms and createReadStream /
// createWriteStream; existsSync answers false.

const agent = require('../agent');
const { wrapMethod, callBack } = require('./wrap');

/** Function name -> how many leading arguments are paths. */
const PATH_FUNCTIONS = {
  access: 1,
  appendFile: 1,
  chmod: 1,
  chown: 1,
  copyFile: 2,
  cp: 2,
  link: 2,
  lstat: 1,
  mkdir: 1,
  open: 1,
  opendir: 1,
  readFile: 1,
  readdir: 1,
  readlink: 1,
  realpath: 1,
  rename: 2,
  rm: 1,
  rmdir: 1,
  stat: 1,
  symlink: 2,
  truncate: 1,
  unlink: 1,
  utimes: 1,
  writeFile: 1,
};

/** The path as text for the check: strings and Buffers as they are, file: URLs by href. */
function pathText(value) {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (value instanceof URL) return value.href;
  return null; // a file descriptor or a FileHandle: no path to judge
}

function check(operation, args, count) {
  for (let i = 0; i < count && i < args.length; i++) {
    const text = pathText(args[i]);
    if (text === null) continue;
    const blocked = agent.path(operation, text);
    if (blocked !== null) return blocked;
  }
  return null;
}

function wrapCallback(target, name, count, prefix) {
  const operation = `${prefix}.${name}`;
  wrapMethod(target, name, (original) =>
    function rampartFs() {
      const blocked = check(operation, arguments, count);
      if (blocked !== null) {
        const callback = arguments[arguments.length - 1];
        if (typeof callback !== 'function') throw blocked;
        callBack(callback, blocked);
        return undefined;
      }
      return original.apply(this, arguments);
    },
  );
}

function wrapThrowing(target, name, count, prefix) {
  const operation = `${prefix}.${name}`;
  wrapMethod(target, name, (original) =>
    function rampartFsSync() {
      const blocked = check(operation, arguments, count);
      if (blocked !== null) throw blocked;
      return original.apply(this, arguments);
    },
  );
}

function wrapPromise(target, name, count, prefix) {
  const operation = `${prefix}.${name}`;
  wrapMethod(target, name, (original) =>
    function rampartFsPromise() {
      const blocked = check(operation, arguments, count);
      if (blocked !== null) return Promise.reject(blocked);
      return original.apply(this, arguments);
    },
  );
}

function patch(fs) {
  if (!fs || typeof fs.readFileSync !== 'function') return false;
  for (const [name, count] of Object.entries(PATH_FUNCTIONS)) {
    wrapCallback(fs, name, count, 'fs');
    wrapThrowing(fs, `${name}Sync`, count, 'fs');
    if (fs.promises) wrapPromise(fs.promises, name, count, 'fs.promises');
  }
  wrapThrowing(fs, 'createReadStream', 1, 'fs');
  wrapThrowing(fs, 'createWriteStream', 1, 'fs');
  wrapMethod(fs, 'existsSync', (original) =>
    function rampartExistsSync(target) {
      const text = pathText(target);
      if (text !== null && agent.path('fs.existsSync', text) !== null) return false;
      return original.apply(this, arguments);
    },
  );
  return true;
}

module.exports = { name: 'fs', modules: ['fs', 'node:fs'], builtin: true, patch };
