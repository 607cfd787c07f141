#!/usr/bin/env node
'use strict';
// Drift check of index.d.ts against the package: every runtime export is declared and
// every declared value exists, class by class and member by member; then the declarations
// and a typed usage file compile under `tsc --strict`. Exit status 1 on any difference.

const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

process.env.RAMPART_MODE = 'off'; // load the API without hooking anything
const packageDir = path.resolve(__dirname, '..');
const testDir = path.join(packageDir, 'test'); // the test dependencies live there
const ts = require(require.resolve('typescript', { paths: [testDir] }));
const runtime = require(packageDir);

const problems = [];
const file = path.join(packageDir, 'index.d.ts');
const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);

const isExported = (node) => (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export) !== 0;
const isStatic = (node) => (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Static) !== 0;

const declared = new Map(); // name -> { kind, members: { static: Set, instance: Set, methods: Set } }
for (const statement of source.statements) {
  if (!isExported(statement)) continue;
  if (ts.isClassDeclaration(statement) && statement.name) {
    const members = { static: new Set(), instance: new Set(), methods: new Set() };
    for (const member of statement.members) {
      if (!member.name || ts.isConstructorDeclaration(member)) continue;
      const name = member.name.getText(source);
      if (isStatic(member)) members.static.add(name);
      else {
        members.instance.add(name);
        if (ts.isMethodDeclaration(member)) members.methods.add(name);
      }
    }
    const base = (statement.heritageClauses || []).flatMap((c) => c.types.map((t) => t.expression.getText(source)))[0];
    declared.set(statement.name.text, { kind: 'class', members, base });
  } else if (ts.isFunctionDeclaration(statement) && statement.name) {
    declared.set(statement.name.text, { kind: 'function' });
  } else if (ts.isVariableStatement(statement)) {
    for (const d of statement.declarationList.declarations) declared.set(d.name.getText(source), { kind: 'value' });
  }
}

for (const name of Object.keys(runtime)) {
  if (!declared.has(name)) problems.push(`export \`${name}\` is not declared in index.d.ts`);
}
for (const [name, declaration] of declared) {
  const value = runtime[name];
  if (value === undefined) {
    problems.push(`index.d.ts declares \`${name}\`, the package does not export it`);
    continue;
  }
  const expected = declaration.kind === 'value' ? typeof value !== 'function' : typeof value === 'function';
  if (!expected) problems.push(`\`${name}\`: declared as a ${declaration.kind}, is a ${typeof value}`);
  if (declaration.kind === 'class') checkClass(name, value, withInherited(declaration));
}

/** A class's declared members plus those of the declared classes it extends. */
function withInherited(declaration) {
  const members = { static: new Set(), instance: new Set(), methods: new Set() };
  for (let d = declaration; d; d = d.base ? declared.get(d.base) : null) {
    for (const key of Object.keys(members)) for (const n of d.members[key]) members[key].add(n);
  }
  return members;
}

/** An instance of each class, to see the fields its constructor sets. */
function sample(name, Class) {
  switch (name) {
    case 'Verdict':
      return Class.ALLOW;
    case 'RampartBlockedError':
      return new Class({ threat: 't', reason: null, operation: 'o', eventId: 'e' });
    case 'RampartError':
      return new Class('m', 'c', 0);
    default:
      return Class.prototype instanceof Error ? new Class('m') : new Class();
  }
}

function checkClass(name, Class, members) {
  const staticNames = Object.getOwnPropertyNames(Class).filter((n) => !['length', 'name', 'prototype'].includes(n));
  for (const n of staticNames) if (!members.static.has(n)) problems.push(`${name}.${n} (static) is not declared`);
  for (const n of members.static) if (!(n in Class)) problems.push(`${name}.${n} (static) is declared but missing`);
  const protoNames = Object.getOwnPropertyNames(Class.prototype).filter((n) => n !== 'constructor');
  for (const n of protoNames) if (!members.instance.has(n)) problems.push(`${name}#${n} is not declared`);
  const instance = sample(name, Class);
  const inherited = new Set(['message', 'name', 'stack', 'cause']);
  for (const n of members.instance) {
    if (!(n in instance) && !inherited.has(n)) problems.push(`${name}#${n} is declared but missing`);
    if (members.methods.has(n) && typeof Class.prototype[n] !== 'function') problems.push(`${name}#${n} is not a method`);
  }
  for (const n of Object.keys(instance)) {
    if (!members.instance.has(n) && !inherited.has(n)) problems.push(`${name}#${n} (field) is not declared`);
  }
}

const tsc = require.resolve('typescript/bin/tsc', { paths: [testDir] });
const compiled = spawnSync(
  process.execPath,
  [tsc, '--noEmit', '--strict', '--types', 'node', '--module', 'commonjs', '../index.d.ts', 'types-check.ts'],
  { cwd: testDir, encoding: 'utf8' },
);
if (compiled.status !== 0) problems.push(`tsc:\n${compiled.stdout}${compiled.stderr}`);

if (problems.length > 0) {
  process.stderr.write(`index.d.ts drifted from the package:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(`index.d.ts matches the package (${declared.size} exports checked)\n`);
