'use strict';
// pg (node-postgres): Client#query receives the SQL text, a config object with `text`,
// or a submittable (Query, Cursor). Pools end in Client#query.
//
// A refused query fails the way pg fails one: the callback gets the error, the returned
// promise rejects, or the submittable's handleError runs, always asynchronously.

const agent = require('../agent');
const { wrapMethod, bindAcquireCallback } = require('./wrap');

function sqlText(config) {
  if (typeof config === 'string') return config;
  return config && typeof config.text === 'string' ? config.text : null;
}

function patch(pg) {
  const Client = pg && pg.Client;
  if (typeof Client !== 'function' || !Client.prototype) return false;
  wrapMethod(Client.prototype, 'query', (original) =>
    function rampartPgQuery(config, values, callback) {
      const blocked = agent.sql('pg.Client.query', 'postgresql', sqlText(config));
      if (blocked === null) return original.apply(this, arguments);
      const cb = typeof values === 'function' ? values : typeof callback === 'function' ? callback : null;
      if (config && typeof config.submit === 'function') {
        if (!config.callback && cb) config.callback = cb;
        process.nextTick(() => {
          if (typeof config.handleError === 'function') config.handleError(blocked, this.connection);
          else if (typeof config.callback === 'function') config.callback(blocked);
        });
        return config;
      }
      if (cb) {
        process.nextTick(() => cb(blocked));
        return undefined;
      }
      const PromiseImpl = typeof this._Promise === 'function' ? this._Promise : Promise;
      return PromiseImpl.reject(blocked);
    },
  );
  if (typeof pg.Pool === 'function') bindAcquireCallback(pg.Pool.prototype, 'connect');
  return true;
}

module.exports = { name: 'pg', modules: ['pg'], patch };
