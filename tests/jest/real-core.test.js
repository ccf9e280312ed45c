'use strict';
/**
 * The documented real-core option under Jest: one `jest.mock` line makes
 * `react-native-rust-tracker` the Node entry over the Rust core (the built
 * addon, lib/tracker_node.node), which sends to the loopback collector
 * (every event checked against its Iglu schemas; closing it fails the test on
 * any invalid one). Also: the real tracker's and the real entry's key sets are
 * the mock's, so the mock cannot fall behind the real API.
 */
jest.mock('react-native-rust-tracker', () => jest.requireActual('react-native-rust-tracker/jest').realCore());

const fs = require('fs');
const os = require('os');
const path = require('path');
const tracker = require('react-native-rust-tracker');
const mock = jest.requireActual('react-native-rust-tracker/jest');
const { startCollector } = require('../collector');
const { typedTrackerMethods } = require('./helpers');

let collector;
let directory;
const ns = (name) => `jest_${process.pid}_${name}`;

beforeAll(async () => {
  collector = await startCollector();
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'rn-rust-tracker-jest-'));
});

afterAll(async () => {
  try {
    await tracker.removeAllTrackers();
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
    await collector.close(); // rejects when an event was invalid against its schemas
  }
});

function create(name, controllerConfig = {}) {
  // Install and lifecycle events off: the test counts its own events.
  return tracker.createTracker(ns(name), { endpoint: collector.url }, {
    storage: { directory },
    ...controllerConfig,
    trackerConfig: { installAutotracking: false, lifecycleAutotracking: false, ...controllerConfig.trackerConfig },
  });
}

test('the jest.mock line gives the real core: realCoreAvailable() and the Node entry', () => {
  expect(mock.realCoreAvailable()).toBe(true);
  expect(tracker.trackedEvents).toBeUndefined(); // not the mock
  expect(Object.keys(tracker).sort()).toEqual(Object.keys(jest.requireActual('../../lib/node.js')).sort());
});

test('events tracked through the real core reach the collector, with the session the getters report', async () => {
  const updates = [];
  const t = create('events', { sessionConfig: { onSessionUpdate: (s) => updates.push(s) } });
  expect(await t.getSessionId()).toBeUndefined();
  await t.trackScreenViewEvent({ name: 'Home' });
  await t.trackStructuredEvent({ category: 'shop', action: 'add', value: 2 });
  await t.flush();
  const events = await collector.waitFor(2);
  const mine = events.filter((e) => e.raw.tna === ns('events'));
  expect(mine.map((e) => e.raw.e)).toEqual(['ue', 'se']);
  expect(mine[0].data).toMatchObject({ name: 'Home' });
  expect(mine[1].raw).toMatchObject({ se_ca: 'shop', se_ac: 'add', se_va: '2' });
  const sessionId = await t.getSessionId();
  expect(mine.map((e) => e.session.sessionId)).toEqual([sessionId, sessionId]);
  expect(await t.getSessionIndex()).toBe(1);
  expect(updates.map((u) => u.sessionId)).toEqual([sessionId]);
  expect(await t.getDeliveryStats()).toMatchObject({ sent: 2, queued: 0 });
});

test('the real core validates what the fake accepts (the fake is a test double)', async () => {
  const real = create('validates');
  await expect(real.trackScreenViewEvent({})).rejects.toMatchObject({ name: 'TrackerError', code: 'INVALID_EVENT' });
  const fake = mock.createTracker('validates', { endpoint: 'http://127.0.0.1:9' });
  await expect(fake.trackScreenViewEvent({})).resolves.toBeUndefined();
  mock.resetTrackerMock();
});

test('a real tracker has exactly the mock tracker\'s methods, and types.ts\'s', () => {
  const real = create('keys');
  const fake = mock.createTracker('keys', { endpoint: 'http://127.0.0.1:9' });
  expect(Object.keys(fake).sort()).toEqual(Object.keys(real).sort());
  expect(Object.keys(real).sort()).toEqual(typedTrackerMethods());
  mock.resetTrackerMock();
});

test('the real module\'s exports are the mock\'s, less its documented helpers', () => {
  const helpers = new Set(mock.MOCK_HELPERS);
  expect(Object.keys(tracker).sort()).toEqual(Object.keys(mock).filter((k) => !helpers.has(k)).sort());
});
