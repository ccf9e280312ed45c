'use strict';
/**
 * The mock's API: importing it is harmless, it has every export of the real
 * entries (and only its documented helpers besides), every tracker method of
 * types.ts and of the core's table, each returning a Promise of the right
 * type. Required by package name, through the package's `exports` map.
 */
const { typedTrackerMethods, coreMethods, INTERNAL_METHODS } = require('./helpers');

const HELPERS = ['trackedEvents', 'clearTrackedEvents', 'resetTrackerMock', 'realCore', 'realCoreAvailable', 'MOCK_HELPERS'];
const NETWORK = { endpoint: 'http://127.0.0.1:9' };

/** Arguments for each tracker method, and what its Promise must resolve with. */
const CALLS = {
  trackSelfDescribingEvent: [[{ schema: 'iglu:com.acme/e/jsonschema/1-0-0', data: { a: 1 } }], 'undefined'],
  trackScreenViewEvent: [[{ name: 'Home' }], 'undefined'],
  trackStructuredEvent: [[{ category: 'c', action: 'a' }], 'undefined'],
  trackPageViewEvent: [[{ pageUrl: 'https://example.com/' }], 'undefined'],
  trackTimingEvent: [[{ category: 'c', variable: 'v', timing: 5 }], 'undefined'],
  trackConsentGrantedEvent: [[{ documentId: 'd', version: '1', expiry: '2030-01-01T00:00:00Z' }], 'undefined'],
  trackConsentWithdrawnEvent: [[{ documentId: 'd', version: '1', all: true }], 'undefined'],
  trackScrollChangedEvent: [[{ yOffset: 10 }], 'undefined'],
  trackListItemViewEvent: [[{ index: 1, itemsCount: 3 }], 'undefined'],
  trackDeepLinkReceivedEvent: [[{ url: 'app://x' }], 'undefined'],
  trackMessageNotificationEvent: [[{ title: 't', body: 'b', trigger: 'push' }], 'undefined'],
  trackEcommerceTransactionEvent: [[{ orderId: 'o', totalValue: 1, items: [{ sku: 's', price: 1, quantity: 1 }] }], 'undefined'],
  addGlobalContexts: [[{ tag: 't', globalContexts: [{ schema: 'iglu:com.acme/c/jsonschema/1-0-0', data: {} }] }], 'undefined'],
  removeGlobalContexts: [['t'], 'undefined'],
  setUserId: [['u'], 'undefined'],
  setNetworkUserId: [['5a4a1f2e-8f43-4b8a-9d6a-1c2b3d4e5f60'], 'undefined'],
  setDomainUserId: [[null], 'undefined'],
  setIpAddress: [['1.2.3.4'], 'undefined'],
  setUseragent: [['ua'], 'undefined'],
  setTimezone: [['Europe/London'], 'undefined'],
  setLanguage: [['en-GB'], 'undefined'],
  setScreenResolution: [[[100, 200]], 'undefined'],
  setScreenViewport: [[[10, 20]], 'undefined'],
  setColorDepth: [[24], 'undefined'],
  setSubjectData: [[{ userId: 'v' }], 'undefined'],
  getSessionUserId: [[], 'string'],
  getSessionId: [[], 'string'],
  getSessionIndex: [[], 'number'],
  getIsInBackground: [[], 'boolean'],
  getBackgroundIndex: [[], 'number'],
  getForegroundIndex: [[], 'number'],
  startNewSession: [[], 'undefined'],
  pauseSessionChecking: [[], 'undefined'],
  resumeSessionChecking: [[], 'undefined'],
  flush: [[], 'undefined'],
  getDeliveryStats: [[], 'object'],
};

describe('importing react-native-rust-tracker/jest', () => {
  test('never throws, needs no addon, and has no side effects (globals, console, timers)', () => {
    const globalsBefore = Object.getOwnPropertyNames(globalThis).sort();
    const log = jest.spyOn(console, 'log');
    const warn = jest.spyOn(console, 'warn');
    const error = jest.spyOn(console, 'error');
    jest.useFakeTimers();
    let mock;
    jest.isolateModules(() => {
      expect(() => (mock = require('react-native-rust-tracker/jest'))).not.toThrow();
    });
    expect(jest.getTimerCount()).toBe(0);
    jest.useRealTimers();
    expect(typeof mock.createTracker).toBe('function');
    expect(Object.getOwnPropertyNames(globalThis).sort()).toEqual(globalsBefore);
    expect(log).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
    jest.restoreAllMocks();
  });

  test('resolves by package name to lib/jest.js (the exports map)', () => {
    expect(require.resolve('react-native-rust-tracker/jest')).toMatch(/[\\/]lib[\\/]jest\.js$/);
  });

  test('the whole mock works while no Node addon can be loaded (run.js points RN_RUST_TRACKER_ADDON nowhere)', async () => {
    const mock = require('react-native-rust-tracker/jest');
    expect(process.env.RN_RUST_TRACKER_ADDON).toMatch(/does-not-exist/);
    expect(mock.realCoreAvailable()).toBe(false);
    expect(() => mock.realCore()).toThrow(/Node addon .*does-not-exist.* does not exist/);
    const t = mock.createTracker('noaddon', NETWORK);
    await t.trackScreenViewEvent({ name: 'Home' });
    expect(mock.trackedEvents('noaddon')).toHaveLength(1);
    mock.resetTrackerMock();
  });
});

