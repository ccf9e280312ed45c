#!/usr/bin/env node
'use strict';
/**
 * `npm test`: every test of the project, in order, stopping at the first
 * failure. Rust (core, FFI), the addon and TypeScript build, the type
 * compatibility with Snowplow's React Native tracker 2.1.2, the bindings
 * generation, the Node end-to-end and parity tests on the real core, then
 * the generated Kotlin bindings on the JVM (JNA loads the host library), and
 * the Android TurboModule compiled against react-android and the codegen
 * output, with its unit tests.
 */
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');
const steps = [
  ['Rust tests', 'cargo', ['test', '--workspace', '--exclude', 'tracker-node']],
  // The addon itself links only into Node; its facts parsing is tested on its own.
  ['Node addon facts', 'cargo', ['test', '-p', 'tracker-node', '--test', 'facts']],
  ['Build addon and TypeScript', process.execPath, [path.join(__dirname, 'build.js')]],
  ['TypeScript compatibility with Snowplow RN 2.1.2', process.execPath, [path.join(root, 'tests', 'types', 'check.js')]],
  ['Generate Kotlin and Swift bindings', process.execPath, [path.join(__dirname, 'bindings.js')]],
  ['Node end-to-end tests and layer parity', process.execPath, ['--test', '--test-concurrency=2', 'tests/node/']],
  ['Jest entry: the mock and the real core under Jest', process.execPath, [path.join(root, 'tests', 'jest', 'run.js')]],
  ['Packing guards: prepack refuses a tree without its native outputs', process.execPath, ['--test', 'tests/pack/']],
  ['Example app: packed, installed, autolinked, codegen, bundled, type-checked, Jest', process.execPath, [path.join(root, 'example', 'check.js')]],
  ['JVM tests of the generated Kotlin bindings', 'mvn', ['-B', '--no-transfer-progress', '-f', 'tests/jvm/pom.xml', 'test']],
  ['Android TurboModule compiled and tested on the JVM, per React Native version', process.execPath, [path.join(__dirname, 'android-jvm.js'), '--no-bindings', '--matrix']],
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
