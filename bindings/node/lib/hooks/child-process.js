'use strict';
// child_process: every way Node starts a program.
//
//   exec, execSync                 a command string run by `/bin/sh -c`  -> shell check
//   execFile(Sync), spawn(Sync),   a program and its arguments, no shell -> exec check
//   fork (the module is the program) (`shell: true`: joined by spaces as Node does, then
//                                  run by the shell -> shell check)
//
// A refused call with a callback gets the RampartBlockedError through the callback (and
// `util.promisify(exec)` rejects with it) and starts nothing; otherwise it throws, as
// child_process does for an invalid argument.

const { ChildProcess } = require('node:child_process');
const { promisify } = require('node:util');
const agent = require('../agent');
const { RampartBlockedError } = require('../errors');
const { wrapMethod, callBack } = require('./wrap');

/** `(file, args?, options?, callback?)` -> the pieces, as child_process reads them. */
function split(args) {
  const file = args[0];
  let at = 1;
  let argv = [];
  if (Array.isArray(args[at])) argv = args[at++];
  let options = null;
  if (args[at] !== null && typeof args[at] === 'object') options = args[at];
  let callback = null;
  for (let i = args.length - 1; i >= 1; i--) {
    if (typeof args[i] === 'function') {
      callback = args[i];
      break;
    }
  }
  return { file, argv, options, callback };
}

/** What the call would run: a refusal or null. */
function checkProgram(operation, file, argv, options) {
  if (typeof file !== 'string') return null;
  if (options !== null && options.shell) {
    // Node runs `[file, ...args].join(' ')` through the shell.
    return agent.shell(operation, argv.length === 0 ? file : `${file} ${argv.join(' ')}`);
  }
  return agent.exec(operation, [file, ...argv]);
}

function refuse(blocked, callback) {
  if (callback === null) throw blocked;
  callBack(callback, blocked);
  return new ChildProcess(); // never spawned: nothing runs
}

/** `util.promisify` of the wrapped function, shaped like Node's own for exec/execFile. */
function promisified(wrapper) {
  return function rampartPromisified(...args) {
    return new Promise((resolve, reject) => {
      wrapper.apply(this, [
        ...args,
        (error, stdout, stderr) => {
          if (error) {
            if (typeof error === 'object' && !(error instanceof RampartBlockedError)) {
              error.stdout = stdout;
              error.stderr = stderr;
            }
            reject(error);
          } else {
            resolve({ stdout, stderr });
          }
        },
      ]);
    });
  };
}

// Node's exec runs through the module's (patched) execFile with `shell: true`: the command
// it hands over was checked already, and checking it again would report it twice.
let checkedCommands = 0;

/** Runs `original` with the nested child_process calls it makes left unchecked. */
function runChecked(original, self, args) {
  checkedCommands++;
  try {
    return original.apply(self, args);
  } finally {
    checkedCommands--;
  }
}

function patch(cp) {
  if (!cp || typeof cp.spawn !== 'function') return false;
  wrapMethod(cp, 'exec', (original) =>
    function rampartExec(command) {
      const blocked = agent.shell('child_process.exec', command);
      if (blocked !== null) {
        const last = arguments[arguments.length - 1];
        return refuse(blocked, arguments.length > 1 && typeof last === 'function' ? last : null);
      }
      return runChecked(original, this, arguments);
    },
  );
  wrapMethod(cp, 'execSync', (original) =>
    function rampartExecSync(command) {
      const blocked = agent.shell('child_process.execSync', command);
      if (blocked !== null) throw blocked;
      return runChecked(original, this, arguments);
    },
  );
  for (const name of ['execFile', 'spawn', 'fork']) {
    const operation = `child_process.${name}`;
    wrapMethod(cp, name, (original) =>
      function rampartSpawn() {
        if (checkedCommands > 0) return original.apply(this, arguments);
        const call = split(arguments);
        const blocked =
          name === 'fork'
            ? checkProgram(operation, call.file, call.argv, null) // the module is the program
            : checkProgram(operation, call.file, call.argv, call.options);
        if (blocked !== null) return refuse(blocked, name === 'execFile' ? call.callback : null);
        return original.apply(this, arguments);
      },
    );
  }
  for (const name of ['execFileSync', 'spawnSync']) {
    const operation = `child_process.${name}`;
    wrapMethod(cp, name, (original) =>
      function rampartSpawnSync() {
        if (checkedCommands > 0) return original.apply(this, arguments);
        const call = split(arguments);
        const blocked = checkProgram(operation, call.file, call.argv, call.options);
        if (blocked !== null) throw blocked;
        return original.apply(this, arguments);
      },
    );
  }
  for (const name of ['exec', 'execFile']) {
    Object.defineProperty(cp[name], promisify.custom, { value: promisified(cp[name]), configurable: true });
  }
  return true;
}

module.exports = { name: 'child_process', modules: ['child_process', 'node:child_process'], builtin: true, patch };
