'use strict';
/**
 * The track methods of Snowplow's React Native tracker 2.x beyond screen
 * views, self-describing and structured events, end to end: through the
 * public API and the real core to the loopback collector. For each method,
 * the event received field by field (`e`, the atomic fields, or the
 * self-describing schema and data, and the entities), every self-describing
 * event and Snowplow entity checked against its official Iglu schema
 * (tests/fixtures/iglu/, checked by tests/node/iglu.js), and bad arguments
 * rejected naming the field, with nothing stored.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { createTracker, removeAllTrackers, TrackerError } = require('../..');
const { startCollector } = require('../collector');
const { checkEvent, checkSelfDescribing } = require('./iglu');
const { UUID, tempDir, uniqueNamespace } = require('./helpers');

const CLIENT_SESSION = 'iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2';
const CONSENT_DOCUMENT = 'iglu:com.snowplowanalytics.snowplow/consent_document/jsonschema/1-0-0';
/** An entity of the app's own, passed as `contexts`. */
const CART = { schema: 'iglu:com.acme/cart/jsonschema/1-0-0', data: { lines: 2 } };

async function start(t, controllerConfig = {}) {
  const collector = await startCollector();
  t.after(() => collector.close());
  t.after(() => removeAllTrackers());
  // No install event: each test counts the events of its own calls.
  const tracker = createTracker(uniqueNamespace('events'), { endpoint: collector.url }, {
    trackerConfig: { installAutotracking: false },
    storage: { directory: tempDir(t) },
    ...controllerConfig,
  });
  return { collector, tracker };
}

/**
 * Flushes, then returns the events received: exactly `n` of them, each
 * valid against the Iglu schemas of its payload, event and entities.
 */
async function received(tracker, collector, n) {
  await tracker.flush();
  const events = await collector.waitFor(n);
  assert.equal(events.length, n, 'nothing more was stored');
  for (const e of events) {
    assert.deepEqual(checkEvent(e), [], `e=${e.raw.e} ${e.schema ?? ''} fits its Iglu schemas`);
  }
  return events;
}

/** The call is rejected as INVALID_EVENT by `method`, its message matching `pattern`. */
async function refused(call, method, pattern) {
  await assert.rejects(call, (e) => {
    assert.ok(e instanceof TrackerError, String(e));
    assert.equal(e.code, 'INVALID_EVENT');
    assert.equal(e.method, method);
    assert.match(e.message, new RegExp(`^${method}: invalid event: `));
    assert.match(e.message, pattern);
    return true;
  });
}

/** The app's entity, then `own` (the event's own entities), then client_session. */
function assertEntities(e, own = []) {
  assert.deepEqual(e.entities.map((x) => x.schema), [CART.schema, ...own.map((x) => x.schema), CLIENT_SESSION]);
  assert.deepEqual(e.entities[0], CART);
  assert.deepEqual(e.entities.slice(1, 1 + own.length), own);
  assert.match(e.session.sessionId, UUID);
}

/** No self-describing fields on an event with atomic fields only. */
function assertNotSelfDescribing(e) {
  for (const k of ['ue_px', 'ue_pr', 'se_ca', 'se_ac']) assert.equal(e.raw[k], undefined, k);
}

