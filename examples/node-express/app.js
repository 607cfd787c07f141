'use strict';
// A small shop with the classic mistakes: SQL built by string concatenation, a ping tool
// that pastes the host into a shell command, a file download that trusts the file name
// and a link preview that fetches any URL. Run it
// protected (`node server.js`, which requires rampart first) or unprotected
// (`node app.js`) and send it the attacks in README.md.

const path = require('node:path');
const { exec } = require('node:child_process');
const express = require('express');
const db = require('./db');

const FILES_DIR = path.join(__dirname, 'files');

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

  // Network check: the host is pasted into a shell command.
  app.get('/tools/ping', (req, res) => {
    const host = typeof req.query.host === 'string' ? req.query.host : '';
    exec(`ping -c 1 -W 1 ${host}`, { timeout: 5000 }, (error, stdout, stderr) => {
      res.json({ host, ok: !error, output: `${stdout}${stderr}` });
    });
  });

  // Downloads: any name under files/, the name pasted into the path.
  app.get('/download', (req, res) => {
    const name = typeof req.query.name === 'string' ? req.query.name : '';
    res.download(`${FILES_DIR}/${name}`, (error) => {
      if (error && !res.headersSent) res.status(404).json({ error: 'no such file' });
    });
  });

  // Link preview: fetches the URL it is given and shows the first bytes.
  app.get('/preview', async (req, res) => {
    const url = typeof req.query.url === 'string' ? req.query.url : '';
    try {
      const answer = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
      const text = await answer.text();
      res.json({ url, status: answer.status, preview: text.slice(0, 200) });
    } catch (error) {
      res.status(502).json({ url, error: 'could not fetch the page' });
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
