'use strict';
/**
 * The documented session example end to end, through the Node entry and the
 * real core, against the loopback collector, with the timeouts scaled down
 * (foreground 360 s, background 1.5 s; 2 s spent in the background).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { createTracker, setAppState, removeAllTrackers } = require('../..');
const { startCollector } = require('../collector');
const { UUID, ALLOWED_KEYS, sleep, tempDir, uniqueNamespace } = require('./helpers');

const BG = 'iglu:com.snowplowanalytics.snowplow/application_background/jsonschema/1-0-0';
const FG = 'iglu:com.snowplowanalytics.snowplow/application_foreground/jsonschema/1-0-0';
const SV = 'iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0';

async function getters(tracker) {
  return {
    userId: await tracker.getSessionUserId(),
    sessionId: await tracker.getSessionId(),
    sessionIndex: await tracker.getSessionIndex(),
    isInBackground: await tracker.getIsInBackground(),
    backgroundIndex: await tracker.getBackgroundIndex(),
    foregroundIndex: await tracker.getForegroundIndex(),
  };
}

test('documented example: screen view, background, 2 s, foreground gives sessions 1, 1, 2', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  t.after(() => setAppState('active'));
  t.after(() => removeAllTrackers());
  const namespace = uniqueNamespace('example');
  const tracker = createTracker(namespace, { endpoint: collector.url }, {
    // The example's events, with the session entity only (2.x's install event, screen and summary entities off).
    trackerConfig: { sessionContext: true, appId: 'demo-app', installAutotracking: false, screenContext: false, screenEngagementAutotracking: false },
    sessionConfig: { foregroundTimeout: 360, backgroundTimeout: 1.5 },
    storage: { directory: tempDir(t) },
  });

  const g0 = await getters(tracker);
  assert.match(g0.userId, UUID, 'user id exists before any event');
  assert.deepEqual({ ...g0, userId: undefined }, {
    userId: undefined, sessionId: undefined, sessionIndex: undefined,
    isInBackground: false, backgroundIndex: 0, foregroundIndex: 0,
  });

  await tracker.trackScreenViewEvent({ name: 'Home' });
  const g1 = await getters(tracker);
  assert.match(g1.sessionId, UUID);
  assert.deepEqual(g1, { ...g0, sessionId: g1.sessionId, sessionIndex: 1 });

  await setAppState('background');
  const g2 = await getters(tracker);
  assert.deepEqual(g2, { ...g1, isInBackground: true, backgroundIndex: 1 });

  await sleep(2000);
  await setAppState('active');
  const g3 = await getters(tracker);
  assert.notEqual(g3.sessionId, g1.sessionId);
  assert.deepEqual(g3, {
    userId: g0.userId, sessionId: g3.sessionId, sessionIndex: 2,
    isInBackground: false, backgroundIndex: 0, foregroundIndex: 1,
  });

  await tracker.flush();
  const events = await collector.waitFor(3);
  assert.equal(events.length, 3);
  const [sv, bg, fg] = events;
  assert.deepEqual(events.map((e) => e.schema), [SV, BG, FG]);
  assert.equal(sv.data.name, 'Home');
  assert.match(sv.data.id, UUID);
  assert.deepEqual(bg.data, { backgroundIndex: 1 });
  assert.deepEqual(fg.data, { foregroundIndex: 1 });

  const iso = (dtm) => new Date(Number(dtm)).toISOString();
  const expected = [
    { sessionId: g1.sessionId, sessionIndex: 1, previousSessionId: null, firstEventId: sv.raw.eid, firstEventTimestamp: iso(sv.raw.dtm), eventIndex: 1 },
    { sessionId: g1.sessionId, sessionIndex: 1, previousSessionId: null, firstEventId: sv.raw.eid, firstEventTimestamp: iso(sv.raw.dtm), eventIndex: 2 },
    { sessionId: g3.sessionId, sessionIndex: 2, previousSessionId: g1.sessionId, firstEventId: fg.raw.eid, firstEventTimestamp: iso(fg.raw.dtm), eventIndex: 1 },
  ];
  events.forEach((e, i) => {
    assert.deepEqual(e.session, { userId: g0.userId, storageMechanism: 'SQLITE', ...expected[i] }, `client_session of event ${i + 1}`);
    assert.match(e.session.firstEventTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(e.contextsSchema, 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1');
    assert.equal(e.entities.length, 1);
    const raw = e.raw;
    for (const [k, v] of Object.entries(raw)) {
      assert.ok(ALLOWED_KEYS.has(k), `payload_data allows ${k}`);
      assert.equal(typeof v, 'string', `${k} is a string`);
    }
    assert.equal(raw.e, 'ue');
    assert.match(raw.eid, UUID);
    assert.equal(raw.tna, namespace);
    assert.equal(raw.aid, 'demo-app');
    assert.equal(raw.p, 'mob');
    assert.match(raw.tv, /^rn-rust-\d+\.\d+\.\d+$/);
    assert.match(raw.dtm, /^\d{13}$/);
    assert.match(raw.stm, /^\d{13}$/);
    assert.ok(Number(raw.stm) >= Number(raw.dtm), 'sent after created');
    assert.doesNotMatch(raw.cx + raw.ue_px, /[+/=]/, 'URL-safe base64 without padding');
  });
  assert.ok(Number(fg.raw.dtm) - Number(bg.raw.dtm) >= 1500, 'the background gap exceeded the timeout');
});

test('a short background stay keeps the session; sessionContext false keeps sessions without the entity', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  t.after(() => setAppState('active'));
  t.after(() => removeAllTrackers());
  const tracker = createTracker(uniqueNamespace('short'), { endpoint: collector.url }, {
    trackerConfig: { sessionContext: false, base64Encoding: false, installAutotracking: false },
    sessionConfig: { foregroundTimeout: 360, backgroundTimeout: 60 },
    storage: { directory: tempDir(t) },
  });
  await tracker.trackStructuredEvent({ category: 'shop', action: 'add', label: 'sku-1', property: 'p', value: 2 });
  const id = await tracker.getSessionId();
  await setAppState('background');
  await setAppState('background'); // repeated state: ignored
  await setAppState('active');
  assert.equal(await tracker.getSessionId(), id);
  assert.equal(await tracker.getSessionIndex(), 1);
  assert.equal(await tracker.getBackgroundIndex(), 1);
  assert.equal(await tracker.getForegroundIndex(), 1);
  await tracker.startNewSession();
  assert.equal(await tracker.getSessionId(), id, 'startNewSession takes effect at the next event');
  await tracker.trackSelfDescribingEvent({ schema: 'iglu:com.acme/thing/jsonschema/1-0-0', data: { n: 1 } }, [
    { schema: 'iglu:com.acme/ctx/jsonschema/1-0-0', data: { k: 'v' } },
  ]);
  assert.equal(await tracker.getSessionIndex(), 2);
  assert.notEqual(await tracker.getSessionId(), id);

  await tracker.flush();
  const events = await collector.waitFor(4);
  assert.deepEqual(events.map((e) => e.raw.e), ['se', 'ue', 'ue', 'ue']);
  assert.deepEqual(
    [events[0].raw.se_ca, events[0].raw.se_ac, events[0].raw.se_la, events[0].raw.se_pr, events[0].raw.se_va],
    ['shop', 'add', 'sku-1', 'p', '2'],
  );
  assert.equal(events.filter((e) => e.session).length, 0, 'no client_session entity');
  assert.ok(events[3].raw.ue_pr && events[3].raw.co, 'plain JSON without base64');
  assert.deepEqual(events[3].entities, [{ schema: 'iglu:com.acme/ctx/jsonschema/1-0-0', data: { k: 'v' } }]);
  assert.deepEqual(events[3].data, { n: 1 });
});
