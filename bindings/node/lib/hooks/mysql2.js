'use strict';
// mysql2 (callback and promise APIs, connections and pools): Connection#query and
// Connection#execute receive the SQL text (or an options object / Query command carrying
// it). Pools and mysql2/promise end in these two methods.
//
// A refused query fails the way mysql2 fails one: its callback gets the error, or the
// returned Query emits 'error'. Inside a pool (the Query command is passed in) the error
// is thrown, and the pool hands it to the caller's callback or promise.

const agent = require('../agent');
const { wrapMethod, lastCallback, callBack, bindAcquireCallback } = require('./wrap');

function sqlText(sql) {
  if (typeof sql === 'string') return sql;
  return sql && typeof sql.sql === 'string' ? sql.sql : null;
}

function patch(mysql2) {
  const Connection = mysql2 && mysql2.Connection;
  if (typeof Connection !== 'function' || !Connection.prototype) return false;
  wrapMethod(Connection.prototype, 'query', (original) =>
    function rampartMysql2Query(sql, values, cb) {
      const blocked = agent.sql('mysql2.Connection.query', 'mysql', sqlText(sql));
      if (blocked === null) return original.apply(this, arguments);
      const create = this.constructor && this.constructor.createQuery;
      // A Query command comes from a pool, which catches the throw and fails the command.
      const isCommand = sql !== null && typeof sql === 'object' && typeof sql.on === 'function';
      if (!isCommand && typeof create === 'function') {
        // A string or an options object: build the Query as mysql2 would, and fail it.
        const command = create.call(this.constructor, sql, values, cb, this.config);
        process.nextTick(() => {
          if (typeof command.onResult === 'function') command.onResult(blocked);
          else command.emit('error', blocked);
        });
        return command;
      }
      throw blocked;
    },
  );
  wrapMethod(Connection.prototype, 'execute', (original) =>
    function rampartMysql2Execute(sql) {
      const blocked = agent.sql('mysql2.Connection.execute', 'mysql', sqlText(sql));
      if (blocked === null) return original.apply(this, arguments);
      const callback = lastCallback(arguments, 1);
      if (callback === null) throw blocked;
      callBack(callback, blocked, this);
      return undefined;
    },
  );
  if (typeof mysql2.Pool === 'function') bindAcquireCallback(mysql2.Pool.prototype, 'getConnection');
  return true;
}

module.exports = {
  name: 'mysql2',
  // mysql2/promise wraps the same Connection class: reach it through mysql2 itself.
  modules: ['mysql2', 'mysql2/promise'],
  patch(exports, load, request) {
    return request === 'mysql2/promise' ? patch(load('mysql2')) : patch(exports);
  },
};
