'use strict';
/**
 * Bad input through the public API: every invalid configuration field and
 * event argument is rejected with a message naming it, and the tracker keeps
 * working afterwards. Also removed trackers, bad app states, huge values.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { createTracker, removeTracker, removeAllTrackers, setAppState, TrackerError } = require('../..');
const { startCollector } = require('../collector');
const { tempDir, uniqueNamespace } = require('./helpers');

test('each invalid configuration field is named in the rejection', async (t) => {
  t.after(() => removeAllTrackers());
  const dir = tempDir(t);
  const ok = { endpoint: 'http://127.0.0.1:9' };
  const cases = [
    [{ endpoint: '' }, {}, /networkConfig\.endpoint must be a non-empty URL/],
    [{ endpoint: 'ftp://collector' }, {}, /networkConfig\.endpoint must use http or https/],
    [{ endpoint: 'http://exa mple.com' }, {}, /networkConfig\.endpoint is not a valid URL/],
    [{ endpoint: 42 }, {}, /networkConfig\.endpoint: invalid type: integer `42`/],
    [{ endpoint: 'c.io', method: 'put' }, {}, /networkConfig\.method: unknown variant `put`/],
    [{ endpoint: 'c.io', port: 80 }, {}, /unknown field `port`/],
    [ok, { trackerConfig: { sessionContext: 'yes' } }, /trackerConfig\.sessionContext: invalid type: string "yes", expected a boolean/],
    [ok, { trackerConfig: { devicePlatform: 'phone' } }, /trackerConfig\.devicePlatform: unknown variant `phone`/],
    [ok, { trackerConfig: { appId: 7 } }, /trackerConfig\.appId: invalid type/],
    [ok, { trackerConfig: { lifecycleAutotracking: null, base64Encoding: 1 } }, /trackerConfig\.base64Encoding: invalid type/],
    [ok, { trackerConfig: { userAnonymisation: 'no' } }, /trackerConfig\.userAnonymisation/],
    [ok, { trackerConfig: { screenContext: 'yes' } }, /trackerConfig\.screenContext: invalid type: string "yes", expected a boolean/],
    [ok, { sessionConfig: { foregroundTimeout: -5 } }, /sessionConfig\.foregroundTimeout must be a finite, non-negative number of seconds, got -5/],
    [ok, { sessionConfig: { backgroundTimeout: Infinity } }, /sessionConfig\.backgroundTimeout must be a finite number, got Infinity/],
    [ok, { sessionConfig: { foregroundTimeout: NaN } }, /sessionConfig\.foregroundTimeout must be a finite number, got NaN/],
    [ok, { sessionConfig: { backgroundTimeout: '15' } }, /sessionConfig\.backgroundTimeout must be a number of seconds, got string "15"/],
    [ok, { sessionConfig: { foregroundTimeout: 1e300 } }, /sessionConfig\.foregroundTimeout must be at most/],
    [ok, { sessionConfig: { onSessionUpdate: 42 } }, /sessionConfig\.onSessionUpdate must be a function, got number 42/],
    [ok, { sessionConfig: { continueSessionOnRestart: 'true' } }, /sessionConfig\.continueSessionOnRestart: invalid type/],
    [ok, { emitterConfig: { emitRange: 0 } }, /emitterConfig\.emitRange must be at least 1/],
    [ok, { emitterConfig: { emitRange: 2.5 } }, /emitterConfig\.emitRange: invalid type/],
    [ok, { emitterConfig: { byteLimitPost: 10 } }, /emitterConfig\.byteLimitPost must be at least 1000 bytes, got 10/],
    [ok, { emitterConfig: { byteLimitGet: -1 } }, /emitterConfig\.byteLimitGet: invalid value/],
    [ok, { emitterConfig: { bufferOption: 'huge' } }, /emitterConfig\.bufferOption: unknown variant `huge`, expected one of `single`, `small`, `large`/],
    [ok, { trackerConfig: { logLevel: 'loud' } }, /trackerConfig\.logLevel: unknown variant `loud`/],
    [{ endpoint: 'c.io', customPostPath: 'a b' }, {}, /networkConfig\.customPostPath must be a URL path of at most 1000 visible ASCII characters/],
    [{ endpoint: 'c.io', requestHeaders: { 'bad name': 'x' } }, {}, /networkConfig\.requestHeaders: "bad name" is not an HTTP header name/],
    [{ endpoint: 'c.io', requestHeaders: { 'X-Ok': 'line\nbreak' } }, {}, /networkConfig\.requestHeaders\.X-Ok must be at most 8192 bytes without control characters/],
    [ok, { subjectConfg: {} }, /unknown field `subjectConfg`/],
    [ok, { storage: { directory: '' } }, /storage\.directory must be a non-empty path/],
    [ok, { storage: { directory: 5 } }, /storage\.directory: invalid type/],
  ];
  for (const [network, controller, expected] of cases) {
    const tracker = createTracker(uniqueNamespace('badcfg'), network, { storage: { directory: dir }, ...controller });
    const err = await tracker.getSessionId().then(() => null, (e) => e);
    assert.ok(err instanceof TrackerError, `${JSON.stringify(controller)} rejects`);
    assert.equal(err.code, 'INVALID_CONFIG');
    assert.equal(err.method, 'getSessionId');
    assert.match(err.message, /^getSessionId: invalid configuration: /);
    assert.match(err.message, expected);
    await assert.rejects(tracker.trackScreenViewEvent({ name: 'x' }), expected);
  }
  await assert.rejects(createTracker('', ok).flush(), /namespace must be a non-empty string/);
  await assert.rejects(createTracker(123, ok).flush(), /createTracker: .*String/);

  // A valid tracker created afterwards works.
  const good = createTracker(uniqueNamespace('good'), ok, { storage: { directory: dir } });
  await good.trackScreenViewEvent({ name: 'fine' });
  assert.equal(await good.getSessionIndex(), 1);
});

test('each invalid event argument is named, and the tracker keeps working', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  t.after(() => removeAllTrackers());
  const tracker = createTracker(uniqueNamespace('badevent'), { endpoint: collector.url }, {
    trackerConfig: { installAutotracking: false }, // the one good event only
    storage: { directory: tempDir(t) },
  });
  const huge = 'x'.repeat(1_000_000);
  const circular = {};
  circular.self = circular;
  const cases = [
    [() => tracker.trackScreenViewEvent(null), /trackScreenViewEvent: invalid event: screenView event must be an object, got null/],
    [() => tracker.trackScreenViewEvent({}), /screenView\.name is required/],
    [() => tracker.trackScreenViewEvent({ name: '' }), /screenView\.name must be a non-empty string/],
    [() => tracker.trackScreenViewEvent({ name: 5 }), /screenView\.name must be a string, got number 5/],
    [() => tracker.trackScreenViewEvent({ name: 'a', id: 'not-a-uuid' }), /screenView\.id must be a UUID/],
    [() => tracker.trackScreenViewEvent({ name: 'a', previousId: '123' }), /screenView\.previousId must be a UUID/],
    [() => tracker.trackScreenViewEvent({ name: 'a' }, {}), /contexts must be an array of entities/],
    [() => tracker.trackScreenViewEvent({ name: 'a' }, [{ schema: 'iglu:a/b/jsonschema/1-0', data: {} }]), /contexts\[0\]\.schema must be an Iglu URI/],
    [() => tracker.trackScreenViewEvent({ name: 'a' }, [{ schema: 'iglu:a/b/jsonschema/1-0-0', data: [] }]), /contexts\[0\]\.data must be an object/],
    [() => tracker.trackScreenViewEvent({ name: huge }), /screenView\.name must be at most 4096 characters, got 1000000/],
    [() => tracker.trackScreenViewEvent({ name: 'a', type: circular }), /trackScreenViewEvent: .*circular/i],
    [() => tracker.trackSelfDescribingEvent({ schema: 'com.acme/x/jsonschema/1-0-0', data: {} }), /selfDescribing\.schema must be an Iglu URI/],
    [() => tracker.trackSelfDescribingEvent({ schema: 'iglu:com.acme/x/jsonschema/1-0-0' }), /selfDescribing\.data is required/],
    [() => tracker.trackSelfDescribingEvent({ schema: 'iglu:com.acme/x/jsonschema/1-0-0', data: 'str' }), /selfDescribing\.data must be an object/],
    [() => tracker.trackSelfDescribingEvent('event'), /selfDescribing must be an object/],
    [() => tracker.trackSelfDescribingEvent({ schema: 'iglu:com.acme/x/jsonschema/1-0-0', data: { big: huge } }), /byteLimitPost/],
    [() => tracker.trackStructuredEvent({ category: 'c' }), /structured\.action is required/],
    [() => tracker.trackStructuredEvent({ action: 'a' }), /structured\.category is required/],
    [() => tracker.trackStructuredEvent({ category: 'c', action: 'a', value: '1' }), /structured\.value must be a finite number, got string "1"/],
    [() => tracker.trackStructuredEvent({ category: 'c', action: 'a', value: NaN }), /structured\.value must be a finite number, got NaN/],
    [() => tracker.trackStructuredEvent({ category: 'c', action: 'a', label: false }), /structured\.label must be a string, got boolean false/],
  ];
  for (const [call, expected] of cases) {
    await assert.rejects(call(), expected);
  }
  // Nothing invalid reached the session or the queue.
  assert.equal(await tracker.getSessionIndex(), undefined);
  await tracker.trackScreenViewEvent({ name: 'after errors' });
  await tracker.flush();
  const events = await collector.waitFor(1);
  assert.equal(events.length, 1);
  assert.equal(events[0].data.name, 'after errors');
  assert.equal(events[0].session.eventIndex, 1);
});

test('a removed tracker, an unknown app state and an unknown namespace get clear errors', async (t) => {
  t.after(() => removeAllTrackers());
  const namespace = uniqueNamespace('removed');
  const tracker = createTracker(namespace, { endpoint: 'http://127.0.0.1:9' }, { storage: { directory: tempDir(t) } });
  await tracker.trackScreenViewEvent({ name: 'before' });
  assert.equal(await removeTracker(namespace), true);
  assert.equal(await removeTracker(namespace), false);
  await assert.rejects(tracker.trackScreenViewEvent({ name: 'after' }), new RegExp(`no tracker with namespace '${namespace}'`));
  await assert.rejects(tracker.getSessionId(), { code: 'UNKNOWN_TRACKER', method: 'getSessionId', message: /^getSessionId: no tracker with namespace/ });
  await assert.rejects(tracker.flush(), /flush: no tracker with namespace/);
  await assert.rejects(setAppState('sideways'), /setAppState: invalid argument: app state must be 'active', 'background' or 'inactive', got "sideways"/);
  await setAppState('inactive');
});
