'use strict';
// sqlite3 (node-sqlite3): every query method of Database takes the SQL text first.
//
// A refused call reports the error the way sqlite3 reports a failed statement: to the
// call's last callback, asynchronously. Without a callback the call throws.

const agent = require('../agent');
const { wrapMethod, lastCallback, callBack } = require('./wrap');

const METHODS = ['run', 'get', 'all', 'each', 'map', 'exec', 'prepare'];

function patch(sqlite3) {
  const Database = sqlite3 && sqlite3.Database;
  if (typeof Database !== 'function' || !Database.prototype) return false;
  for (const method of METHODS) {
    const operation = `sqlite3.Database.${method}`;
    wrapMethod(Database.prototype, method, (original) =>
      function rampartSqlite3(sql) {
        const blocked = agent.sqlite(operation, sql);
        if (blocked === null) return original.apply(this, arguments);
        const callback = method === 'prepare' ? null : lastCallback(arguments, 1);
        if (callback === null) throw blocked;
        callBack(callback, blocked, this);
        return this;
      },
    );
  }
  return true;
}

module.exports = { name: 'sqlite3', modules: ['sqlite3'], patch };
