'use strict';
/**
 * getWebViewCallback, getAllTrackers and the log lines of replies, end to
 * end through the public API and the real core to the loopback collector.
 *
 * getWebViewCallback() returns the `onMessage` handler of a WebView whose
 * page runs Snowplow's WebView tracker: each message (the string
 * `nativeEvent.data`) goes to every live tracker, and each core tracks it when
 * the message names no trackers or names its namespace. Each event is checked
 * field by field and against its official Iglu schemas.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const {
  createTracker,
  removeTracker,
  removeAllTrackers,
  getWebViewCallback,
  getAllTrackers,
} = require('../..');
const { startCollector } = require('../collector');
const { UUID, sleep, tempDir, uniqueNamespace, received } = require('./helpers');

const CLIENT_SESSION = 'iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2';
const SCREEN = 'iglu:com.snowplowanalytics.mobile/screen/jsonschema/1-0-0';
const SCREEN_VIEW = 'iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0';
const LINK = 'iglu:com.acme/link/jsonschema/1-0-0';
/** Entities from the platform's facts, which depend on where the tests run. */
const PLATFORM = new Set([
  'iglu:com.snowplowanalytics.mobile/application/jsonschema/1-0-0',
  'iglu:com.snowplowanalytics.snowplow/mobile_context/jsonschema/1-0-3',
]);
/** An entity of the web page's own. */
const CART = { schema: 'iglu:com.acme/cart/jsonschema/1-0-0', data: { lines: 2 } };
const SCREEN_ID = '2c295365-eae9-4243-a3ee-5c4b7baccc8f';

/** A tracker with its own collector; install events off, so that only the page's events arrive. */
async function start(t, trackerConfig = {}, extra = {}) {
  const collector = await startCollector();
  t.after(() => collector.close());
  const namespace = uniqueNamespace('webview');
  const tracker = createTracker(namespace, { endpoint: collector.url }, {
    trackerConfig: { installAutotracking: false, ...trackerConfig },
    storage: { directory: tempDir(t) },
    ...extra,
  });
  return { namespace, collector, tracker };
}

/** The schemas of the event's entities, without the platform's. */
const entitySchemas = (e) => e.entities.map((x) => x.schema).filter((s) => !PLATFORM.has(s));

/** A WebView message event as react-native-webview hands it to `onMessage`. */
const message = (value) => ({ nativeEvent: { data: typeof value === 'string' ? value : JSON.stringify(value) } });

/** console.warn's lines during the test. */
function warnings(t) {
  const lines = [];
  t.mock.method(console, 'warn', (...args) => lines.push(args.map(String).join(' ')));
  return lines;
}

test.afterEach(() => removeAllTrackers());