test('the schema checker refuses what the official schemas forbid', () => {
  const bad = [
    ['iglu:com.snowplowanalytics.snowplow/timing/jsonschema/1-0-0', { category: 'c', variable: 'v' }, /lacks the required timing/],
    ['iglu:com.snowplowanalytics.snowplow/timing/jsonschema/1-0-0', { category: 'c', variable: 'v', timing: '1' }, /timing must be number/],
    ['iglu:com.snowplowanalytics.snowplow/consent_granted/jsonschema/1-0-0', { expiry: '2022-02-30T00:00:00Z' }, /is not a date-time/],
    ['iglu:com.snowplowanalytics.snowplow/consent_document/jsonschema/1-0-0', { id: 'x'.repeat(37), version: '1' }, /is 37 characters, over 36/],
    ['iglu:com.snowplowanalytics.snowplow/consent_withdrawn/jsonschema/1-0-0', { all: true, extra: 1 }, /has extra, which the schema does not allow/],
    ['iglu:com.snowplowanalytics.mobile/scroll_changed/jsonschema/1-0-0', { y_offset: 1.5 }, /must be integer or null/],
    ['iglu:com.snowplowanalytics.mobile/list_item_view/jsonschema/1-0-0', { index: 65536 }, /is 65536, over 65535/],
    ['iglu:com.snowplowanalytics.mobile/deep_link_received/jsonschema/1-0-0', { url: 'not a uri' }, /is not a uri/],
    ['iglu:com.snowplowanalytics.mobile/message_notification/jsonschema/1-0-0', { title: 't', body: 'b', trigger: 'sms' }, /must be one of/],
    ['iglu:com.snowplowanalytics.mobile/message_notification/jsonschema/1-0-0', { title: 't', body: 'b', trigger: 'push', bodyLocArgs: [] }, /under 1/],
    ['iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2', { userId: 'u', sessionId: 's', sessionIndex: 1, storageMechanism: 'SQLITE' }, /does not match/],
  ];
  for (const [schema, data, expected] of bad) {
    const errors = checkSelfDescribing({ schema, data });
    assert.ok(errors.some((m) => expected.test(m)), `${schema} ${JSON.stringify(data)}: ${errors.join('; ')}`);
  }
  assert.throws(() => checkSelfDescribing({ schema: 'iglu:com.acme/none/jsonschema/1-0-0', data: {} }), /no fixture/);
});

test('trackPageViewEvent: e=pv with url, page and refr', async (t) => {
  const { collector, tracker } = await start(t);
  const m = 'trackPageViewEvent';
  await refused(tracker.trackPageViewEvent({ pageTitle: 'Home' }), m, /pageView\.pageUrl is required/);
  await refused(tracker.trackPageViewEvent({ pageUrl: 42 }), m, /pageView\.pageUrl must be a string, got number 42/);
  await refused(tracker.trackPageViewEvent({ pageUrl: 'u', pageTitle: 'x'.repeat(2001) }), m, /pageView\.pageTitle must be at most 2000 characters, got 2001/);
  await tracker.trackPageViewEvent({ pageUrl: 'https://example.com/home?q=1', pageTitle: 'Home', referrer: 'https://ref.example/' }, [CART]);
  const [e] = await received(tracker, collector, 1);
  assert.equal(e.raw.e, 'pv');
  assert.equal(e.raw.url, 'https://example.com/home?q=1');
  assert.equal(e.raw.page, 'Home');
  assert.equal(e.raw.refr, 'https://ref.example/');
  assertNotSelfDescribing(e);
  assertEntities(e);
  assert.equal(e.session.eventIndex, 1, 'the refused calls stored nothing');
});

test('trackTimingEvent: a timing event', async (t) => {
  const { collector, tracker } = await start(t);
  const m = 'trackTimingEvent';
  await refused(tracker.trackTimingEvent({ category: 'load', variable: 'home', timing: '120' }), m, /timing\.timing must be a number, got string "120"/);
  await refused(tracker.trackTimingEvent({ category: 'load', timing: 120 }), m, /timing\.variable is required/);
  await refused(tracker.trackTimingEvent({ variable: 'home', timing: 120 }), m, /timing\.category is required/);
  await refused(tracker.trackTimingEvent({ category: 'load', variable: 'home' }), m, /timing\.timing is required/);
  await refused(tracker.trackTimingEvent({ category: 'load', variable: 'home', timing: Infinity }), m, /timing\.timing must be a finite number, got Infinity/);
  await tracker.trackTimingEvent({ category: 'load', variable: 'home', timing: 120.5, label: 'cold' }, [CART]);
  const [e] = await received(tracker, collector, 1);
  assert.equal(e.raw.e, 'ue');
  assert.equal(e.schema, 'iglu:com.snowplowanalytics.snowplow/timing/jsonschema/1-0-0');
  assert.deepEqual(e.data, { category: 'load', variable: 'home', timing: 120.5, label: 'cold' });
  assertEntities(e);
});

