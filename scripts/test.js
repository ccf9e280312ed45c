#!/usr/bin/env node
'use strict';
/**
 * `npm test`: every test of the project, in order, stopping at the first
 * failure. Rust (core, FFI), the addon and TypeScript build, the bindings
 * generation, then the Node end-to-end tests on the real core.
 */
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');
const steps = [
  ['Rust tests', 'cargo', ['test', '--workspace', '--exclude', 'tracker-node']],
  ['Build addon and TypeScript', process.execPath, [path.join(__dirname, 'build.js')]],
  ['Generate Kotlin and Swift bindings', process.execPath, [path.join(__dirname, 'bindings.js')]],
  ['Node end-to-end tests', process.execPath, ['--test', '--test-concurrency=2', 'tests/node/']],
];

for (const [title, cmd, args] of steps) {
  const started = Date.now();
  console.log(`\n=== ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`=== ${title}: FAILED after ${secs} s`);
    process.exit(r.status || 1);
  }
  console.log(`=== ${title}: ok (${secs} s)`);
}