test('each command of the WebView tracker becomes its event, field by field, on every tracker', async (t) => {
  const a = await start(t);
  const b = await start(t);
  const onMessage = getWebViewCallback();

  const results = [
    onMessage(
      message({
        command: 'trackScreenView',
        event: { name: 'Web home', id: SCREEN_ID, type: 'web' },
        context: [CART],
      }),
    ),
    onMessage(message({ command: 'trackPageView', event: { url: 'https://shop.example/cart', title: 'Cart', referrer: 'https://shop.example/' } })),
    onMessage(
      message({
        command: 'trackStructEvent',
        event: { category: 'shop', action: 'add', label: 'sku-1', property: 'cart', value: 2.5 },
        context: [CART],
      }),
    ),
    onMessage(
      message({
        command: 'trackSelfDescribingEvent',
        event: { schema: LINK, data: { targetUrl: 'https://shop.example/help' } },
        context: [CART],
      }),
    ),
  ];
  assert.deepEqual(results, [undefined, undefined, undefined, undefined], 'the handler returns nothing');

  for (const { namespace, tracker, collector } of [a, b]) {
    const [screenView, pageView, structured, selfDescribing] = await received(tracker, collector, 4);
    for (const e of [screenView, pageView, structured, selfDescribing]) {
      assert.equal(e.raw.tna, namespace);
      assert.match(e.raw.eid, UUID);
      assert.match(e.session.sessionId, UUID);
    }

    assert.equal(screenView.raw.e, 'ue');
    assert.equal(screenView.schema, SCREEN_VIEW);
    assert.deepEqual(screenView.data, { id: SCREEN_ID, name: 'Web home', type: 'web' });
    assert.deepEqual(entitySchemas(screenView), [CART.schema, SCREEN, CLIENT_SESSION]);
    assert.deepEqual(screenView.entities[0], CART);
    assert.deepEqual(screenView.entities.find((x) => x.schema === SCREEN).data, { id: SCREEN_ID, name: 'Web home', type: 'web' });

    assert.equal(pageView.raw.e, 'pv');
    assert.equal(pageView.raw.url, 'https://shop.example/cart');
    assert.equal(pageView.raw.page, 'Cart');
    assert.equal(pageView.raw.refr, 'https://shop.example/');
    assert.equal(pageView.raw.ue_px, undefined);
    assert.deepEqual(entitySchemas(pageView), [SCREEN, CLIENT_SESSION], 'no entities of its own; the current screen');

    assert.equal(structured.raw.e, 'se');
    assert.equal(structured.raw.se_ca, 'shop');
    assert.equal(structured.raw.se_ac, 'add');
    assert.equal(structured.raw.se_la, 'sku-1');
    assert.equal(structured.raw.se_pr, 'cart');
    assert.equal(Number(structured.raw.se_va), 2.5);
    assert.deepEqual(entitySchemas(structured), [CART.schema, SCREEN, CLIENT_SESSION]);

    assert.equal(selfDescribing.raw.e, 'ue');
    assert.equal(selfDescribing.schema, LINK);
    assert.deepEqual(selfDescribing.data, { targetUrl: 'https://shop.example/help' });
    assert.deepEqual(entitySchemas(selfDescribing), [CART.schema, SCREEN, CLIENT_SESSION]);
    assert.deepEqual(selfDescribing.entities[0], CART);
  }
});

test('a message that names trackers is tracked only by those', async (t) => {
  const a = await start(t);
  const b = await start(t);
  const c = await start(t);
  const onMessage = getWebViewCallback();
  onMessage(message({ command: 'trackStructEvent', event: { category: 'only', action: 'a' }, trackers: [a.namespace] }));
  onMessage(
    message({ command: 'trackStructEvent', event: { category: 'both', action: 'a' }, trackers: [a.namespace, c.namespace] }),
  );
  onMessage(message({ command: 'trackStructEvent', event: { category: 'all', action: 'a' }, trackers: [] }));

  assert.deepEqual((await received(a.tracker, a.collector, 3)).map((e) => e.raw.se_ca), ['only', 'both', 'all']);
  assert.deepEqual((await received(b.tracker, b.collector, 1)).map((e) => e.raw.se_ca), ['all']);
  assert.deepEqual((await received(c.tracker, c.collector, 2)).map((e) => e.raw.se_ca), ['both', 'all']);
});

test('the callback reaches the trackers live when a message arrives: created later, not removed ones', async (t) => {
  const onMessage = getWebViewCallback(); // taken before any tracker exists
  const a = await start(t);
  const b = await start(t);
  await removeTracker(b.namespace);
  const lines = warnings(t);
  onMessage(message({ command: 'trackPageView', event: { url: 'https://shop.example/' } }));
  const [pv] = await received(a.tracker, a.collector, 1);
  assert.equal(pv.raw.e, 'pv');
  assert.equal(pv.raw.url, 'https://shop.example/');
  assert.equal(pv.raw.page, undefined);
  assert.equal(b.collector.events.length, 0);
  assert.deepEqual(lines, [], 'the removed tracker was not called');
});

