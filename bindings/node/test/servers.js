'use strict';
// Real database servers for the hook tests, started from the Debian packages on
// 127.0.0.1 in a temporary directory and stopped after the file's tests. A server that
// is not installed makes `start*` resolve null (the suite's setup installs both).

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { tempDir } = require('./helpers');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(ready, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await ready()) return;
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function stopper(child) {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
}

/** PostgreSQL: resolves { host, port, user, database, stop } or null. */
async function startPostgres() {
  const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').sort() : [];
  const bin = versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find((d) => fs.existsSync(`${d}/initdb`));
  if (!bin) return null;
  const dir = tempDir('pg');
  // initdb and postgres refuse to run as root: run them as the postgres user then.
  const asRoot = process.getuid && process.getuid() === 0;
  const wrap = (command, args) => (asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]);
  if (asRoot) spawnSync('chown', ['postgres', dir]);
  const data = path.join(dir, 'data');
  const [initCommand, initArgs] = wrap(`${bin}/initdb`, ['-D', data, '-U', 'rampart', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const init = spawnSync(initCommand, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const [command, args] = wrap(`${bin}/postgres`, [
    '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off',
  ]);
  const child = spawn(command, args, { stdio: 'ignore' });
  const pg = require('pg');
  const config = { host: '127.0.0.1', port, user: 'rampart', database: 'postgres' };
  await waitFor(async () => {
    const client = new pg.Client(config);
    await client.connect();
    await client.end();
    return true;
  }, 'PostgreSQL');
  return { ...config, stop: stopper(child) };
}

/** MariaDB (or MySQL): resolves { host, port, user, stop } or null. */
async function startMariadb() {
  const install = ['mariadb-install-db', 'mysql_install_db'].find((c) => spawnSync('which', [c]).status === 0);
  const server = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find((f) => fs.existsSync(f));
  if (!install || !server) return null;
  const dir = tempDir('mariadb');
  const data = path.join(dir, 'data');
  const init = spawnSync(
    install,
    ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'],
    { encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`${install} failed: ${init.stderr}`);
  const port = await freePort();
  const child = spawn(
    server,
    [
      '--no-defaults', `--datadir=${data}`, `--socket=${path.join(dir, 'sock')}`, `--port=${port}`,
      '--bind-address=127.0.0.1', '--user=root', `--pid-file=${path.join(dir, 'pid')}`,
      `--log-error=${path.join(dir, 'error.log')}`, '--innodb-buffer-pool-size=16M', '--skip-log-bin',
    ],
    { stdio: 'ignore' },
  );
  const mysql = require('mysql2/promise');
  const config = { host: '127.0.0.1', port, user: 'root' };
  await waitFor(async () => {
    const connection = await mysql.createConnection(config);
    await connection.end();
    return true;
  }, 'MariaDB');
  return { ...config, stop: stopper(child) };
}

module.exports = { startPostgres, startMariadb };
