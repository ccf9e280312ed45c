'use strict';
/**
 * In an app whose jest.config.js maps the package to the mock:
 * moduleNameMapper: { '^react-native-rust-tracker$': 'react-native-rust-tracker/jest' }.
 */
const tracker = require('react-native-rust-tracker');
const mock = require('react-native-rust-tracker/jest');

test('the package name is the mock, the same module as the subpath', async () => {
  expect(tracker).toBe(mock);
  const t = tracker.createTracker('mapped', { endpoint: 'https://collector.example' });
  await t.trackStructuredEvent({ category: 'c', action: 'a' });
  expect(mock.trackedEvents().map((e) => e.method)).toEqual(['trackStructuredEvent']);
});