test('a bad message never throws from the callback: it goes to console.warn and nothing is tracked', async (t) => {
  const a = await start(t);
  const lines = warnings(t);
  const onMessage = getWebViewCallback();
  const bad = [
    message('not json'),
    message({ command: 'trackWhatever', event: {} }),
    message({ command: 'trackStructEvent', event: { category: 'no action' } }),
    message({ event: {} }),
    { nativeEvent: { data: 42 } },
    { nativeEvent: null },
    undefined,
  ];
  for (const m of bad) assert.doesNotThrow(() => onMessage(m));
  await received(a.tracker, a.collector, 0);
  // Without a message, nothing to hand over (said at once); the rest are the core's answers.
  const unreadable = lines.filter((l) => l.startsWith('[react-native-rust-tracker] trackWebViewMessage: not a WebView message ('));
  assert.equal(unreadable.length, 2, lines.join('\n'));
  const answers = lines.filter((l) => !unreadable.includes(l));
  const prefix = `[react-native-rust-tracker] ${a.namespace}: trackWebViewMessage: `;
  assert.equal(answers.length, 5, lines.join('\n'));
  for (const line of answers) assert.ok(line.startsWith(prefix), line);
  assert.match(answers[0], /WebView message is/);
  assert.match(answers[1], /unknown command "trackWhatever"/);
  assert.match(answers[2], /action/);
  assert.match(answers[3], /needs a command/);
  assert.match(answers[4], /must be a string, got/);
});

test('a session started by a WebView event reaches onSessionUpdate', async (t) => {
  const sessions = [];
  const a = await start(t, {}, { sessionConfig: { onSessionUpdate: (s) => sessions.push(s) } });
  getWebViewCallback()(message({ command: 'trackStructEvent', event: { category: 'c', action: 'a' } }));
  const [e] = await received(a.tracker, a.collector, 1);
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0].sessionId, e.session.sessionId);
  assert.equal(sessions[0].firstEventId, e.raw.eid);
});

test('getAllTrackers: the trackers created and not removed, in creation order, as createTracker returned them', async (t) => {
  assert.deepEqual(getAllTrackers(), []);
  const a = await start(t);
  const b = await start(t);
  assert.deepEqual(getAllTrackers(), [a.tracker, b.tracker]);
  assert.equal(getAllTrackers()[0], a.tracker);

  // The same namespace again: the new tracker replaces the old one, at the end.
  const again = createTracker(a.namespace, { endpoint: a.collector.url }, {
    trackerConfig: { installAutotracking: false },
    storage: { directory: tempDir(t) },
  });
  assert.deepEqual(getAllTrackers(), [b.tracker, again]);
  assert.equal(getAllTrackers()[1], again);

  // A removal is reflected at once, before its Promise settles.
  const removal = removeTracker(b.namespace);
  assert.deepEqual(getAllTrackers(), [again]);
  assert.equal(await removal, true);

  // Each is a working tracker.
  await getAllTrackers()[0].trackStructuredEvent({ category: 'from', action: 'getAllTrackers' });
  const [e] = await received(again, a.collector, 1);
  assert.equal(e.raw.se_ca, 'from');

  const all = removeAllTrackers();
  assert.deepEqual(getAllTrackers(), []);
  assert.equal(await all, true);
  assert.notEqual(getAllTrackers(), getAllTrackers(), 'a new array each time');
});

test('log lines of any reply go to console.warn when logLevel allows; the event is still tracked', async (t) => {
  const loud = await start(t, { logLevel: 'error', screenEngagementAutotracking: false });
  const quiet = await start(t, { logLevel: 'off', screenEngagementAutotracking: false });
  const lines = warnings(t);
  await loud.tracker.trackScreenViewEvent({ name: 'Home', colour: 'red' });
  await quiet.tracker.trackScreenViewEvent({ name: 'Home', colour: 'red' });
  getWebViewCallback()(message({ command: 'trackScreenView', event: { name: 'Web', size: 1 } }));
  const loudEvents = await received(loud.tracker, loud.collector, 2);
  const quietEvents = await received(quiet.tracker, quiet.collector, 2);
  for (const events of [loudEvents, quietEvents]) {
    assert.deepEqual(events.map((e) => e.data.name), ['Home', 'Web']);
    assert.equal(events[0].data.colour, undefined);
  }
  assert.deepEqual(lines, [
    `[react-native-rust-tracker] ${loud.namespace}: trackScreenViewEvent: screenView has unknown property \`colour\`, ignored`,
    `[react-native-rust-tracker] ${loud.namespace}: trackWebViewMessage: screenView has unknown property \`size\`, ignored`,
  ]);
});
