'use strict';
/**
 * What Snowplow's React Native tracker 2.x adds to events by default and on
 * request, end to end through the public API and the real core to the
 * loopback collector, each event checked field by field (and, by the
 * collector, against its Iglu schemas): global contexts (gcConfig,
 * addGlobalContexts / removeGlobalContexts by tag), the gdpr entity, user
 * anonymisation, application_install once per installation, the screen
 * entity and the previous-screen fields, the deep-link entity, and screen
 * engagement (screen_end with screen_summary, fed by scroll and list-item
 * events).
 *
 * Node reports no app version or device model, so the application and
 * mobile_context entities never appear here (the JVM tests cover them).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { spawn } = require('child_process');
const { createTracker, removeTracker, setAppState, TrackerError } = require('../..');
const { UUID, sleep, startTracker, received, tempDir, uniqueNamespace } = require('./helpers');

const SCHEMAS = {
  session: 'iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2',
  gdpr: 'iglu:com.snowplowanalytics.snowplow/gdpr/jsonschema/1-0-0',
  install: 'iglu:com.snowplowanalytics.mobile/application_install/jsonschema/1-0-0',
  screenView: 'iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0',
  screen: 'iglu:com.snowplowanalytics.mobile/screen/jsonschema/1-0-0',
  deepLink: 'iglu:com.snowplowanalytics.mobile/deep_link/jsonschema/1-0-0',
  deepLinkReceived: 'iglu:com.snowplowanalytics.mobile/deep_link_received/jsonschema/1-0-0',
  screenEnd: 'iglu:com.snowplowanalytics.mobile/screen_end/jsonschema/1-0-0',
  summary: 'iglu:com.snowplowanalytics.mobile/screen_summary/jsonschema/1-0-0',
  scroll: 'iglu:com.snowplowanalytics.mobile/scroll_changed/jsonschema/1-0-0',
  listItem: 'iglu:com.snowplowanalytics.mobile/list_item_view/jsonschema/1-0-0',
  background: 'iglu:com.snowplowanalytics.snowplow/application_background/jsonschema/1-0-0',
  foreground: 'iglu:com.snowplowanalytics.snowplow/application_foreground/jsonschema/1-0-0',
};
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const BASE = { schema: 'iglu:com.acme/base/jsonschema/1-0-0', data: { app: 'shop' } };
const CART_1 = { schema: 'iglu:com.acme/cart/jsonschema/1-0-0', data: { lines: 1 } };
const CART_2 = { schema: 'iglu:com.example/promo/jsonschema/2-0-0', data: { code: 'SPRING' } };
const CART_3 = { schema: 'iglu:com.acme/cart/jsonschema/1-0-0', data: { lines: 3 } };
const OWN = { schema: 'iglu:com.acme/own/jsonschema/1-0-0', data: { x: 1 } };

/** The schemas of an event's entities, in order, client_session left out. */
const entitySchemas = (e) => e.entities.map((x) => x.schema).filter((s) => s !== SCHEMAS.session);
/** The data of the event's entity of `schema`, or undefined. */
const entity = (e, schema) => e.entities.find((x) => x.schema === schema)?.data;
/** The entities of the event of these schemas, in order. */
const only = (e, ...schemas) => e.entities.filter((x) => schemas.includes(x.schema));

/** The call is rejected with `code` by `method`, its message matching `pattern`. */
async function refused(call, code, method, pattern) {
  await assert.rejects(call, (e) => {
    assert.ok(e instanceof TrackerError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.method, method);
    assert.match(e.message, pattern);
    return true;
  });
}

