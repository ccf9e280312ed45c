'use strict';
/**
 * The two entries: importing either has no side effects, and the React
 * Native entry follows AppState. The RN entry runs here with a stand-in
 * `react-native` module whose TurboModuleRegistry hands out the real core
 * (the Node addon implements the same spec), so what is tested is the entry's
 * own wiring, not a mock of the core.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const Module = require('module');
const path = require('path');
const { spawnSync } = require('child_process');
const { startCollector } = require('../collector');
const { tempDir, uniqueNamespace } = require('./helpers');

const root = path.resolve(__dirname, '..', '..');

test('importing the Node entry loads nothing native and starts nothing', () => {
  const script = `
    const before = Object.keys(require.cache).length;
    const api = require(${JSON.stringify(root)});
    const natives = Object.keys(require.cache).filter((k) => k.endsWith('.node'));
    console.log(JSON.stringify({ natives, exports: Object.keys(api).sort(), handles: process._getActiveHandles().length }));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim());
  assert.deepEqual(out.natives, []);
  assert.equal(out.handles, 0);
  assert.deepEqual(out.exports, [
    'TrackerError',
    'createTracker',
    'getAllTrackers',
    'getWebViewCallback',
    'removeAllTrackers',
    'removeTracker',
    'setAppState',
  ]);
});

test('React Native entry: no lookup at import, then follows AppState through the TurboModule', async (t) => {
  const addon = require(path.join(root, 'lib', 'tracker_node.node'));
  const lookups = [];
  const listeners = [];
  const fakeReactNative = {
    TurboModuleRegistry: {
      getEnforcing(name) {
        lookups.push(name);
        return addon;
      },
      get: () => addon,
    },
    AppState: {
      currentState: 'active',
      addEventListener(type, listener) {
        assert.equal(type, 'change');
        listeners.push(listener);
        return { remove() {} };
      },
    },
  };
  const originalResolve = Module._resolveFilename;
  Module._resolveFilename = function resolve(request, ...rest) {
    return request === 'react-native' ? 'react-native' : originalResolve.call(this, request, ...rest);
  };
  require.cache['react-native'] = { id: 'react-native', filename: 'react-native', loaded: true, exports: fakeReactNative };
  t.after(() => {
    Module._resolveFilename = originalResolve;
    delete require.cache['react-native'];
  });

  const rn = require(path.join(root, 'lib', 'index.js'));
  assert.deepEqual(lookups, [], 'no TurboModule lookup at import');
  assert.deepEqual(listeners, [], 'no AppState listener at import');

  const collector = await startCollector();
  t.after(() => collector.close());
  t.after(() => rn.removeAllTrackers());
  const namespace = uniqueNamespace('rn');
  const tracker = rn.createTracker(namespace, { endpoint: collector.url }, {
    trackerConfig: { installAutotracking: false }, // the lifecycle events only
    sessionConfig: { foregroundTimeout: 360, backgroundTimeout: 15 },
    storage: { directory: tempDir(t) },
  });
  await tracker.trackScreenViewEvent({ name: 'Home' });
  assert.deepEqual(lookups, ['RustTracker']);
  assert.equal(listeners.length, 1, 'one AppState listener');
  rn.createTracker(uniqueNamespace('rn2'), { endpoint: collector.url }, { storage: { directory: tempDir(t) } });
  assert.equal(listeners.length, 1, 'still one listener for two trackers');

  listeners[0]('background');
  assert.equal(await tracker.getIsInBackground(), true);
  listeners[0]('inactive');
  listeners[0]('unknown'); // not a move either way: the core ignores it
  assert.equal(await tracker.getIsInBackground(), true);
  listeners[0]('active');
  assert.equal(await tracker.getIsInBackground(), false);
  assert.equal(await tracker.getForegroundIndex(), 1);
  await tracker.flush();
  await collector.waitFor(3);
  const mine = collector.events.filter((e) => e.raw.tna === namespace);
  assert.deepEqual(mine.map((e) => e.schema.split('/')[1]), ['screen_view', 'application_background', 'application_foreground']);
});

test('§3.8: an app launched in the background starts its first tracker in the background', async (t) => {
  // A fresh process: the React Native entry reports AppState once, at the first tracker.
  const script = `
    const Module = require('module');
    const path = require('path');
    const { startCollector } = require(${JSON.stringify(path.join(root, 'tests', 'collector.js'))});
    const addon = require(path.join(${JSON.stringify(root)}, 'lib', 'tracker_node.node'));
    const listeners = [];
    const fake = {
      TurboModuleRegistry: { getEnforcing: () => addon, get: () => addon },
      AppState: { currentState: 'background', addEventListener: (type, l) => listeners.push(l) },
    };
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      return request === 'react-native' ? 'react-native' : resolve.call(this, request, ...rest);
    };
    require.cache['react-native'] = { id: 'react-native', filename: 'react-native', loaded: true, exports: fake };
    const rn = require(path.join(${JSON.stringify(root)}, 'lib', 'index.js'));
    (async () => {
      const collector = await startCollector();
      const tracker = rn.createTracker('headless', { endpoint: collector.url }, { trackerConfig: { installAutotracking: false }, storage: { directory: process.argv[1] } });
      const atStart = await tracker.getIsInBackground();
      await tracker.trackScreenViewEvent({ name: 'Fetch' });
      listeners[0]('active');
      const afterActive = await tracker.getIsInBackground();
      await tracker.flush();
      await collector.waitFor(2);
      const kinds = collector.events.map((e) => e.schema.split('/')[1]);
      console.log(JSON.stringify({ atStart, afterActive, kinds, foregroundIndex: await tracker.getForegroundIndex() }));
      await rn.removeAllTrackers();
      await collector.close();
    })();
  `;
  const r = spawnSync(process.execPath, ['-e', script, tempDir(t)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.equal(out.atStart, true, 'in the background from the start, before any event');
  assert.equal(out.afterActive, false);
  assert.deepEqual(out.kinds, ['screen_view', 'application_foreground'], 'no Background event at start, a Foreground event on the move');
  assert.equal(out.foregroundIndex, 1);
});

test('a missing Node addon is a clear error, not a crash', () => {
  const script = `
    const { createTracker } = require(${JSON.stringify(root)});
    createTracker('noAddon', { endpoint: 'c.io' }).getSessionId().then(
      () => console.log('resolved'),
      (e) => console.log(e.message),
    );
  `;
  const r = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, RN_RUST_TRACKER_ADDON: path.join(root, 'no-such-addon.node') },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^createTracker: the Node addon could not be loaded from .*no-such-addon\.node/);
  assert.match(r.stdout, /built from a checkout of react-native-rust-tracker by `npm install`/);
});
