'use strict';
// path.join, path.resolve and path.normalize: remember what a climbing path was built from.
//
// `path.join('/srv/files', '../../etc/passwd')` returns `/etc/passwd`: the `..` segments
// the user sent are gone before the file system hook sees the path, so the core's check
// (which looks for the input inside the path) finds nothing. When an argument holds `..`
// during a request, the request's context remembers the result together with the
// arguments joined as they were given (`/srv/files/../../etc/passwd`), and the fs hooks
// check that text when the app opens the result. Calls without `..` cost one scan of
// their arguments and nothing else.

const { currentContext } = require('../context');
const { wrapMethod } = require('./wrap');

function wrapBuilder(pathModule, name) {
  wrapMethod(pathModule, name, (original) =>
    function rampartPath() {
      const result = original.apply(this, arguments);
      for (let i = 0; i < arguments.length; i++) {
        const part = arguments[i];
        if (typeof part === 'string' && part.includes('..')) {
          const context = currentContext();
          if (context !== undefined && typeof result === 'string') {
            context.rememberBuiltPath(result, Array.prototype.join.call(arguments, '/'));
          }
          break;
        }
      }
      return result;
    },
  );
}

function patch(pathModule) {
  if (!pathModule || typeof pathModule.join !== 'function') return false;
  for (const name of ['join', 'resolve', 'normalize']) wrapBuilder(pathModule, name);
  return true;
}

module.exports = { name: 'path', modules: ['path', 'node:path'], builtin: true, patch };