test('global contexts: gcConfig at creation, added and replaced by tag, removed by tag', async (t) => {
  const { collector, tracker } = await startTracker(t, {
    trackerConfig: { screenEngagementAutotracking: false },
    gcConfig: [{ tag: 'base', globalContexts: [BASE] }],
  });
  const step = (action, contexts) => tracker.trackStructuredEvent({ category: 'gc', action }, contexts);
  await step('config', [OWN]);
  assert.equal(await tracker.addGlobalContexts({ tag: 'cart', globalContexts: [CART_1, CART_2] }), undefined);
  await step('added');
  await tracker.addGlobalContexts({ tag: 'cart', globalContexts: [CART_3] });
  await step('replaced');
  assert.equal(await tracker.removeGlobalContexts('base'), undefined);
  await step('base removed');
  await tracker.removeGlobalContexts('cart');
  await tracker.removeGlobalContexts('never added'); // nothing to remove: resolves all the same
  await step('all removed');
  // Bad arguments: rejected, naming what is wrong, and nothing changes.
  const m = 'addGlobalContexts';
  await refused(tracker.addGlobalContexts({ tag: 'x' }), 'INVALID_ARGUMENT', m, /globalContexts\.globalContexts is required/);
  await refused(tracker.addGlobalContexts({ tag: '', globalContexts: [] }), 'INVALID_ARGUMENT', m, /tag must be a string of 1 to 256 characters/);
  await refused(tracker.addGlobalContexts({ tag: 'x', globalContexts: [{ schema: 'bad', data: {} }] }), 'INVALID_ARGUMENT', m, /globalContexts\[0\]\.schema must be an Iglu URI/);
  await refused(tracker.addGlobalContexts({ tag: 'x', globalContexts: [], tags: [] }), 'INVALID_ARGUMENT', m, /unknown key "tags"/);
  await refused(tracker.addGlobalContexts('x'), 'INVALID_ARGUMENT', m, /must be an object with tag and globalContexts/);
  await refused(tracker.removeGlobalContexts(5), 'INVALID_ARGUMENT', 'removeGlobalContexts', /tag must be a string, got number 5/);
  await step('after refusals');

  const events = await received(tracker, collector, 6);
  assert.deepEqual(events.map((e) => e.raw.se_ac), ['config', 'added', 'replaced', 'base removed', 'all removed', 'after refusals']);
  const global = (e) => e.entities.filter((x) => x.schema !== SCHEMAS.session);
  assert.deepEqual(global(events[0]), [OWN, BASE], "the event's own entities first, then the global ones");
  assert.deepEqual(global(events[1]), [BASE, CART_1, CART_2], 'tags in the order added');
  assert.deepEqual(global(events[2]), [BASE, CART_3], 'the same tag again replaces its entities');
  assert.deepEqual(global(events[3]), [CART_3]);
  assert.deepEqual(global(events[4]), []);
  assert.deepEqual(global(events[5]), [], 'the refused calls added nothing');
  for (const e of events) assert.ok(e.session, 'client_session still on every event');
});

test('gcConfig, subjectConfig and gdprConfig errors name the field as INVALID_CONFIG', async (t) => {
  const cases = [
    [{ gcConfig: { tag: 't' } }, /gcConfig must be an array of \{tag, globalContexts\}/],
    [{ gcConfig: [{ globalContexts: [] }] }, /gcConfig\[0\]\.tag is required/],
    [{ gcConfig: [{ tag: 't', globalContexts: [{ schema: 'iglu:com.acme/x/jsonschema/1-0', data: {} }] }] }, /gcConfig\[0\]\.globalContexts\[0\]\.schema must be an Iglu URI/],
    [{ subjectConfig: { userID: 'u' } }, /subjectConfig has unknown key "userID"/],
    [{ subjectConfig: { screenResolution: '1x2' } }, /subjectConfig\.screenResolution must be an array of two numbers/],
    [{ gdprConfig: { basisForProcessing: 'because' } }, /gdprConfig\.basisForProcessing must be one of consent, contract, legal_obligation, legitimate_interests, public_task, vital_interests/],
    [{ gdprConfig: { documentId: 'd' } }, /gdprConfig\.basisForProcessing is required/],
    [{ gdprConfig: { basisForProcessing: 'consent', documentVersion: 'v'.repeat(17) } }, /gdprConfig\.documentVersion must be at most 16 characters, got 17/],
    [{ gdprConfig: { basisForProcessing: 'consent', documentUrl: 'u' } }, /gdprConfig has unknown key "documentUrl"/],
  ];
  for (const [config, expected] of cases) {
    const tracker = createTracker(uniqueNamespace('badcfg'), { endpoint: 'http://127.0.0.1:9' }, { storage: { directory: tempDir(t) }, ...config });
    await refused(tracker.trackScreenViewEvent({ name: 'x' }), 'INVALID_CONFIG', 'trackScreenViewEvent', expected);
  }
});