test('trackConsentGrantedEvent: consent_granted with its consent_document entity', async (t) => {
  const { collector, tracker } = await start(t);
  const m = 'trackConsentGrantedEvent';
  const doc = { documentId: 'privacy-policy', version: '2.1' };
  await refused(tracker.trackConsentGrantedEvent({ ...doc }), m, /consentGranted\.expiry is required/);
  await refused(tracker.trackConsentGrantedEvent({ ...doc, expiry: 'next year' }), m, /consentGranted\.expiry must be a date-time like 2022-01-01T00:00:00Z/);
  await refused(tracker.trackConsentGrantedEvent({ version: '2.1', expiry: '2030-01-01T00:00:00Z' }), m, /consentGranted\.documentId is required/);
  await refused(tracker.trackConsentGrantedEvent({ ...doc, version: 2, expiry: '2030-01-01T00:00:00Z' }), m, /consentGranted\.version must be a string, got number 2/);
  await refused(tracker.trackConsentGrantedEvent({ ...doc, name: 'n'.repeat(61), expiry: '2030-01-01T00:00:00Z' }), m, /consentGranted\.name must be at most 60 characters/);
  const expiry = new Date(Date.UTC(2030, 0, 1)).toISOString();
  await tracker.trackConsentGrantedEvent({ ...doc, name: 'Privacy policy', documentDescription: 'How we use data', expiry }, [CART]);
  const [e] = await received(tracker, collector, 1);
  assert.equal(e.raw.e, 'ue');
  assert.equal(e.schema, 'iglu:com.snowplowanalytics.snowplow/consent_granted/jsonschema/1-0-0');
  assert.deepEqual(e.data, { expiry: '2030-01-01T00:00:00.000Z' });
  assertEntities(e, [{ schema: CONSENT_DOCUMENT, data: { id: 'privacy-policy', version: '2.1', name: 'Privacy policy', description: 'How we use data' } }]);
});

test('trackConsentWithdrawnEvent: consent_withdrawn with `all` and a consent_document per document', async (t) => {
  const { collector, tracker } = await start(t);
  const m = 'trackConsentWithdrawnEvent';
  const doc = { documentId: 'privacy-policy', version: '2.1' };
  await refused(tracker.trackConsentWithdrawnEvent({ ...doc }), m, /consentWithdrawn\.all is required/);
  await refused(tracker.trackConsentWithdrawnEvent({ ...doc, all: 'yes' }), m, /consentWithdrawn\.all must be a boolean, got string "yes"/);
  await refused(tracker.trackConsentWithdrawnEvent({ ...doc, all: true, documents: [{ documentId: 'cookies' }] }), m, /consentWithdrawn\.documents\[0\]\.version is required/);
  await tracker.trackConsentWithdrawnEvent({ ...doc, name: 'Privacy policy', all: false, documents: [{ documentId: 'cookies', version: '1', documentDescription: 'Cookies' }] }, [CART]);
  await tracker.trackConsentWithdrawnEvent({ ...doc, all: true }, [CART]);
  const [e, all] = await received(tracker, collector, 2);
  assert.equal(e.raw.e, 'ue');
  assert.equal(e.schema, 'iglu:com.snowplowanalytics.snowplow/consent_withdrawn/jsonschema/1-0-0');
  assert.deepEqual(e.data, { all: false });
  assertEntities(e, [
    { schema: CONSENT_DOCUMENT, data: { id: 'privacy-policy', version: '2.1', name: 'Privacy policy' } },
    { schema: CONSENT_DOCUMENT, data: { id: 'cookies', version: '1', description: 'Cookies' } },
  ]);
  assert.deepEqual(all.data, { all: true });
  assertEntities(all, [{ schema: CONSENT_DOCUMENT, data: { id: 'privacy-policy', version: '2.1' } }]);
});

