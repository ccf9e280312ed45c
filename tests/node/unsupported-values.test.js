'use strict';
/**
 * Values JSON cannot carry (NaN, Infinity, -Infinity, BigInt, functions,
 * symbols), at any depth of an event, an entity or the configuration, are
 * rejected naming the field by its JSON path, and nothing of them is sent.
 * TypeScript only encodes them as a marker; the core decides
 * (crates/tracker-core/src/input.rs). Also the bounds of docs/limits.md as an
 * app meets them, and endpoints that are not http(s) URLs with a host.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { createTracker, removeAllTrackers, TrackerError } = require('../..');
const { startCollector } = require('../collector');
const { tempDir, uniqueNamespace } = require('./helpers');

const SCHEMA = 'iglu:com.acme/thing/jsonschema/1-0-0';

test('values JSON cannot carry are rejected by path in events and entities, and never sent', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  t.after(() => removeAllTrackers());
  const tracker = createTracker(uniqueNamespace('unsupported'), { endpoint: collector.url }, {
    trackerConfig: { installAutotracking: false }, // the one good event only
    storage: { directory: tempDir(t) },
  });
  const fn = () => 1;
  const cases = [
    [() => tracker.trackSelfDescribingEvent({ schema: SCHEMA, data: { price: NaN } }), 'trackSelfDescribingEvent: invalid event: selfDescribing.data.price must be a finite number, got NaN'],
    [() => tracker.trackSelfDescribingEvent({ schema: SCHEMA, data: { a: { b: [1, Infinity] } } }), 'trackSelfDescribingEvent: invalid event: selfDescribing.data.a.b[1] must be a finite number, got Infinity'],
    [() => tracker.trackSelfDescribingEvent({ schema: SCHEMA, data: { t: -Infinity } }), 'trackSelfDescribingEvent: invalid event: selfDescribing.data.t must be a finite number, got -Infinity'],
    [() => tracker.trackSelfDescribingEvent({ schema: SCHEMA, data: { n: 10n } }), 'trackSelfDescribingEvent: invalid event: selfDescribing.data.n must be JSON data, got a BigInt'],
    [() => tracker.trackSelfDescribingEvent({ schema: SCHEMA, data: { s: Symbol('s') } }), 'trackSelfDescribingEvent: invalid event: selfDescribing.data.s must be JSON data, got a symbol'],
    [() => tracker.trackScreenViewEvent({ name: 'a' }, [{ schema: SCHEMA, data: { items: [0, 1, { f: fn }] } }]), 'trackScreenViewEvent: invalid event: contexts[0].data.items[2].f must be JSON data, got a function'],
    [() => tracker.trackScreenViewEvent({ name: 'a' }, [{ schema: SCHEMA, data: {} }, { schema: SCHEMA, data: { 'odd key': NaN } }]), 'trackScreenViewEvent: invalid event: contexts[1].data["odd key"] must be a finite number, got NaN'],
    [() => tracker.trackScreenViewEvent({ name: NaN }), 'trackScreenViewEvent: invalid event: screenView.name must be a finite number, got NaN'],
    [() => tracker.trackScreenViewEvent({ name: fn }), 'trackScreenViewEvent: invalid event: screenView.name must be JSON data, got a function'],
    [() => tracker.trackStructuredEvent({ category: 'c', action: 'a', value: NaN }), 'trackStructuredEvent: invalid event: structured.value must be a finite number, got NaN'],
    [() => tracker.trackStructuredEvent({ category: 'c', action: 'a', value: Infinity }), 'trackStructuredEvent: invalid event: structured.value must be a finite number, got Infinity'],
    [() => tracker.trackStructuredEvent({ category: 'c', action: 'a', value: 5n }), 'trackStructuredEvent: invalid event: structured.value must be JSON data, got a BigInt'],
    [() => tracker.trackStructuredEvent({ category: 'c', action: 'a' }, [{ schema: SCHEMA, data: { deep: { deeper: [[[Symbol.iterator]]] } } }]), 'trackStructuredEvent: invalid event: contexts[0].data.deep.deeper[0][0][0] must be JSON data, got a symbol'],
    // A string that spells the marker is reserved, and refused the same way.
    [() => tracker.trackSelfDescribingEvent({ schema: SCHEMA, data: { s: '\u0000rn-rust-tracker:unsupported:NaN' } }), 'trackSelfDescribingEvent: invalid event: selfDescribing.data.s must be a finite number, got NaN'],
  ];
  for (const [call, message] of cases) {
    const err = await call().then(() => assert.fail(`resolved: ${message}`), (e) => e);
    assert.ok(err instanceof TrackerError, message);
    assert.deepEqual({ code: err.code, message: err.message }, { code: 'INVALID_EVENT', message });
  }
  // Strings that only look like the old encoding are data.
  await tracker.trackSelfDescribingEvent({ schema: SCHEMA, data: { a: 'NaN', b: '[function]', c: 'Infinity', list: [1, undefined, 3] } });
  await tracker.flush();
  const events = await collector.waitFor(1);
  await tracker.flush();
  assert.equal(collector.events.length, 1, 'none of the rejected events was sent');
  assert.deepEqual(events[0].data, { a: 'NaN', b: '[function]', c: 'Infinity', list: [1, null, 3] }, 'undefined in an array is null');
  assert.equal(events[0].session.eventIndex, 1, 'no rejected event counted in the session');
});

test('values JSON cannot carry in the configuration are rejected by path', async (t) => {
  t.after(() => removeAllTrackers());
  const dir = tempDir(t);
  const ok = { endpoint: 'http://127.0.0.1:9' };
  const cases = [
    [ok, { sessionConfig: { foregroundTimeout: NaN } }, 'sessionConfig.foregroundTimeout must be a finite number, got NaN'],
    [ok, { sessionConfig: { backgroundTimeout: Infinity } }, 'sessionConfig.backgroundTimeout must be a finite number, got Infinity'],
    [ok, { emitterConfig: { emitRange: 25n } }, 'emitterConfig.emitRange must be JSON data, got a BigInt'],
    [ok, { trackerConfig: { appId: () => 'x' } }, 'trackerConfig.appId must be JSON data, got a function'],
    [ok, { trackerConfig: { devicePlatform: Symbol('mob') } }, 'trackerConfig.devicePlatform must be JSON data, got a symbol'],
    [{ endpoint: 'http://127.0.0.1:9', timeout: -Infinity }, {}, 'networkConfig.timeout must be a finite number, got -Infinity'],
    [ok, { sessionConfig: { onSessionUpdate: Symbol('f') } }, 'sessionConfig.onSessionUpdate must be JSON data, got a symbol'],
  ];
  for (const [network, controller, message] of cases) {
    const tracker = createTracker(uniqueNamespace('badvalue'), network, { storage: { directory: dir }, ...controller });
    const err = await tracker.getSessionId().then(() => assert.fail(message), (e) => e);
    assert.deepEqual({ code: err.code, message: err.message }, { code: 'INVALID_CONFIG', message: `getSessionId: invalid configuration: ${message}` });
  }
});

test('string fields, numbers and nesting beyond their bounds are rejected, naming the field', async (t) => {
  t.after(() => removeAllTrackers());
  const dir = tempDir(t);
  const tracker = createTracker(uniqueNamespace('bounds'), { endpoint: 'http://127.0.0.1:9' }, { storage: { directory: dir } });
  let deep = 1;
  for (let i = 0; i < 70; i += 1) deep = { k: deep };
  let deeper = 1;
  for (let i = 0; i < 300; i += 1) deeper = [deeper];
  const cases = [
    [() => tracker.trackScreenViewEvent({ name: 'n'.repeat(4097) }), 'INVALID_EVENT', /screenView\.name must be at most 4096 characters, got 4097$/],
    [() => tracker.trackStructuredEvent({ category: 'c'.repeat(1001), action: 'a' }), 'INVALID_EVENT', /structured\.category must be at most 1000 characters, got 1001$/],
    [() => tracker.trackStructuredEvent({ category: 'c', action: 'a'.repeat(1001) }), 'INVALID_EVENT', /structured\.action must be at most 1000 characters/],
    [() => tracker.trackStructuredEvent({ category: 'c', action: 'a', label: 'l'.repeat(4097) }), 'INVALID_EVENT', /structured\.label must be at most 4096 characters/],
    [() => tracker.trackStructuredEvent({ category: 'c', action: 'a', property: 'p'.repeat(1001) }), 'INVALID_EVENT', /structured\.property must be at most 1000 characters/],
    [() => tracker.trackSelfDescribingEvent({ schema: `iglu:com.acme/${'x'.repeat(500)}/jsonschema/1-0-0`, data: {} }), 'INVALID_EVENT', /selfDescribing\.schema must be at most 512 characters, got 531$/],
    [() => tracker.trackSelfDescribingEvent({ schema: SCHEMA, data: deep }), 'INVALID_EVENT', /selfDescribing\.data(\.k)+ is nested more than 64 levels deep$/],
    [() => tracker.trackSelfDescribingEvent({ schema: SCHEMA, data: { d: deeper } }), 'INVALID_EVENT', /^trackSelfDescribingEvent: invalid event: arguments are nested more than 64 levels deep$/],
    [() => tracker.trackScreenViewEvent({ name: 'cut \ud83d' }), 'INVALID_EVENT', /arguments are not valid Unicode: a string holds a lone UTF-16 surrogate/],
  ];
  for (const [call, code, expected] of cases) {
    const err = await call().then(() => assert.fail(String(expected)), (e) => e);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, expected);
    assert.ok(err.message.length < 500, `nothing long is echoed: ${err.message.length} characters`);
  }
  // Characters are counted as Unicode code points: 4096 emoji are 8192 UTF-16 units.
  await tracker.trackScreenViewEvent({ name: '😀'.repeat(1000) });

  const config = [
    [{ endpoint: 'javascript:alert(1)' }, {}, /networkConfig\.endpoint must use http or https, got "javascript:alert\(1\)"$/],
    [{ endpoint: 'http://' }, {}, /networkConfig\.endpoint (is not a valid URL|has no host)/],
    [{ endpoint: 'https:///x' }, {}, /networkConfig\.endpoint (is not a valid URL|has no host)/],
    [{ endpoint: `https://c.io/${'p'.repeat(2048)}` }, {}, /networkConfig\.endpoint must be at most 2048 characters, got 2061$/],
    [{ endpoint: 'c.io' }, { emitterConfig: { emitRange: 1001 } }, /emitterConfig\.emitRange must be at most 1000, got 1001$/],
    [{ endpoint: 'c.io' }, { emitterConfig: { byteLimitPost: 10_000_001 } }, /emitterConfig\.byteLimitPost must be at most 10000000 bytes/],
    [{ endpoint: 'c.io' }, { emitterConfig: { byteLimitGet: 2 ** 32 - 1 } }, /emitterConfig\.byteLimitGet must be at most 10000000 bytes/],
    [{ endpoint: 'c.io' }, { trackerConfig: { appId: 'a'.repeat(256) } }, /trackerConfig\.appId must be at most 255 characters, got 256$/],
    [{ endpoint: 'c.io' }, { storage: { directory: '/tmp/a\u0000b' } }, /storage\.directory must not contain a NUL character$/],
  ];
  for (const [network, controller, expected] of config) {
    const bad = createTracker(uniqueNamespace('badbound'), network, { storage: { directory: dir }, ...controller });
    const err = await bad.getSessionId().then(() => assert.fail(String(expected)), (e) => e);
    assert.equal(err.code, 'INVALID_CONFIG', err.message);
    assert.match(err.message, expected);
  }
});