test('gdprConfig: the gdpr entity on every event, the install event too', async (t) => {
  const { collector, tracker } = await startTracker(t, {
    trackerConfig: { installAutotracking: true },
    gdprConfig: { basisForProcessing: 'legitimate_interests', documentId: 'privacy-2024', documentVersion: '3.1', documentDescription: 'How we process analytics data' },
  });
  const other = await startTracker(t, { gdprConfig: { basisForProcessing: 'consent', documentId: null, documentVersion: null, documentDescription: null } });
  await tracker.trackScreenViewEvent({ name: 'Home' });
  await tracker.trackStructuredEvent({ category: 'c', action: 'a' }, [OWN]);
  await other.tracker.trackStructuredEvent({ category: 'c', action: 'a' });
  const events = await received(tracker, collector, 3);
  assert.deepEqual(events.map((e) => e.schema ?? e.raw.e), [SCHEMAS.install, SCHEMAS.screenView, 'se']);
  for (const e of events) {
    assert.deepEqual(only(e, SCHEMAS.gdpr), [{
      schema: SCHEMAS.gdpr,
      data: { basisForProcessing: 'legitimate_interests', documentId: 'privacy-2024', documentVersion: '3.1', documentDescription: 'How we process analytics data' },
    }]);
  }
  assert.deepEqual(entitySchemas(events[2]), [OWN.schema, SCHEMAS.gdpr, SCHEMAS.screen]);
  const [bare] = await received(other.tracker, other.collector, 1);
  assert.deepEqual(entity(bare, SCHEMAS.gdpr), { basisForProcessing: 'consent' }, 'null fields are left out');
});

test('userAnonymisation: no uid, duid, tnuid or ip, and the nil UUID as the session user id', async (t) => {
  const subjectConfig = {
    userId: 'user-1', networkUserId: '5b1f2d8e-3c4a-4f6b-9a7d-1e2f3a4b5c6d', domainUserId: 'c0ffee00-1234-4abc-8def-0123456789ab',
    ipAddress: '203.0.113.9', useragent: 'UA/1', timezone: 'Europe/Rome', language: 'it', screenResolution: [1, 2], screenViewport: [3, 4], colorDepth: 24,
  };
  const anonymous = await startTracker(t, { trackerConfig: { userAnonymisation: true }, subjectConfig });
  const known = await startTracker(t, { subjectConfig });
  for (const { tracker } of [anonymous, known]) {
    await tracker.trackStructuredEvent({ category: 'c', action: 'first' });
    await tracker.setUserId('user-2');
    await tracker.setIpAddress('198.51.100.1');
    await tracker.startNewSession();
    await tracker.trackStructuredEvent({ category: 'c', action: 'second session' });
  }
  const anonymousEvents = await received(anonymous.tracker, anonymous.collector, 2);
  const knownEvents = await received(known.tracker, known.collector, 2);
  for (const e of anonymousEvents) {
    for (const k of ['uid', 'duid', 'tnuid', 'ip']) assert.equal(e.raw[k], undefined, `${e.raw.se_ac}: no ${k}`);
    assert.deepEqual(
      ['ua', 'tz', 'lang', 'res', 'vp', 'cd'].map((k) => e.raw[k]),
      ['UA/1', 'Europe/Rome', 'it', '1x2', '3x4', '24'],
      'the fields that do not identify the user stay',
    );
    assert.equal(e.session.userId, NIL_UUID);
    assert.equal(e.session.previousSessionId, null, 'no link between sessions');
  }
  assert.equal(anonymousEvents[1].session.sessionIndex, 2);
  assert.deepEqual(['uid', 'ip', 'duid', 'tnuid'].map((k) => knownEvents[0].raw[k]), ['user-1', '203.0.113.9', subjectConfig.domainUserId, subjectConfig.networkUserId]);
  assert.deepEqual(['uid', 'ip'].map((k) => knownEvents[1].raw[k]), ['user-2', '198.51.100.1']);
  assert.match(knownEvents[0].session.userId, UUID);
  assert.notEqual(knownEvents[0].session.userId, NIL_UUID);
  assert.equal(knownEvents[1].session.previousSessionId, knownEvents[0].session.sessionId);
});

