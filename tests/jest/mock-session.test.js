'use strict';
/** The mock's session getters follow the session rules closely enough for component tests. */
const { createTracker, removeTracker, setAppState, trackedEvents, resetTrackerMock } = require('react-native-rust-tracker/jest');

const NETWORK = { endpoint: 'http://127.0.0.1:9' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
afterEach(() => {
  resetTrackerMock();
  jest.useRealTimers();
});

test('the user id exists before any event, is stable per namespace (also when created again), differs between namespaces', async () => {
  const a = createTracker('a', NETWORK);
  const user = await a.getSessionUserId();
  expect(user).toMatch(UUID);
  await a.trackScreenViewEvent({ name: 'A' });
  expect(await a.getSessionUserId()).toBe(user);
  await removeTracker('a');
  expect(await createTracker('a', NETWORK).getSessionUserId()).toBe(user);
  expect(await createTracker('b', NETWORK).getSessionUserId()).not.toBe(user);
});

test('no session id or index before the first event; the first event starts session 1 and calls onSessionUpdate first', async () => {
  const updates = [];
  const t = createTracker('s', NETWORK, { sessionConfig: { onSessionUpdate: (s) => updates.push(s) } });
  expect(await t.getSessionId()).toBeUndefined();
  expect(await t.getSessionIndex()).toBeUndefined();
  const p = t.trackScreenViewEvent({ name: 'A' }).then(() => updates.length);
  expect(await p).toBe(1); // delivered before the call's Promise resolved
  const id = await t.getSessionId();
  expect(id).toMatch(UUID);
  expect(await t.getSessionIndex()).toBe(1);
  const event = trackedEvents()[0];
  expect(updates[0]).toEqual({
    userId: await t.getSessionUserId(),
    sessionId: id,
    sessionIndex: 1,
    previousSessionId: null,
    storageMechanism: 'SQLITE',
    firstEventId: event.eventId,
    firstEventTimestamp: new Date(event.timestamp).toISOString(),
    eventIndex: 1,
  });
  await t.trackScreenViewEvent({ name: 'B' });
  expect(updates).toHaveLength(1);
  expect(trackedEvents().map((e) => [e.session.sessionId, e.session.eventIndex])).toEqual([[id, 1], [id, 2]]);
});

test('startNewSession gives a new session at the next event, not before', async () => {
  const t = createTracker('n', NETWORK);
  await t.trackScreenViewEvent({ name: 'A' });
  const first = await t.getSessionId();
  await t.startNewSession();
  expect(await t.getSessionId()).toBe(first);
  await t.trackScreenViewEvent({ name: 'B' });
  expect(await t.getSessionId()).not.toBe(first);
  expect(await t.getSessionIndex()).toBe(2);
  expect(trackedEvents()[1].session.previousSessionId).toBe(first);
});

test('a tracker created again starts a new session at its first event, its index continuing', async () => {
  const t = createTracker('again', NETWORK);
  await t.trackScreenViewEvent({ name: 'A' });
  await removeTracker('again');
  const u = createTracker('again', NETWORK);
  expect(await u.getSessionId()).toBeUndefined();
  await u.trackScreenViewEvent({ name: 'B' });
  expect(await u.getSessionIndex()).toBe(2);
});

test('setAppState: background and foreground indexes, getIsInBackground, lifecycle events', async () => {
  const t = createTracker('life', NETWORK);
  const quiet = createTracker('quiet', NETWORK, { trackerConfig: { lifecycleAutotracking: false } });
  await t.trackScreenViewEvent({ name: 'A' });
  expect(await t.getIsInBackground()).toBe(false);
  expect([await t.getBackgroundIndex(), await t.getForegroundIndex()]).toEqual([0, 0]);
  await setAppState('background');
  expect(await t.getIsInBackground()).toBe(true);
  expect(await t.getBackgroundIndex()).toBe(1);
  await setAppState('inactive'); // no change, as in the core
  await setAppState('background'); // already there
  expect(await t.getBackgroundIndex()).toBe(1);
  await setAppState('active');
  expect(await t.getIsInBackground()).toBe(false);
  expect([await t.getBackgroundIndex(), await t.getForegroundIndex()]).toEqual([1, 1]);
  expect(trackedEvents('life').filter((e) => e.automatic).map((e) => [e.method, e.argmap])).toEqual([
    ['applicationBackground', { backgroundIndex: 1 }],
    ['applicationForeground', { foregroundIndex: 1 }],
  ]);
  // lifecycleAutotracking false: counted, no event
  expect(trackedEvents('quiet')).toEqual([]);
  expect([await quiet.getBackgroundIndex(), await quiet.getForegroundIndex()]).toEqual([1, 1]);
  // a new session counts from 0 again
  await t.startNewSession();
  await t.trackScreenViewEvent({ name: 'B' });
  expect([await t.getBackgroundIndex(), await t.getForegroundIndex()]).toEqual([0, 0]);
});

test('a tracker created while the app is in the background starts in the background', async () => {
  await setAppState('background');
  expect(await createTracker('late', NETWORK).getIsInBackground()).toBe(true);
});

test('timeouts: a new session after foregroundTimeout of inactivity (Jest fake timers), not while paused', async () => {
  jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
  const t = createTracker('timeout', NETWORK, { sessionConfig: { foregroundTimeout: 10, backgroundTimeout: 5 } });
  await t.trackScreenViewEvent({ name: 'A' });
  jest.advanceTimersByTime(9000);
  await t.trackScreenViewEvent({ name: 'B' });
  expect(await t.getSessionIndex()).toBe(1);
  jest.advanceTimersByTime(11000);
  await t.trackScreenViewEvent({ name: 'C' });
  expect(await t.getSessionIndex()).toBe(2);
  await t.pauseSessionChecking();
  jest.advanceTimersByTime(60000);
  await t.trackScreenViewEvent({ name: 'D' });
  expect(await t.getSessionIndex()).toBe(2);
  await t.resumeSessionChecking();
  jest.advanceTimersByTime(11000);
  await t.trackScreenViewEvent({ name: 'E' });
  expect(await t.getSessionIndex()).toBe(3);
  // in the background, backgroundTimeout counts
  await setAppState('background');
  jest.advanceTimersByTime(6000);
  await t.trackScreenViewEvent({ name: 'F' });
  expect(await t.getSessionIndex()).toBe(4);
});

test('userAnonymisation: the session entity carries the nil user id, the getter the real one', async () => {
  const t = createTracker('anon', NETWORK, { trackerConfig: { userAnonymisation: true } });
  await t.trackScreenViewEvent({ name: 'A' });
  expect(trackedEvents()[0].session.userId).toBe('00000000-0000-0000-0000-000000000000');
  expect(await t.getSessionUserId()).toMatch(UUID);
});
