#!/usr/bin/env node
'use strict';
/**
 * Builds what the Node entry needs: the Node-API addon from crates/tracker-node
 * (copied to lib/tracker_node.node) and the TypeScript in js/src (to lib/).
 * Runs on `npm install` (prepare). RN_RUST_TRACKER_PROFILE=release builds the
 * addon optimised (for benchmarks); the default dev profile already compiles
 * SQLite and the other dependencies with optimisation.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const profile = process.env.RN_RUST_TRACKER_PROFILE === 'release' ? 'release' : 'debug';

function step(title, cmd, args) {
  console.log(`[build] ${title}: ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
}

step('Rust addon', 'cargo', ['build', '-p', 'tracker-node', ...(profile === 'release' ? ['--release'] : [])]);
const libName = { darwin: 'libtracker_node.dylib', win32: 'tracker_node.dll' }[process.platform] || 'libtracker_node.so';
const built = path.join(root, 'target', profile, libName);
fs.mkdirSync(path.join(root, 'lib'), { recursive: true });
fs.copyFileSync(built, path.join(root, 'lib', 'tracker_node.node'));
console.log(`[build] copied ${path.relative(root, built)} -> lib/tracker_node.node`);
step('TypeScript', process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', root]);
console.log('[build] done');
