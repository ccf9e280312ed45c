'use strict';
/** The mock records every tracked event, with what a test asserts on. */
const mock = require('react-native-rust-tracker/jest');
const { createTracker, trackedEvents, clearTrackedEvents, resetTrackerMock, getWebViewCallback } = mock;

const NETWORK = { endpoint: 'http://127.0.0.1:9' };
const ENTITY = { schema: 'iglu:com.acme/entity/jsonschema/1-0-0', data: { id: 7 } };
afterEach(() => resetTrackerMock());

test('each track call is recorded: namespace, method, argmap, contexts, automatic false', async () => {
  const t = createTracker('app', NETWORK);
  await t.trackScreenViewEvent({ name: 'Home' });
  await t.trackStructuredEvent({ category: 'shop', action: 'add', value: 2 }, [ENTITY]);
  await t.trackSelfDescribingEvent({ schema: 'iglu:com.acme/buy/jsonschema/1-0-0', data: { sku: 'x' } });
  const events = trackedEvents();
  expect(events.map((e) => e.method)).toEqual(['trackScreenViewEvent', 'trackStructuredEvent', 'trackSelfDescribingEvent']);
  expect(events[0]).toMatchObject({ namespace: 'app', argmap: { name: 'Home' }, contexts: [], automatic: false });
  expect(events[1]).toMatchObject({ argmap: { category: 'shop', action: 'add', value: 2 }, contexts: [ENTITY] });
  expect(events[2].argmap.data).toEqual({ sku: 'x' });
  for (const e of events) {
    expect(e.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof e.timestamp).toBe('number');
  }
});

test('arguments are recorded as the core would receive them (JSON): undefined keys left out', async () => {
  const t = createTracker('json', NETWORK);
  await t.trackScreenViewEvent({ name: 'A', type: undefined, id: '7b2cf0c4-8e4a-4b8f-9f3e-0a1b2c3d4e5f' });
  expect(trackedEvents()[0].argmap).toEqual({ name: 'A', id: '7b2cf0c4-8e4a-4b8f-9f3e-0a1b2c3d4e5f' });
});

test('trackedEvents(namespace) filters; clearTrackedEvents forgets; results are copies', async () => {
  const a = createTracker('a', NETWORK);
  const b = createTracker('b', NETWORK);
  await a.trackScreenViewEvent({ name: 'A' });
  await b.trackScreenViewEvent({ name: 'B' });
  expect(trackedEvents('a').map((e) => e.argmap.name)).toEqual(['A']);
  expect(trackedEvents('b').map((e) => e.argmap.name)).toEqual(['B']);
  expect(trackedEvents()).toHaveLength(2);
  trackedEvents()[0].argmap.name = 'changed';
  expect(trackedEvents()[0].argmap.name).toBe('A');
  clearTrackedEvents();
  expect(trackedEvents()).toEqual([]);
  await a.trackScreenViewEvent({ name: 'again' });
  expect(trackedEvents()).toHaveLength(1);
  expect(await a.getSessionIndex()).toBe(1); // sessions stay
});

test('subject and global contexts are recorded with each event', async () => {
  const t = createTracker('subject', NETWORK, {
    subjectConfig: { userId: 'first', language: 'en' },
    gcConfig: [{ tag: 'g', globalContexts: [ENTITY] }],
  });
  await t.trackScreenViewEvent({ name: 'A' });
  await t.setUserId('second');
  await t.setLanguage(null);
  await t.setSubjectData({ screenResolution: [1, 2] });
  await t.removeGlobalContexts('g');
  await t.addGlobalContexts({ tag: 'h', globalContexts: [ENTITY, ENTITY] });
  await t.trackScreenViewEvent({ name: 'B' });
  const [first, second] = trackedEvents();
  expect(first.subject).toEqual({ userId: 'first', language: 'en' });
  expect(first.globalContexts).toEqual([ENTITY]);
  expect(second.subject).toEqual({ userId: 'second', screenResolution: [1, 2] });
  expect(second.globalContexts).toEqual([ENTITY, ENTITY]);
});

test('WebView messages: recorded by every tracker, or only by those the message names', async () => {
  createTracker('w1', NETWORK);
  createTracker('w2', NETWORK);
  const onMessage = getWebViewCallback();
  onMessage({ nativeEvent: { data: JSON.stringify({ command: 'trackStructEvent', event: { category: 'c', action: 'a' } }) } });
  onMessage({ nativeEvent: { data: JSON.stringify({ command: 'trackPageView', event: { url: 'https://e.com' }, trackers: ['w2'] }) } });
  await new Promise((r) => setImmediate(r));
  expect(trackedEvents('w1').map((e) => e.argmap.command)).toEqual(['trackStructEvent']);
  expect(trackedEvents('w2').map((e) => e.argmap.command)).toEqual(['trackStructEvent', 'trackPageView']);
  expect(trackedEvents().every((e) => e.method === 'trackWebViewMessage' && e.automatic)).toBe(true);
});

test('uncaught errors through React Native\'s global handler: recorded unless exceptionAutotracking is false', async () => {
  const previous = jest.fn();
  let handler;
  let fresh;
  globalThis.ErrorUtils = { getGlobalHandler: () => previous, setGlobalHandler: (h) => (handler = h) };
  try {
    jest.isolateModules(() => {
      fresh = require('react-native-rust-tracker/jest');
      fresh.createTracker('on', NETWORK);
      fresh.createTracker('off', NETWORK, { trackerConfig: { exceptionAutotracking: false } });
    });
    const boom = new Error('boom');
    handler(boom, true);
    expect(previous).toHaveBeenCalledWith(boom, true);
    await new Promise((r) => setImmediate(r));
    const events = fresh.trackedEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ namespace: 'on', method: 'trackUncaughtError', automatic: true, argmap: { message: 'boom', isFatal: true } });
    expect(events[0].argmap.stackTrace).toContain('boom');
  } finally {
    delete globalThis.ErrorUtils;
  }
});

test('resetTrackerMock removes every tracker and forgets events, user ids and sessions', async () => {
  const t = createTracker('r', NETWORK);
  const user = await t.getSessionUserId();
  await t.trackScreenViewEvent({ name: 'A' });
  resetTrackerMock();
  expect(mock.getAllTrackers()).toEqual([]);
  expect(trackedEvents()).toEqual([]);
  await expect(t.getSessionId()).rejects.toMatchObject({ code: 'UNKNOWN_TRACKER' });
  const again = createTracker('r', NETWORK);
  expect(await again.getSessionUserId()).not.toBe(user);
  await again.trackScreenViewEvent({ name: 'B' });
  expect(await again.getSessionIndex()).toBe(1);
});

test('an ecommerce transaction is one recorded event (the core stores one per item too)', async () => {
  const t = createTracker('shop', NETWORK);
  const order = { orderId: 'o1', totalValue: 3, items: [{ sku: 'a', price: 1, quantity: 1 }, { sku: 'b', price: 2, quantity: 1 }] };
  await t.trackEcommerceTransactionEvent(order);
  expect(trackedEvents()).toHaveLength(1);
  expect(trackedEvents()[0].argmap).toEqual(order);
});
