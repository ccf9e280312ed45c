#!/usr/bin/env node
'use strict';
/**
 * Builds the host library of crates/tracker-ffi and generates its Kotlin and
 * Swift bindings with the pinned generator (crates/uniffi-bindgen). Outputs
 * (not committed): bindings/kotlin, bindings/swift, and copies where the
 * platform modules compile them: android/src/main/java/.../core/tracker_ffi.kt
 * and ios/Generated/.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const lib = { darwin: 'libtracker_ffi.dylib', win32: 'tracker_ffi.dll' }[process.platform] || 'libtracker_ffi.so';
const library = path.join(root, 'target', 'debug', lib);

function run(cmd, args) {
  console.log(`[bindings] ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
}

run('cargo', ['build', '-p', 'tracker-ffi', '-p', 'uniffi-bindgen']);
const bindgen = path.join(root, 'target', 'debug', process.platform === 'win32' ? 'uniffi-bindgen.exe' : 'uniffi-bindgen');
for (const language of ['kotlin', 'swift']) {
  const out = path.join(root, 'bindings', language);
  fs.rmSync(out, { recursive: true, force: true });
  run(bindgen, ['generate', '--library', library, '--language', language, '--out-dir', out, '--no-format']);
}
const kotlin = path.join(root, 'bindings', 'kotlin', 'com', 'reactnativerusttracker', 'core', 'tracker_ffi.kt');
const androidDir = path.join(root, 'android', 'src', 'main', 'java', 'com', 'reactnativerusttracker', 'core');
fs.mkdirSync(androidDir, { recursive: true });
fs.copyFileSync(kotlin, path.join(androidDir, 'tracker_ffi.kt'));
const iosDir = path.join(root, 'ios', 'Generated');
fs.mkdirSync(iosDir, { recursive: true });
for (const f of fs.readdirSync(path.join(root, 'bindings', 'swift'))) {
  // The podspec finds the C module through ios/Generated/module.modulemap.
  const target = f.endsWith('.modulemap') ? 'module.modulemap' : f;
  fs.copyFileSync(path.join(root, 'bindings', 'swift', f), path.join(iosDir, target));
}
console.log('[bindings] Kotlin -> android/src/main/java/com/reactnativerusttracker/core/, Swift -> ios/Generated/');