test('trackScrollChangedEvent: scroll_changed in whole pixels', async (t) => {
  const { collector, tracker } = await start(t);
  const m = 'trackScrollChangedEvent';
  await refused(tracker.trackScrollChangedEvent({ yOffset: '10' }), m, /scrollChanged\.yOffset must be a number, got string "10"/);
  await refused(tracker.trackScrollChangedEvent({ viewHeight: -1 }), m, /scrollChanged\.viewHeight must be between 0 and 2147483647, got -1/);
  await refused(tracker.trackScrollChangedEvent({ xOffset: NaN }), m, /scrollChanged\.xOffset must be a finite number, got NaN/);
  await tracker.trackScrollChangedEvent({ yOffset: 120.75, xOffset: -3.5, viewHeight: 800, viewWidth: 390, contentHeight: 2400.4, contentWidth: 390 }, [CART]);
  const [e] = await received(tracker, collector, 1);
  assert.equal(e.raw.e, 'ue');
  assert.equal(e.schema, 'iglu:com.snowplowanalytics.mobile/scroll_changed/jsonschema/1-0-0');
  assert.deepEqual(e.data, { y_offset: 120, x_offset: -3, view_height: 800, view_width: 390, content_height: 2400, content_width: 390 });
  assertEntities(e);
});

test('trackListItemViewEvent: list_item_view', async (t) => {
  const { collector, tracker } = await start(t);
  const m = 'trackListItemViewEvent';
  await refused(tracker.trackListItemViewEvent({ itemsCount: 10 }), m, /listItemView\.index is required/);
  await refused(tracker.trackListItemViewEvent({ index: '3' }), m, /listItemView\.index must be a number, got string "3"/);
  await refused(tracker.trackListItemViewEvent({ index: 70000 }), m, /listItemView\.index must be between 0 and 65535, got 70000/);
  await tracker.trackListItemViewEvent({ index: 3, itemsCount: 10 }, [CART]);
  const [e] = await received(tracker, collector, 1);
  assert.equal(e.raw.e, 'ue');
  assert.equal(e.schema, 'iglu:com.snowplowanalytics.mobile/list_item_view/jsonschema/1-0-0');
  assert.deepEqual(e.data, { index: 3, items_count: 10 });
  assertEntities(e);
});

test('trackDeepLinkReceivedEvent: deep_link_received, with the link also in url and refr', async (t) => {
  const { collector, tracker } = await start(t);
  const m = 'trackDeepLinkReceivedEvent';
  await refused(tracker.trackDeepLinkReceivedEvent({ referrer: 'https://mail.example/' }), m, /deepLinkReceived\.url is required/);
  await refused(tracker.trackDeepLinkReceivedEvent({ url: 'shop/item 1' }), m, /deepLinkReceived\.url must be a URI like .*\(no scheme\)/);
  await refused(tracker.trackDeepLinkReceivedEvent({ url: 'myapp://search?q=café' }), m, /deepLinkReceived\.url must be a URI .*'é' must be percent-encoded/);
  await refused(tracker.trackDeepLinkReceivedEvent({ url: 'myapp://x', referrer: 7 }), m, /deepLinkReceived\.referrer must be a string, got number 7/);
  const url = `myapp://search?q=${encodeURIComponent('café')}`;
  await tracker.trackDeepLinkReceivedEvent({ url, referrer: 'https://mail.example/campaign?utm_source=mail' }, [CART]);
  const [e] = await received(tracker, collector, 1);
  assert.equal(e.raw.e, 'ue');
  assert.equal(e.schema, 'iglu:com.snowplowanalytics.mobile/deep_link_received/jsonschema/1-0-0');
  assert.deepEqual(e.data, { url, referrer: 'https://mail.example/campaign?utm_source=mail' });
  assert.equal(e.raw.url, url);
  assert.equal(e.raw.refr, 'https://mail.example/campaign?utm_source=mail');
  assertEntities(e);
});

