'use strict';
/**
 * The last-resort guard of the addon: a panic in the core, below the native
 * surface, comes back as a Promise rejected with code INTERNAL naming the
 * method, the process goes on, and the tracker keeps working.
 *
 * The panic is injected with the core's `panic-injection` Cargo feature,
 * which no shipped build has: this test builds a second addon with it into
 * target/panic-injection/ (lib/tracker_node.node is never touched), and runs
 * the calls in a child Node process that loads it through
 * RN_RUST_TRACKER_ADDON.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { createTracker, removeAllTrackers } = require('../..');
const { tempDir, uniqueNamespace, runChild } = require('./helpers');

const root = path.resolve(__dirname, '..', '..');
const INJECTION = '__rnRustTrackerInjectPanic';

/**
 * Builds the addon with the feature and copies it to
 * target/panic-injection/tracker_node_panic_injection.node (require needs
 * `.node`); returns that path. The build shares target/ with the normal one
 * (only tracker-core and tracker-node recompile, seconds instead of minutes
 * for a target directory of its own), so the plain addon is built again right
 * after, and target/debug holds the shipped variant as before.
 */
function buildInjectedAddon() {
  const cargo = (args) => execFileSync('cargo', ['build', '-p', 'tracker-node', ...args], { cwd: root, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
  const libName = { darwin: 'libtracker_node.dylib', win32: 'tracker_node.dll' }[process.platform] || 'libtracker_node.so';
  const dir = path.join(root, 'target', 'panic-injection');
  const addon = path.join(dir, 'tracker_node_panic_injection.node');
  fs.mkdirSync(dir, { recursive: true });
  try {
    cargo(['--features', 'panic-injection']);
    fs.copyFileSync(path.join(root, 'target', 'debug', libName), addon);
  } finally {
    cargo([]);
  }
  return addon;
}

test('the injection string is the core\'s', () => {
  const input = fs.readFileSync(path.join(root, 'crates', 'tracker-core', 'src', 'input.rs'), 'utf8');
  assert.match(input, new RegExp(`pub const PANIC_INJECTION: &str = "${INJECTION}";`));
});

test('the shipped addon has no injection: the string is an unknown method and an unknown field', async (t) => {
  t.after(() => removeAllTrackers());
  const addon = require(path.join(root, 'lib', 'tracker_node.node'));
  const namespace = uniqueNamespace('noinjection');
  const tracker = createTracker(namespace, { endpoint: 'http://127.0.0.1:9' }, { storage: { directory: tempDir(t) } });
  await tracker.trackScreenViewEvent({ name: 'x' });
  await assert.rejects(addon.callTracker(namespace, INJECTION, '[]'), {
    code: 'UNKNOWN_METHOD',
    message: `${INJECTION}: unknown tracker method "${INJECTION}"`,
  });
  const other = uniqueNamespace('noinjection');
  await assert.rejects(addon.createTracker(other, JSON.stringify({ networkConfig: { endpoint: 'c.io' }, x: INJECTION })), {
    code: 'INVALID_CONFIG',
    message: /^createTracker: invalid configuration: x: unknown field `x`/,
  });
});

test('a panic below the addon is an INTERNAL rejection; the process and the tracker go on', { timeout: 10 * 60 * 1000 }, async (t) => {
  const addon = buildInjectedAddon();
  const { code, signal, result, stderr } = await runChild('panic-guard-child.js', [tempDir(t), INJECTION], {
    RN_RUST_TRACKER_ADDON: addon,
    RUST_BACKTRACE: '0',
  });
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, `the child ran to its end: ${stderr}`);
  assert.match(stderr, /panic injected for a test \(feature panic-injection\)/, 'the core really panicked');
  assert.deepEqual(result, {
    before: { resolved: null },
    callTracker: {
      code: 'INTERNAL',
      message: `${INJECTION}: internal error: the core panicked (panic injected for a test (feature panic-injection)); this is a bug, and the call was not completed`,
    },
    createTracker: {
      code: 'INTERNAL',
      message: 'createTracker: internal error: the core panicked (panic injected for a test (feature panic-injection)); this is a bug, and the call was not completed',
    },
    after: { resolved: null },
    sessionIndex: { resolved: 1 },
    otherNamespace: {
      code: 'UNKNOWN_TRACKER',
      message: "getSessionId: no tracker with namespace 'panicGuardOther': it was never created or has been removed",
    },
    setAppState: { resolved: null },
    removeTracker: { resolved: true },
    removeAllTrackers: { resolved: true },
  });
  // The shipped variant is back in target/debug.
  const libName = { darwin: 'libtracker_node.dylib', win32: 'tracker_node.dll' }[process.platform] || 'libtracker_node.so';
  assert.ok(!fs.readFileSync(path.join(root, 'target', 'debug', libName)).includes(INJECTION), 'target/debug has no injection');
  assert.ok(fs.readFileSync(addon).includes(INJECTION), 'the test addon has it');
});
