#!/usr/bin/env node
'use strict';
/**
 * `postpack`: puts back the package.json (with its development scripts) that
 * scripts/prepack.js rewrote for the tarball. npm skips postpack when the pack
 * fails; the next prepack restores it then (see scripts/prepack.js).
 */
const path = require('path');
const { restoreManifest } = require('./prepack');

if (!restoreManifest(path.resolve(__dirname, '..'), 'postpack')) {
  console.log('[postpack] package.json was not rewritten; nothing to restore');
}
