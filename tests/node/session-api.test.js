'use strict';
/**
 * The session API added in TypeScript on top of the core's method table
 * (docs/sessions.md §6): `sessionConfig.onSessionUpdate` and
 * `pauseSessionChecking()` / `resumeSessionChecking()`, through the Node
 * entry and the real core.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { createTracker, setAppState, removeAllTrackers } = require('../..');
const { startCollector } = require('../collector');
const { UUID, sleep, tempDir, uniqueNamespace } = require('./helpers');

test('§6.1–§6.2: onSessionUpdate once per session, in order, before the Promise of the call that started it', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  t.after(() => removeAllTrackers());
  const log = [];
  const sessions = [];
  const tracker = createTracker(uniqueNamespace('update'), { endpoint: collector.url }, {
    sessionConfig: {
      onSessionUpdate: (s) => {
        sessions.push(s);
        log.push(`session ${s.sessionIndex}`);
      },
    },
    storage: { directory: tempDir(t) },
  });
  const calls = [];
  for (let round = 0; round < 50; round += 1) {
    const label = `call ${round}`;
    calls.push(tracker.trackScreenViewEvent({ name: `s${round}` }).then(() => log.push(`${label} resolved`)));
    calls.push(tracker.trackStructuredEvent({ category: 'c', action: 'a' }).then(() => log.push(`${label}b resolved`)));
    if (round % 5 === 4) calls.push(tracker.startNewSession());
  }
  await Promise.all(calls);

  assert.deepEqual(sessions.map((s) => s.sessionIndex), Array.from({ length: 10 }, (_, i) => i + 1), 'once per session, in order');
  // Session k+1 starts at the screen view of round 5k: its callback comes right before that call resolves.
  for (let k = 0; k < 10; k += 1) {
    const at = log.indexOf(`call ${5 * k} resolved`);
    assert.equal(log[at - 1], `session ${k + 1}`, `session ${k + 1} reported just before the call that started it resolved`);
  }
  for (const [i, s] of sessions.entries()) {
    assert.match(s.sessionId, UUID);
    assert.match(s.userId, UUID);
    assert.equal(s.eventIndex, 1);
    assert.equal(s.storageMechanism, 'SQLITE');
    assert.equal(s.previousSessionId, i === 0 ? null : sessions[i - 1].sessionId);
    assert.match(s.firstEventTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  await tracker.flush();
  const events = await collector.waitFor(100);
  const firsts = events.filter((e) => e.session.eventIndex === 1);
  assert.deepEqual(firsts.map((e) => e.raw.eid), sessions.map((s) => s.firstEventId), 'each snapshot names the event that started it');
  assert.deepEqual(firsts.map((e) => e.session), sessions, 'the snapshot is that event\'s client_session');
});

test('§6.3: a session started by the foreground event of setAppState is reported before setAppState resolves', async (t) => {
  t.after(() => setAppState('active'));
  t.after(() => removeAllTrackers());
  const log = [];
  const other = [];
  const tracker = createTracker(uniqueNamespace('appstate'), { endpoint: 'http://127.0.0.1:9' }, {
    sessionConfig: { backgroundTimeout: 0.05, onSessionUpdate: (s) => log.push(`session ${s.sessionIndex}`) },
    storage: { directory: tempDir(t) },
  });
  // A second tracker with its own callback: each gets only its own sessions.
  createTracker(uniqueNamespace('appstate_other'), { endpoint: 'http://127.0.0.1:9' }, {
    sessionConfig: { onSessionUpdate: (s) => other.push(s.sessionIndex) },
    storage: { directory: tempDir(t) },
  });
  await tracker.trackScreenViewEvent({ name: 'Home' });
  await setAppState('background');
  await sleep(200); // longer than the 50 ms background timeout
  await setAppState('active').then(() => log.push('setAppState resolved'));
  assert.deepEqual(log, ['session 1', 'session 2', 'setAppState resolved']);
  assert.deepEqual(other, [1], 'the other tracker reported its own first session (its Background event) only');
  assert.equal(await tracker.getForegroundIndex(), 1);
});

test('§6.1: without onSessionUpdate nothing is reported, and a non-function is a configuration error', async (t) => {
  t.after(() => removeAllTrackers());
  const plain = createTracker(uniqueNamespace('plain'), { endpoint: 'http://127.0.0.1:9' }, { storage: { directory: tempDir(t) } });
  await plain.trackScreenViewEvent({ name: 'x' });
  assert.equal(await plain.getSessionIndex(), 1);
  const bad = createTracker(uniqueNamespace('bad'), { endpoint: 'http://127.0.0.1:9' }, {
    sessionConfig: { onSessionUpdate: 'callback' },
    storage: { directory: tempDir(t) },
  });
  await assert.rejects(bad.trackScreenViewEvent({ name: 'x' }), {
    code: 'INVALID_CONFIG',
    message: 'trackScreenViewEvent: invalid configuration: sessionConfig.onSessionUpdate must be a function, got string "callback"',
  });
});

test('§6.1: an onSessionUpdate that throws does not fail the call or stop later reports', async (t) => {
  t.after(() => removeAllTrackers());
  const seen = [];
  const errors = [];
  const original = console.error;
  console.error = (...args) => errors.push(args.join(' '));
  t.after(() => (console.error = original));
  const tracker = createTracker(uniqueNamespace('throws'), { endpoint: 'http://127.0.0.1:9' }, {
    sessionConfig: {
      onSessionUpdate: (s) => {
        seen.push(s.sessionIndex);
        throw new Error('app bug');
      },
    },
    storage: { directory: tempDir(t) },
  });
  await tracker.trackScreenViewEvent({ name: 'a' });
  await tracker.startNewSession();
  await tracker.trackScreenViewEvent({ name: 'b' });
  assert.deepEqual(seen, [1, 2]);
  assert.equal(errors.length, 2);
  assert.match(errors[0], /onSessionUpdate threw: Error: app bug/);
});

test('§6.4: pauseSessionChecking keeps the session past its timeout; resumeSessionChecking applies it again', async (t) => {
  t.after(() => removeAllTrackers());
  const tracker = createTracker(uniqueNamespace('pause'), { endpoint: 'http://127.0.0.1:9' }, {
    // A zero timeout: any later event starts a new session, unless paused.
    sessionConfig: { foregroundTimeout: 0 },
    storage: { directory: tempDir(t) },
  });
  await tracker.trackScreenViewEvent({ name: 'a' });
  assert.equal(await tracker.getSessionIndex(), 1);
  await tracker.pauseSessionChecking();
  for (const name of ['b', 'c', 'd']) {
    await sleep(5);
    await tracker.trackScreenViewEvent({ name });
  }
  assert.equal(await tracker.getSessionIndex(), 1, 'paused: no new session however long the gap');
  await tracker.resumeSessionChecking();
  await sleep(5);
  await tracker.trackScreenViewEvent({ name: 'e' });
  assert.equal(await tracker.getSessionIndex(), 2, 'resumed: the timeout applies again');
  await assert.rejects(tracker.pauseSessionChecking(true), {
    code: 'INVALID_ARGUMENT',
    message: 'pauseSessionChecking: invalid argument: pauseSessionChecking takes at most 0 argument(s), got 1',
  });
});
