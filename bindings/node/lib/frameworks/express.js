'use strict';
// Express responses: res.sendFile / res.download get the path check on the path the app
// passed (before Express resolves `..` away, which would hide the input from fs), and
// res.location (which res.redirect uses) gets the open-redirect check against the
// request's own Host.
//
// A refused sendFile/download reports the error the way Express reports a missing file:
// the callback, else next(error). A refused location/redirect throws (the block page is
// already sent).

const agent = require('../agent');
const { wrapMethod, callBack } = require('../hooks/wrap');
const { kLocationChecked } = require('../hooks/http');

function refuse(res, blocked, callback) {
  if (typeof callback === 'function') return callBack(callback, blocked);
  const next = res.req && res.req.next;
  if (typeof next === 'function') return process.nextTick(next, blocked);
  throw blocked;
}

function patch(express) {
  const response = express && express.response;
  if (!response || typeof response.sendFile !== 'function') return false;
  for (const name of ['sendFile', 'download']) {
    const operation = `express.response.${name}`;
    wrapMethod(response, name, (original) =>
      function rampartExpressFile(filePath) {
        const blocked = typeof filePath === 'string' ? agent.path(operation, filePath) : null;
        if (blocked !== null) {
          let callback = null;
          for (let i = arguments.length - 1; i > 0 && callback === null; i--) {
            if (typeof arguments[i] === 'function') callback = arguments[i];
          }
          refuse(this, blocked, callback);
          return this;
        }
        return original.apply(this, arguments);
      },
    );
  }
  wrapMethod(response, 'location', (original) =>
    function rampartExpressLocation(url) {
      if (typeof url !== 'string' || url === 'back') return original.apply(this, arguments);
      const blocked = agent.redirect('express.response.location', url);
      if (blocked !== null) throw blocked;
      // Judged here, on the URL the app gave: the Location header Express then sets
      // (percent-encoded) is not judged a second time.
      this[kLocationChecked] = true;
      try {
        return original.apply(this, arguments);
      } finally {
        this[kLocationChecked] = false;
      }
    },
  );
  return true;
}

module.exports = { name: 'express', modules: ['express'], patch };
