#!/usr/bin/env node
'use strict';
/**
 * `postpack`: puts back the package.json (with its development scripts) that
 * scripts/prepack.js rewrote for the tarball. npm skips postpack when the pack
 * fails; the next prepack restores it then. Under `npm publish` the restore
 * waits for npm to exit (see scripts/prepack.js).
 */
const path = require('path');
const { restoreManifest, deferRestore } = require('./prepack');

const root = path.resolve(__dirname, '..');
// npm publish reads package.json again after postpack (see deferRestore).
if (process.env.npm_command === 'publish' && deferRestore(root, 'postpack')) {
  // restored when npm exits
} else if (!restoreManifest(root, 'postpack')) {
  console.log('[postpack] package.json was not rewritten; nothing to restore');
}
