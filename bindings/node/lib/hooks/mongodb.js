'use strict';
// mongodb: Collection methods that take a filter (or an aggregation pipeline). The filter
// is serialised to JSON (a RegExp as {"$regex": source}) and checked before the driver
// does any I/O. A refused find/aggregate throws (they return a cursor synchronously);
// the promise-returning methods reject.

const agent = require('../agent');
const { currentContext } = require('../context');
const { wrapMethod } = require('./wrap');

const CURSOR_METHODS = ['find', 'aggregate'];
const PROMISE_METHODS = [
  'findOne',
  'countDocuments',
  'distinct',
  'updateOne',
  'updateMany',
  'replaceOne',
  'deleteOne',
  'deleteMany',
  'findOneAndUpdate',
  'findOneAndReplace',
  'findOneAndDelete',
];

function replacer(_key, value) {
  if (value instanceof RegExp) return { $regex: value.source, $options: value.flags };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function filterJson(filter) {
  if (filter === null || typeof filter !== 'object') return null;
  try {
    return JSON.stringify(filter, replacer) ?? null;
  } catch {
    return null; // a cycle or a throwing toJSON: the driver will refuse it too
  }
}

function check(operation, args, method) {
  // distinct(key, filter): the filter is the second argument.
  if (agent.state.engine === null || currentContext() === undefined) return null;
  const filter = method === 'distinct' ? args[1] : args[0];
  const json = filterJson(filter);
  if (json === null) return null;
  return agent.nosql(operation, json);
}

function patch(mongodb) {
  const Collection = mongodb && mongodb.Collection;
  if (typeof Collection !== 'function' || !Collection.prototype) return false;
  for (const method of CURSOR_METHODS) {
    const operation = `mongodb.Collection.${method}`;
    wrapMethod(Collection.prototype, method, (original) =>
      function rampartMongoCursor() {
        const blocked = check(operation, arguments, method);
        if (blocked !== null) throw blocked;
        return original.apply(this, arguments);
      },
    );
  }
  for (const method of PROMISE_METHODS) {
    const operation = `mongodb.Collection.${method}`;
    wrapMethod(Collection.prototype, method, (original) =>
      function rampartMongo() {
        const blocked = check(operation, arguments, method);
        if (blocked !== null) return Promise.reject(blocked);
        return original.apply(this, arguments);
      },
    );
  }
  return true;
}

module.exports = { name: 'mongodb', modules: ['mongodb'], patch };