/** Runs `script` in a new Node process (a restart of the app), with the collector still answering here. */
async function inNewProcess(script, args) {
  const child = spawn(process.execPath, ['-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
}

test('application_install: once per installation, before its first event; not again on a restart', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('install');
  const { collector, tracker } = await startTracker(t, { trackerConfig: { installAutotracking: true } }, { namespace, directory: dir });
  await assert.rejects(tracker.trackScreenViewEvent({ name: '' }), { code: 'INVALID_EVENT' });
  await tracker.trackScreenViewEvent({ name: 'Launch' });
  await tracker.trackStructuredEvent({ category: 'c', action: 'then' });
  const first = await received(tracker, collector, 3);
  assert.deepEqual(first.map((e) => e.schema ?? e.raw.e), [SCHEMAS.install, SCHEMAS.screenView, 'se'], 'the refused call stored nothing, not even the install event');
  const [install, launch] = first;
  assert.deepEqual(install.data, {});
  assert.ok(Number(install.raw.dtm) <= Number(launch.raw.dtm));
  assert.deepEqual(entitySchemas(install), [], 'no screen yet');
  assert.equal(install.session.eventIndex, 1, 'an event of the session like any other');
  assert.equal(launch.session.eventIndex, 2);

  // The tracker created again on the same database, in this process: no install event.
  await removeTracker(namespace);
  const again = createTracker(namespace, { endpoint: collector.url }, { storage: { directory: dir } });
  await again.trackScreenViewEvent({ name: 'Again' });
  await received(again, collector, 4);
  // A restart: a new process on the same database, with installAutotracking on by default.
  await removeTracker(namespace);
  const root = path.join(__dirname, '..', '..');
  await inNewProcess(`
    const { createTracker, removeAllTrackers } = require(${JSON.stringify(root)});
    (async () => {
      const tracker = createTracker(process.argv[1], { endpoint: process.argv[2] }, { storage: { directory: process.argv[3] } });
      await tracker.trackScreenViewEvent({ name: 'After restart' });
      await tracker.flush();
      await removeAllTrackers();
    })().catch((e) => { console.error(e); process.exit(1); });
  `, [namespace, collector.url, dir]);
  await collector.waitFor(5);
  assert.deepEqual(collector.events.slice(3).map((e) => e.data.name), ['Again', 'After restart'], 'no install event after the first');
  assert.equal(collector.events.filter((e) => e.schema === SCHEMAS.install).length, 1);

  // Each namespace has its own database: another tracker on the same directory is a new installation.
  const other = createTracker(uniqueNamespace('install2'), { endpoint: collector.url }, { storage: { directory: dir } });
  await other.trackStructuredEvent({ category: 'c', action: 'other' });
  const all = await received(other, collector, 7);
  assert.deepEqual(all.slice(5).map((e) => e.schema ?? e.raw.e), [SCHEMAS.install, 'se']);
});

test('installAutotracking false: no install event', async (t) => {
  const { collector, tracker } = await startTracker(t, { trackerConfig: { installAutotracking: false } });
  await tracker.trackScreenViewEvent({ name: 'Launch' });
  const [e] = await received(tracker, collector, 1);
  assert.equal(e.schema, SCHEMAS.screenView);
});

test('the screen entity after a screen view; the next screen view gets the previous screen\'s name, id and type', async (t) => {
  const { collector, tracker } = await startTracker(t, { trackerConfig: { screenEngagementAutotracking: false } });
  const detailId = '3f8e2b1a-9c4d-4e5f-a6b7-c8d9e0f1a2b3';
  await tracker.trackStructuredEvent({ category: 'c', action: 'before any screen' });
  await tracker.trackScreenViewEvent({ name: 'Home', type: 'feed', transitionType: 'push' }, [OWN]);
  await tracker.trackStructuredEvent({ category: 'c', action: 'on home' });
  await tracker.trackSelfDescribingEvent({ schema: 'iglu:com.acme/tap/jsonschema/1-0-0', data: { n: 1 } });
  await tracker.trackScreenViewEvent({ name: 'Detail', id: detailId.toUpperCase() });
  await tracker.trackScreenViewEvent({ name: 'Modal', previousName: 'Set by the app' });
  const [before, home, onHome, tap, detail, modal] = await received(tracker, collector, 6);

  assert.deepEqual(entitySchemas(before), [], 'no screen before the first screen view');
  assert.equal(home.schema, SCHEMAS.screenView);
  assert.match(home.data.id, UUID, 'a screen view without id gets a UUID');
  assert.deepEqual(home.data, { name: 'Home', type: 'feed', transitionType: 'push', id: home.data.id }, 'no previous screen yet');
  const homeScreen = { id: home.data.id, name: 'Home', type: 'feed' };
  assert.deepEqual(only(home, SCHEMAS.screen), [{ schema: SCHEMAS.screen, data: homeScreen }], 'the screen view carries its own screen');
  assert.deepEqual(entitySchemas(home), [OWN.schema, SCHEMAS.screen]);
  for (const e of [onHome, tap]) assert.deepEqual(entity(e, SCHEMAS.screen), homeScreen, `${e.raw.e}: the current screen`);

  assert.deepEqual(detail.data, { name: 'Detail', id: detailId, previousName: 'Home', previousId: home.data.id, previousType: 'feed' });
  assert.deepEqual(entity(detail, SCHEMAS.screen), { id: detailId, name: 'Detail' });
  assert.equal(modal.data.previousName, 'Set by the app', "the app's own previous fields win");
  assert.equal(modal.data.previousId, detailId);
  assert.equal(modal.data.previousType, undefined, 'Detail had no type');
  assert.deepEqual(entity(modal, SCHEMAS.screen), { id: modal.data.id, name: 'Modal' });
});

test('screenContext false: no screen entity, the previous-screen fields still', async (t) => {
  const { collector, tracker } = await startTracker(t, { trackerConfig: { screenContext: false, screenEngagementAutotracking: false } });
  await tracker.trackScreenViewEvent({ name: 'A' });
  await tracker.trackStructuredEvent({ category: 'c', action: 'a' });
  await tracker.trackScreenViewEvent({ name: 'B' });
  const events = await received(tracker, collector, 3);
  for (const e of events) assert.deepEqual(entitySchemas(e), []);
  assert.equal(events[2].data.previousName, 'A');
  assert.equal(events[2].data.previousId, events[0].data.id);
});

test('the deep_link entity and url/refr on the first screen view after a deep link, and not on the next', async (t) => {
  const { collector, tracker } = await startTracker(t, { trackerConfig: { screenEngagementAutotracking: false } });
  const url = 'myapp://product/42?utm_source=mail&q=caf%C3%A9';
  const referrer = 'https://mail.example/campaign';
  await tracker.trackDeepLinkReceivedEvent({ url, referrer });
  await tracker.trackStructuredEvent({ category: 'c', action: 'between' });
  await tracker.trackScreenViewEvent({ name: 'Product' });
  await tracker.trackScreenViewEvent({ name: 'Cart' });
  await tracker.trackDeepLinkReceivedEvent({ url: 'myapp://orders' });
  await tracker.trackScreenViewEvent({ name: 'Orders' });
  const [received1, between, product, cart, received2, orders] = await received(tracker, collector, 6);
  assert.equal(received1.schema, SCHEMAS.deepLinkReceived);
  assert.deepEqual(received1.data, { url, referrer });
  assert.equal(entity(received1, SCHEMAS.deepLink), undefined, 'not on the deep link event itself');
  assert.equal(entity(between, SCHEMAS.deepLink), undefined, 'only screen views carry it');
  assert.equal(between.raw.url, undefined);
  assert.deepEqual(only(product, SCHEMAS.deepLink), [{ schema: SCHEMAS.deepLink, data: { url, referrer } }]);
  assert.deepEqual(entitySchemas(product), [SCHEMAS.screen, SCHEMAS.deepLink]);
  assert.equal(product.raw.url, url, 'the link as the atomic url');
  assert.equal(product.raw.refr, referrer, 'its referrer as refr');
  assert.equal(entity(cart, SCHEMAS.deepLink), undefined, 'the second screen view: no deep link');
  assert.equal(cart.raw.url, undefined);
  assert.equal(cart.raw.refr, undefined);
  assert.equal(received2.raw.url, 'myapp://orders');
  assert.deepEqual(entity(orders, SCHEMAS.deepLink), { url: 'myapp://orders' }, 'no referrer: none in the entity');
  assert.equal(orders.raw.url, 'myapp://orders');
  assert.equal(orders.raw.refr, undefined);
});

test('deepLinkContext false: no deep_link entity and no url/refr on the screen view', async (t) => {
  const { collector, tracker } = await startTracker(t, { trackerConfig: { deepLinkContext: false, screenEngagementAutotracking: false } });
  await tracker.trackDeepLinkReceivedEvent({ url: 'myapp://x', referrer: 'https://r.example/' });
  await tracker.trackScreenViewEvent({ name: 'X' });
  const [, view] = await received(tracker, collector, 2);
  assert.deepEqual(entitySchemas(view), [SCHEMAS.screen]);
  assert.equal(view.raw.url, undefined);
  assert.equal(view.raw.refr, undefined);
});

test('screen engagement: scroll and list-item events fold into the screen_summary of the screen_end before the next screen view', async (t) => {
  t.after(() => setAppState('active'));
  const { collector, tracker } = await startTracker(t);
  // Without a current screen, they are sent as they are.
  await tracker.trackScrollChangedEvent({ yOffset: 5, viewHeight: 10 });
  await tracker.trackListItemViewEvent({ index: 1, itemsCount: 2 });
  await tracker.trackScreenViewEvent({ name: 'Feed', type: 'list' });
  const folded = [
    tracker.trackScrollChangedEvent({ yOffset: 100.9, xOffset: 0, viewHeight: 800, viewWidth: 390, contentHeight: 3000, contentWidth: 390 }),
    tracker.trackListItemViewEvent({ index: 7, itemsCount: 50 }),
    tracker.trackScrollChangedEvent({ yOffset: 40, viewHeight: 800, contentHeight: 3200 }),
    tracker.trackListItemViewEvent({ index: 3, itemsCount: 50 }),
  ];
  for (const p of folded) assert.equal(await p, undefined, 'a folded event resolves like any other');
  await sleep(30);
  await setAppState('background');
  await sleep(30);
  await setAppState('active');
  await tracker.trackScreenViewEvent({ name: 'Item' });
  await tracker.trackScreenViewEvent({ name: 'Back' });
  const events = await received(tracker, collector, 9);
  assert.deepEqual(events.map((e) => e.schema.split('/')[1]), [
    'scroll_changed', 'list_item_view', 'screen_view', 'application_background', 'application_foreground',
    'screen_end', 'screen_view', 'screen_end', 'screen_view',
  ]);
  const [, , feed, bg, fg, end, item, end2, back] = events;
  assert.deepEqual(entitySchemas(feed), [SCHEMAS.screen], 'the first screen view has no screen_end before it');
  const feedScreen = { id: feed.data.id, name: 'Feed', type: 'list' };
  const expected = { last_item_index: 7, items_count: 50, min_x_offset: 0, max_x_offset: 390, min_y_offset: 40, max_y_offset: 900, content_width: 390, content_height: 3200 };

  assert.deepEqual(end.data, {});
  assert.deepEqual(entitySchemas(end), [SCHEMAS.screen, SCHEMAS.summary], 'the ending screen and its summary');
  assert.deepEqual(entity(end, SCHEMAS.screen), feedScreen);
  const summary = entity(end, SCHEMAS.summary);
  const { foreground_sec: fgSec, background_sec: bgSec, ...scrolled } = summary;
  assert.deepEqual(scrolled, expected, 'offsets from the smallest to the far edge seen, the latest sizes, the furthest item');
  assert.ok(fgSec >= 0.02 && fgSec < 30, `foreground_sec ${fgSec}`);
  assert.ok(bgSec >= 0.02 && bgSec < 30, `background_sec ${bgSec}`);

  for (const e of [bg, fg]) {
    assert.deepEqual(entity(e, SCHEMAS.screen), feedScreen);
    const { foreground_sec: f, background_sec: b, ...rest } = entity(e, SCHEMAS.summary);
    assert.deepEqual(rest, expected, `${e.schema}: the summary so far`);
    assert.ok(f >= 0 && b >= 0);
  }
  assert.equal(entity(bg, SCHEMAS.summary).background_sec, 0, 'not yet in the background when it went there');

  assert.equal(item.data.previousName, 'Feed');
  assert.deepEqual(entity(end2, SCHEMAS.screen), { id: item.data.id, name: 'Item' });
  assert.deepEqual(Object.keys(entity(end2, SCHEMAS.summary)).sort(), ['background_sec', 'foreground_sec'], 'a new summary per screen');
  assert.equal(entity(back, SCHEMAS.summary), undefined);
});

test('screenEngagementAutotracking false: scroll and list-item events are sent, no screen_end', async (t) => {
  const { collector, tracker } = await startTracker(t, { trackerConfig: { screenEngagementAutotracking: false } });
  await tracker.trackScreenViewEvent({ name: 'Feed' });
  await tracker.trackScrollChangedEvent({ yOffset: 120, viewHeight: 800 });
  await tracker.trackListItemViewEvent({ index: 4, itemsCount: 9 });
  await tracker.trackScreenViewEvent({ name: 'Item' });
  const events = await received(tracker, collector, 4);
  assert.deepEqual(events.map((e) => e.schema), [SCHEMAS.screenView, SCHEMAS.scroll, SCHEMAS.listItem, SCHEMAS.screenView]);
  assert.deepEqual(events[1].data, { y_offset: 120, view_height: 800 });
  assert.deepEqual(events[2].data, { index: 4, items_count: 9 });
  for (const e of events.slice(1, 3)) assert.equal(entity(e, SCHEMAS.screen).name, 'Feed', 'with the current screen');
  for (const e of events) assert.equal(entity(e, SCHEMAS.summary), undefined);
});