test('trackMessageNotificationEvent: message_notification with its attachments', async (t) => {
  const { collector, tracker } = await start(t);
  const m = 'trackMessageNotificationEvent';
  const base = { title: 'Sale', body: 'Everything half price', trigger: 'push' };
  await refused(tracker.trackMessageNotificationEvent({ body: 'b', trigger: 'push' }), m, /messageNotification\.title is required/);
  await refused(tracker.trackMessageNotificationEvent({ title: 't', trigger: 'push' }), m, /messageNotification\.body is required/);
  await refused(tracker.trackMessageNotificationEvent({ title: 't', body: 'b' }), m, /messageNotification\.trigger is required \(one of push, location, calendar, timeInterval, other\)/);
  await refused(tracker.trackMessageNotificationEvent({ ...base, trigger: 'sms' }), m, /messageNotification\.trigger must be one of push, location, calendar, timeInterval, other, got string "sms"/);
  await refused(tracker.trackMessageNotificationEvent({ ...base, attachments: [{ identifier: 'a', type: 'image/png' }] }), m, /messageNotification\.attachments\[0\]\.url is required/);
  await refused(tracker.trackMessageNotificationEvent({ ...base, notificationTimestamp: 'yesterday' }), m, /messageNotification\.notificationTimestamp must be a date-time/);
  await refused(tracker.trackMessageNotificationEvent({ ...base, notificationCount: 10001 }), m, /messageNotification\.notificationCount must be between 0 and 10000/);
  const full = {
    ...base,
    action: 'open',
    attachments: [{ identifier: 'banner', type: 'image/png', url: 'https://cdn.example/banner.png' }],
    bodyLocArgs: ['50%'],
    bodyLocKey: 'sale_body',
    category: 'promotions',
    contentAvailable: true,
    group: 'offers',
    icon: 'ic_sale',
    notificationCount: 2,
    notificationTimestamp: '2024-05-01T09:30:00.000Z',
    sound: 'chime',
    subtitle: 'Today only',
    tag: 'sale-may',
    threadIdentifier: 'offers-thread',
    titleLocArgs: ['May'],
    titleLocKey: 'sale_title',
  };
  await tracker.trackMessageNotificationEvent(full, [CART]);
  await tracker.trackMessageNotificationEvent({ title: '', body: '', trigger: 'other', bodyLocArgs: [] });
  const [e, bare] = await received(tracker, collector, 2);
  assert.equal(e.raw.e, 'ue');
  assert.equal(e.schema, 'iglu:com.snowplowanalytics.mobile/message_notification/jsonschema/1-0-0');
  assert.deepEqual(e.data, full, 'every property under its own name');
  assertEntities(e);
  assert.deepEqual(bare.data, { title: '', body: '', trigger: 'other' }, 'an empty bodyLocArgs is left out (the schema wants at least one)');
  assert.deepEqual(bare.entities.map((x) => x.schema), [CLIENT_SESSION]);
});

