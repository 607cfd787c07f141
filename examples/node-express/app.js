'use strict';
// A small shop with the classic mistakes: SQL built by string concatenation. Run it
// protected (`node server.js`, which requires rampart first) or unprotected
// (`node app.js`) and send it the attacks in README.md.

const path = require('node:path');
const express = require('express');
const db = require('./db');

async function createApp() {
  const database = await db.open();
  const app = express();
  app.use(express.json());
  app.use(express.urlencoded({ extended: true }));

  // Every page view is logged with its User-Agent: concatenated, so a header can inject.
  app.get('/', async (req, res, next) => {
    try {
      await db.run(database, `INSERT INTO visits (path, user_agent) VALUES ('/', '${req.get('user-agent') || ''}')`);
      res.sendFile(path.join(__dirname, 'public', 'index.html'));
    } catch (error) {
      next(error);
    }
  });

  // Product search: the search text is pasted into a LIKE pattern.
  app.get('/products', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    try {
      const products = await db.all(
        database,
        `SELECT id, name, price_cents FROM products WHERE name LIKE '%${q}%' ORDER BY id`,
      );
      res.json({ products });
    } catch (error) {
      res.status(500).json({ error: 'search failed', detail: error.message });
    }
  });

  // One product: parameterised, as it should be.
  app.get('/products/:id', async (req, res) => {
    const product = await db.get(database, 'SELECT id, name, description, price_cents FROM products WHERE id = ?', [
      req.params.id,
    ]);
    if (!product) return res.status(404).json({ error: 'no such product' });
    const reviews = await db.all(database, 'SELECT author, body FROM reviews WHERE product_id = ?', [product.id]);
    res.json({ product, reviews });
  });

  // Login (JSON or form): username and password concatenated into the query.
  app.post('/login', async (req, res) => {
    const { username = '', password = '' } = req.body || {};
    try {
      const user = await db.get(
        database,
        `SELECT id, username, role FROM users WHERE username = '${username}' AND password = '${password}'`,
      );
      if (!user) return res.status(401).json({ ok: false, error: 'wrong username or password' });
      res.json({ ok: true, user });
    } catch (error) {
      res.status(500).json({ ok: false, error: 'login failed', detail: error.message });
    }
  });

  // Reviews (JSON: { "review": { "product_id": 1, "author": "...", "text": "..." } }).
  app.post('/reviews', async (req, res) => {
    const review = (req.body && req.body.review) || {};
    try {
      await db.run(
        database,
        `INSERT INTO reviews (product_id, author, body) VALUES (${Number(review.product_id) || 0}, '${review.author}', '${review.text}')`,
      );
      res.status(201).json({ ok: true });
    } catch (error) {
      res.status(500).json({ ok: false, error: 'could not save the review', detail: error.message });
    }
  });

  return app;
}

async function main() {
  const app = await createApp();
  const port = Number(process.env.PORT || 3000);
  const host = process.env.HOST || '127.0.0.1';
  const server = app.listen(port, host, () => {
    const { port: bound } = server.address();
    // The test suite and the benchmark read this line to find the port.
    process.stdout.write(`shop listening on http://${host}:${bound}\n`);
  });
}

module.exports = { createApp, main };

if (require.main === module) main();
