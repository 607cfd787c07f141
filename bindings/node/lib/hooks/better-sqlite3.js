'use strict';
// better-sqlite3: synchronous; Database#prepare and Database#exec take the SQL text.
// A refused call throws, as better-sqlite3 does for a statement it cannot prepare.

const agent = require('../agent');
const { wrapMethod } = require('./wrap');

function patch(Database) {
  if (typeof Database !== 'function' || !Database.prototype) return false;
  for (const method of ['prepare', 'exec']) {
    const operation = `better-sqlite3.Database.${method}`;
    wrapMethod(Database.prototype, method, (original) =>
      function rampartBetterSqlite3(sql) {
        const blocked = agent.sqlite(operation, sql);
        if (blocked !== null) throw blocked;
        return original.apply(this, arguments);
      },
    );
  }
  return true;
}

module.exports = { name: 'better-sqlite3', modules: ['better-sqlite3'], patch };
