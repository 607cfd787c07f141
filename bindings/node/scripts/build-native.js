#!/usr/bin/env node
'use strict';
// Builds the native addon with cargo and puts it where lib/native.js loads it from.
//
// Runs as the package's `install` script: inside a clone of the repository it builds the
// `rampart-node` crate of the workspace; from a packed tarball it finds the prebuilt
// addon `npm pack` shipped and does nothing. `--force` rebuilds even when an addon is
// present (used by `prepack`). RAMPART_NODE_PROFILE=debug builds without optimisation.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { addonPath } = require('../lib/platform');

const packageDir = path.resolve(__dirname, '..');
const target = addonPath(packageDir);
const force = process.argv.includes('--force');

function fail(message) {
  process.stderr.write(`rampart: ${message}\n`);
  process.exit(1);
}

function findWorkspace() {
  const root = path.resolve(packageDir, '..', '..');
  const manifest = path.join(root, 'Cargo.toml');
  if (!fs.existsSync(manifest)) return null;
  return fs.readFileSync(manifest, 'utf8').includes('bindings/node') ? root : null;
}

function cargoCommand() {
  const home = process.env.CARGO_HOME || path.join(require('node:os').homedir(), '.cargo');
  const candidate = path.join(home, 'bin', 'cargo');
  return fs.existsSync(candidate) ? candidate : 'cargo';
}

const workspace = findWorkspace();
if (!workspace) {
  if (fs.existsSync(target)) process.exit(0);
  fail(
    `no prebuilt addon for ${process.platform}-${process.arch} in this package and no rampart ` +
      'source tree to build one from: install from a clone of the repository (npm install ./bindings/node)',
  );
}
if (fs.existsSync(target) && !force && !process.env.RAMPART_NODE_REBUILD) {
  // A build from this tree is already in place; cargo would only confirm it. Rebuild when
  // the Rust sources are newer than the addon.
  const built = fs.statSync(target).mtimeMs;
  const newer = ['core/src', 'bindings/node/src'].some((dir) => newestMtime(path.join(workspace, dir)) > built);
  if (!newer) process.exit(0);
}

const profile = process.env.RAMPART_NODE_PROFILE === 'debug' ? 'debug' : 'release';
const args = ['build', '-p', 'rampart-node', '--locked'];
if (profile === 'release') args.push('--release');
process.stderr.write(`rampart: building the native addon (cargo ${args.join(' ')})\n`);
const result = spawnSync(cargoCommand(), args, { cwd: workspace, stdio: ['ignore', 'inherit', 'inherit'] });
if (result.error) fail(`cannot run cargo (${result.error.message}): install Rust from https://rustup.rs`);
if (result.status !== 0) fail(`cargo failed with exit status ${result.status}`);

const targetDir = process.env.CARGO_TARGET_DIR || path.join(workspace, 'target');
const library = { linux: 'librampart_node.so', darwin: 'librampart_node.dylib', win32: 'rampart_node.dll' }[
  process.platform
];
if (!library) fail(`unsupported platform ${process.platform}`);
const built = path.join(targetDir, profile, library);
fs.mkdirSync(path.dirname(target), { recursive: true });
// Copy to a temporary name and rename: a running process keeps its mapping of the old file.
const temporary = `${target}.${process.pid}.tmp`;
fs.copyFileSync(built, temporary);
fs.renameSync(temporary, target);
process.stderr.write(`rampart: native addon ready: ${path.relative(process.cwd(), target) || target}\n`);

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}
