'use strict';
/**
 * In an app, resolved as with React Native's preset, the documented real-core
 * line gives the real core (the Node addon of the linked checkout) in place of
 * the React Native entry: an event goes through Rust to the loopback
 * collector (tests/collector.js of the checkout, found by RN_RUST_TRACKER_CHECKOUT).
 */
jest.mock('react-native-rust-tracker', () => jest.requireActual('react-native-rust-tracker/jest').realCore());

const fs = require('fs');
const os = require('os');
const path = require('path');
const { createTracker, removeAllTrackers } = require('react-native-rust-tracker');
const { startCollector } = require(path.join(process.env.RN_RUST_TRACKER_CHECKOUT, 'tests', 'collector.js'));

test('the package name is the real core (the Node entry), not the mock', () => {
  const entry = require('react-native-rust-tracker');
  expect(entry.trackedEvents).toBeUndefined();
  expect(Object.keys(entry).sort()).toEqual(Object.keys(jest.requireActual(path.join(process.env.RN_RUST_TRACKER_CHECKOUT, 'lib', 'node.js'))).sort());
});

test('a screen view reaches the collector through the real core', async () => {
  const collector = await startCollector();
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'rn-rust-tracker-jest-app-'));
  try {
    const t = createTracker(`app_${process.pid}`, { endpoint: collector.url }, {
      trackerConfig: { installAutotracking: false, lifecycleAutotracking: false },
      storage: { directory },
    });
    await t.trackScreenViewEvent({ name: 'Home' });
    await t.flush();
    const [event] = await collector.waitFor(1);
    expect(event.data).toMatchObject({ name: 'Home' });
    expect(event.session.sessionId).toBe(await t.getSessionId());
  } finally {
    await removeAllTrackers();
    fs.rmSync(directory, { recursive: true, force: true });
    await collector.close();
  }
});