test('trackEcommerceTransactionEvent: e=tr, then one e=ti per item sharing its order id and currency', async (t) => {
  const { collector, tracker } = await start(t);
  const m = 'trackEcommerceTransactionEvent';
  const item = { sku: 'TSHIRT-M', price: 19.99, quantity: 2 };
  await refused(tracker.trackEcommerceTransactionEvent({ totalValue: 1, items: [] }), m, /ecommerceTransaction\.orderId is required/);
  await refused(tracker.trackEcommerceTransactionEvent({ orderId: 'o', totalValue: '1', items: [] }), m, /ecommerceTransaction\.totalValue must be a number, got string "1"/);
  await refused(tracker.trackEcommerceTransactionEvent({ orderId: 'o', totalValue: 1 }), m, /ecommerceTransaction\.items is required/);
  await refused(tracker.trackEcommerceTransactionEvent({ orderId: 'o', totalValue: 1, items: [item, { price: 1, quantity: 1 }] }), m, /ecommerceTransaction\.items\[1\]\.sku is required/);
  await refused(tracker.trackEcommerceTransactionEvent({ orderId: 'o', totalValue: 1, items: [{ ...item, quantity: '2' }] }), m, /ecommerceTransaction\.items\[0\]\.quantity must be a number, got string "2"/);
  await refused(tracker.trackEcommerceTransactionEvent({ orderId: 'o', totalValue: 1, currency: 'EURO', items: [] }), m, /ecommerceTransaction\.currency must be at most 3 characters, got 4/);
  await tracker.trackEcommerceTransactionEvent(
    {
      orderId: 'order-1001',
      totalValue: 52.48,
      affiliation: 'app-store',
      taxValue: 8.75,
      shipping: 4.5,
      city: 'Lyon',
      state: 'ARA',
      country: 'France',
      currency: 'EUR',
      items: [
        { ...item, name: 'T-shirt', category: 'clothes' },
        { sku: 'MUG', price: 8.5, quantity: 1, currency: 'GBP' },
      ],
    },
    [CART],
  );
  const events = await received(tracker, collector, 3);
  assert.deepEqual(events.map((e) => e.raw.e), ['tr', 'ti', 'ti']);
  const [tr, shirt, mug] = events;
  const fields = (e, prefix) => Object.fromEntries(Object.entries(e.raw).filter(([k]) => k.startsWith(prefix)));
  assert.deepEqual(fields(tr, 'tr_'), {
    tr_id: 'order-1001', tr_tt: '52.48', tr_af: 'app-store', tr_tx: '8.75', tr_sh: '4.5',
    tr_ci: 'Lyon', tr_st: 'ARA', tr_co: 'France', tr_cu: 'EUR',
  });
  assert.deepEqual(fields(shirt, 'ti_'), {
    ti_id: 'order-1001', ti_sk: 'TSHIRT-M', ti_nm: 'T-shirt', ti_ca: 'clothes', ti_pr: '19.99', ti_qu: '2', ti_cu: 'EUR',
  });
  assert.deepEqual(fields(mug, 'ti_'), { ti_id: 'order-1001', ti_sk: 'MUG', ti_pr: '8.5', ti_qu: '1', ti_cu: 'GBP' });
  for (const e of events) {
    assertNotSelfDescribing(e);
    assertEntities(e);
    assert.equal(Object.keys(fields(e, e.raw.e === 'tr' ? 'ti_' : 'tr_')).length, 0, 'no fields of the other kind');
  }
  assert.equal(new Set(events.map((e) => e.raw.eid)).size, 3, 'each has its own eid');
  assert.deepEqual(events.map((e) => e.raw.dtm), [tr.raw.dtm, tr.raw.dtm, tr.raw.dtm], 'one call, one time');
  assert.deepEqual(events.map((e) => e.session.eventIndex), [1, 2, 3], 'each is an event of the session');
  assert.equal(tr.session.firstEventId, tr.raw.eid);
});

test('trackEcommerceTransactionEvent: a transaction is stored whole or not at all', async (t) => {
  const { collector, tracker } = await start(t, { emitterConfig: { byteLimitPost: 1500 } });
  const small = { sku: 's', price: 1, quantity: 1 };
  const big = { sku: 's'.repeat(255), name: 'n'.repeat(255), category: 'c'.repeat(255), price: 1, quantity: 1 };
  await refused(
    tracker.trackEcommerceTransactionEvent({ orderId: 'o-1', totalValue: 2, items: [small, big] }, [CART]),
    'trackEcommerceTransactionEvent',
    /over emitterConfig\.byteLimitPost \(1500\).*\(ecommerceTransaction\.items\[1\]; no event of the transaction was tracked\)/,
  );
  assert.equal(await tracker.getSessionId(), undefined, 'the refused transaction started no session');
  await tracker.trackEcommerceTransactionEvent({ orderId: 'o-2', totalValue: 1, items: [small] });
  const events = await received(tracker, collector, 2);
  assert.deepEqual(events.map((e) => [e.raw.e, e.raw.tr_id ?? e.raw.ti_id]), [['tr', 'o-2'], ['ti', 'o-2']]);
  assert.deepEqual(events.map((e) => e.session.eventIndex), [1, 2]);
});
