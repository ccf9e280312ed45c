'use strict';
/**
 * In an app (this file runs from a temporary app whose node_modules links the
 * package), resolved as Jest with React Native's preset resolves (conditions
 * `require`, `react-native`): the package name is the React Native entry,
 * and the documented one line replaces it with the mock.
 */
jest.mock('react-native-rust-tracker', () => require('react-native-rust-tracker/jest'));

const { createTracker, getAllTrackers } = require('react-native-rust-tracker');
const { trackedEvents, resetTrackerMock } = require('react-native-rust-tracker/jest');

afterEach(() => resetTrackerMock());

test('the package name resolves to the React Native entry (lib/index.js), the subpath to lib/jest.js', () => {
  expect(require.resolve('react-native-rust-tracker')).toMatch(/[\\/]lib[\\/]index\.js$/);
  expect(require.resolve('react-native-rust-tracker/jest')).toMatch(/[\\/]lib[\\/]jest\.js$/);
});

test('an app module creating its tracker at module scope works, and its events are recorded', async () => {
  // what an app's analytics.js does at import time
  const tracker = createTracker('app', { endpoint: 'https://collector.example' });
  await tracker.trackScreenViewEvent({ name: 'Home' });
  expect(getAllTrackers()).toEqual([tracker]);
  expect(trackedEvents()).toEqual([expect.objectContaining({ namespace: 'app', method: 'trackScreenViewEvent', argmap: { name: 'Home' } })]);
  expect(await tracker.getSessionIndex()).toBe(1);
});
