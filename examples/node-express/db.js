'use strict';
// The shop's database: SQLite in memory, seeded on start.

const sqlite3 = require('sqlite3');

const SEED = `
  CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE, password TEXT, role TEXT);
  CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, description TEXT, price_cents INTEGER);
  CREATE TABLE reviews (id INTEGER PRIMARY KEY, product_id INTEGER, author TEXT, body TEXT);
  CREATE TABLE visits (id INTEGER PRIMARY KEY, path TEXT, user_agent TEXT);
  INSERT INTO users (username, password, role) VALUES
    ('admin', 's3cr3t-admin-pw', 'admin'), ('alice', 'wonderland', 'customer'), ('bob', 'builder', 'customer');
  INSERT INTO products (name, description, price_cents) VALUES
    ('Desk lamp', 'A warm LED desk lamp', 2900),
    ('Coffee mug', '100% ceramic, 350 ml', 1200),
    ('Notebook', 'A5, dotted, 120 pages', 800),
    ('Backpack', 'Water-resistant, 20 l', 5900),
    ('湯呑み', '手作りの湯呑み', 1800);
  INSERT INTO reviews (product_id, author, body) VALUES (1, 'alice', 'Bright and cosy.');
`;

function open() {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(':memory:', (error) => {
      if (error) return reject(error);
      db.exec(SEED, (seedError) => (seedError ? reject(seedError) : resolve(db)));
    });
  });
}

/** db.all as a promise. */
function all(db, sql, params = []) {
  return new Promise((resolve, reject) => db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows))));
}

/** db.get as a promise. */
function get(db, sql, params = []) {
  return new Promise((resolve, reject) => db.get(sql, params, (error, row) => (error ? reject(error) : resolve(row))));
}

/** db.run as a promise. */
function run(db, sql, params = []) {
  return new Promise((resolve, reject) =>
    db.run(sql, params, function done(error) {
      return error ? reject(error) : resolve(this);
    }),
  );
}

module.exports = { open, all, get, run };