describe('the mock has the whole API', () => {
  const mock = require('react-native-rust-tracker/jest');
  afterEach(() => mock.resetTrackerMock());

  test('its exports are the Node entry\'s and the React Native entry\'s, plus its documented helpers', () => {
    const node = jest.requireActual('react-native-rust-tracker'); // node condition: lib/node.js
    expect(require.resolve('react-native-rust-tracker')).toMatch(/[\\/]lib[\\/]node\.js$/);
    let rn;
    jest.isolateModules(() => {
      jest.doMock('react-native', () => ({
        AppState: { currentState: 'active', addEventListener: () => ({ remove() {} }) },
        TurboModuleRegistry: { getEnforcing: () => { throw new Error('no native module in Jest'); } },
      }), { virtual: true });
      rn = require('../../lib/index.js');
    });
    const api = Object.keys(node).sort();
    expect(Object.keys(rn).sort()).toEqual(api);
    expect([...mock.MOCK_HELPERS].sort()).toEqual([...HELPERS].sort());
    expect(Object.keys(mock).sort()).toEqual([...api, ...HELPERS].sort());
    expect(mock.TrackerError).toBe(node.TrackerError); // one class: `instanceof` works whichever entry made the error
    expect(new mock.TrackerError('INVALID_EVENT', 'trackScreenViewEvent', 'x')).toBeInstanceOf(Error);
  });

  test('a tracker has every method of ReactNativeTracker in types.ts, and no other', () => {
    const t = mock.createTracker('keys', NETWORK);
    expect(Object.keys(t).sort()).toEqual(typedTrackerMethods());
  });

  test('the tracker methods and the API layer\'s internal calls are exactly the core\'s method table', () => {
    const t = mock.createTracker('table', NETWORK);
    expect([...Object.keys(t), ...INTERNAL_METHODS].sort()).toEqual(coreMethods());
  });

  test('module functions return the right types', async () => {
    const t = mock.createTracker('fns', NETWORK);
    expect(mock.getAllTrackers()).toEqual([t]);
    const cb = mock.getWebViewCallback();
    expect(typeof cb).toBe('function');
    expect(cb({ nativeEvent: { data: JSON.stringify({ command: 'trackStructEvent', event: { category: 'c', action: 'a' } }) } })).toBeUndefined();
    const state = mock.setAppState('active');
    expect(state).toBeInstanceOf(Promise);
    await expect(state).resolves.toBeUndefined();
    const removed = mock.removeTracker('fns');
    expect(removed).toBeInstanceOf(Promise);
    await expect(removed).resolves.toBe(true);
    await expect(mock.removeTracker('fns')).resolves.toBe(false);
    expect(mock.getAllTrackers()).toEqual([]);
    mock.createTracker('a', NETWORK);
    mock.createTracker('b', NETWORK);
    expect(mock.getAllTrackers()).toHaveLength(2);
    await expect(mock.removeAllTrackers()).resolves.toBe(true);
    expect(mock.getAllTrackers()).toEqual([]);
  });

  test('every tracker method returns a Promise of the right type', async () => {
    const t = mock.createTracker('types', NETWORK);
    const methods = typedTrackerMethods();
    expect(Object.keys(CALLS).sort()).toEqual(methods); // a new method needs a line in CALLS
    for (const name of Object.keys(CALLS)) { // track calls first: the session getters then have a session
      const [args, type] = CALLS[name];
      const p = t[name](...args);
      expect(p).toBeInstanceOf(Promise);
      const value = await p;
      expect([name, typeof value]).toEqual([name, type]);
    }
    expect(await t.getDeliveryStats()).toEqual({
      queued: 0,
      sent: 12,
      dropped: { storeLimit: 0, rejected: 0, oversized: 0 },
      lastError: null,
    });
  });

  test('failures are TrackerErrors with the codes the real API uses', async () => {
    const t = mock.createTracker('errors', NETWORK);
    const circular = {};
    circular.self = circular;
    await expect(t.trackScreenViewEvent({ name: 'x', circular })).rejects.toMatchObject({ name: 'TrackerError', code: 'INVALID_ARGUMENT' });
    await expect(t.trackStructuredEvent({ category: 'c', action: 'a', value: NaN })).rejects.toMatchObject({ code: 'INVALID_EVENT', method: 'trackStructuredEvent' });
    await expect(mock.setAppState('asleep')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const bad = mock.createTracker('badconfig', NETWORK, { emitterConfig: { emitRange: Infinity } });
    await expect(bad.flush()).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await mock.removeTracker('errors');
    const rejected = t.getSessionId();
    await expect(rejected).rejects.toBeInstanceOf(mock.TrackerError);
    await expect(rejected).rejects.toMatchObject({ code: 'UNKNOWN_TRACKER', method: 'getSessionId' });
  });
});
