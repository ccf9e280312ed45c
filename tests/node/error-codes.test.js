'use strict';
/**
 * Every error code of the core, through the Node entry: each scenario of
 * tests/fixtures/error-codes.json gives exactly its code and message. The
 * Kotlin module's test runs the same file, so Node and Android agree; nothing
 * on either side maps or rewrites an error.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { createTracker, removeTracker, removeAllTrackers, setAppState, TrackerError } = require('../..');
const { startCollector } = require('../collector');
const { tempDir, uniqueNamespace } = require('./helpers');

const { cases } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'error-codes.json'), 'utf8'));

/**
 * The trackerConfig of a scenario whose message counts the app's own events:
 * 2.x's application_install and screen_end events (on by default) turned off,
 * as ONLY_APP_EVENTS does in the Kotlin module's test.
 */
const ONLY_APP_EVENTS = { installAutotracking: false, screenEngagementAutotracking: false };

/** Each scenario: resolves with the rejection it ends in. */
const scenarios = {
  async 'bad-endpoint'({ namespace, dir }) {
    return createTracker(namespace, { endpoint: 'ftp://collector' }, { storage: { directory: dir } }).getSessionId();
  },
  async 'screen-view-without-name'({ namespace, dir, collector }) {
    return createTracker(namespace, { endpoint: collector.url }, { storage: { directory: dir } }).trackScreenViewEvent({});
  },
  async 'bad-app-state'() {
    return setAppState('sideways');
  },
  async 'getter-with-argument'({ namespace, dir, collector }) {
    // The typed API passes no argument; the raw surface shows the core's check.
    createTracker(namespace, { endpoint: collector.url }, { storage: { directory: dir } });
    const addon = require(path.join(__dirname, '..', '..', 'lib', 'tracker_node.node'));
    return addon.callTracker(namespace, 'getSessionId', '[1]').catch((e) => {
      throw new TrackerError(e.code, 'getSessionId', e.message);
    });
  },
  async 'never-created'({ namespace }) {
    const addon = require(path.join(__dirname, '..', '..', 'lib', 'tracker_node.node'));
    return addon.callTracker(namespace, 'getSessionId', '[]').catch((e) => {
      throw new TrackerError(e.code, 'getSessionId', e.message);
    });
  },
  async 'unknown-method'({ namespace, dir, collector }) {
    createTracker(namespace, { endpoint: collector.url }, { storage: { directory: dir } });
    const addon = require(path.join(__dirname, '..', '..', 'lib', 'tracker_node.node'));
    return addon.callTracker(namespace, 'explode', '[]').catch((e) => {
      throw new TrackerError(e.code, 'explode', e.message);
    });
  },
  async 'directory-under-a-file'({ namespace, dir }) {
    fs.writeFileSync(path.join(dir, 'a-file'), 'not a directory');
    const tracker = createTracker(namespace, { endpoint: 'http://127.0.0.1:9' }, { storage: { directory: path.join(dir, 'a-file', 'sub') } });
    return tracker.trackScreenViewEvent({ name: 'x' });
  },
  async 'dead-collector'({ namespace, dir }) {
    // The message counts the queued events: only the screen view, no install event.
    const tracker = createTracker(namespace, { endpoint: 'http://127.0.0.1:9' }, { trackerConfig: ONLY_APP_EVENTS, storage: { directory: dir } });
    await tracker.trackScreenViewEvent({ name: 'x' });
    return tracker.flush();
  },
  async 'removed-during-flush'({ namespace, dir, collector }) {
    const held = collector.hold();
    const tracker = createTracker(namespace, { endpoint: collector.url }, { storage: { directory: dir } });
    await tracker.trackScreenViewEvent({ name: 'x' });
    const flushed = tracker.flush();
    flushed.catch(() => undefined); // settles while the removal is awaited
    await held.arrived;
    // The removal does not wait for the held request.
    assert.equal(await removeTracker(namespace), true);
    held.release();
    return flushed;
  },
};

test('each error code: the same code and message as the shared fixture', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  t.after(() => removeAllTrackers());
  assert.deepEqual(
    [...new Set(cases.map((c) => c.code))].sort(),
    ['INVALID_ARGUMENT', 'INVALID_CONFIG', 'INVALID_EVENT', 'NETWORK', 'SHUT_DOWN', 'STORAGE', 'UNKNOWN_METHOD', 'UNKNOWN_TRACKER'],
    'the fixture covers every code of the core',
  );
  for (const c of cases) {
    const namespace = uniqueNamespace(c.scenario.replace(/-/g, '_'));
    const dir = tempDir(t);
    const err = await scenarios[c.scenario]({ namespace, dir, collector }).then(
      () => assert.fail(`${c.scenario} resolved`),
      (e) => e,
    );
    assert.ok(err instanceof TrackerError, `${c.scenario}: a TrackerError`);
    const expected = c.message.replaceAll('{namespace}', namespace).replaceAll('{dir}', dir);
    assert.deepEqual({ code: err.code, message: err.message }, { code: c.code, message: expected }, c.scenario);
    assert.equal(err.method, c.message.split(':')[0], `${c.scenario}: method`);
  }
});
