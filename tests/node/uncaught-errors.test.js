'use strict';
/**
 * exceptionAutotracking: uncaught JavaScript errors through React Native's
 * global error handler, end to end. A stand-in `globalThis.ErrorUtils` plays
 * React Native's; the first createTracker in its presence chains a handler
 * to the previous one, once; each error goes to every live tracker, whose
 * core tracks it as application_error when its exceptionAutotracking is on,
 * and then to the previous handler with the same arguments.
 *
 * The tests of this file run in order and share the process's one handler
 * (node --test runs each file in its own process).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { createTracker, removeTracker, removeAllTrackers } = require('../..');
const { startCollector } = require('../collector');
const { UUID, sleep, tempDir, uniqueNamespace, received } = require('./helpers');

const APPLICATION_ERROR = 'iglu:com.snowplowanalytics.snowplow/application_error/jsonschema/1-0-2';
const CLIENT_SESSION = 'iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2';

/** React Native's ErrorUtils, with the default handler it starts with. */
function fakeErrorUtils() {
  const previousCalls = [];
  const eu = {
    sets: 0,
    previousCalls,
    previous(...args) {
      previousCalls.push(args);
    },
    handler: undefined,
    getGlobalHandler() {
      return this.handler;
    },
    setGlobalHandler(h) {
      this.sets += 1;
      this.handler = h;
    },
  };
  eu.handler = eu.previous;
  return eu;
}

async function start(t, trackerConfig = {}) {
  const collector = await startCollector();
  t.after(() => collector.close());
  const namespace = uniqueNamespace('errors');
  const tracker = createTracker(namespace, { endpoint: collector.url }, {
    trackerConfig: { installAutotracking: false, ...trackerConfig },
    storage: { directory: tempDir(t) },
  });
  return { namespace, collector, tracker };
}

function warnings(t) {
  const lines = [];
  t.mock.method(console, 'warn', (...args) => lines.push(args.map(String).join(' ')));
  return lines;
}

const eu = fakeErrorUtils();
test.after(() => {
  delete globalThis.ErrorUtils;
});

test('no handler without ErrorUtils, and none installed at import', async (t) => {
  assert.equal(globalThis.ErrorUtils, undefined);
  const before = await start(t); // no ErrorUtils here: nothing to chain to, nothing fails
  await before.tracker.trackStructuredEvent({ category: 'c', action: 'a' });
  await removeAllTrackers();

  globalThis.ErrorUtils = eu;
  // Importing the entry again (a fresh module instance) changes nothing either.
  delete require.cache[require.resolve('../..')];
  require('../..');
  assert.equal(eu.sets, 0);
  assert.equal(eu.handler, eu.previous);
});

test('the first createTracker chains a handler, once; errors are tracked where exceptionAutotracking is on', async (t) => {
  const on = await start(t);
  assert.equal(eu.sets, 1, 'installed at the first createTracker');
  assert.notEqual(eu.handler, eu.previous);
  const off = await start(t, { exceptionAutotracking: false });
  const byDefault = await start(t, { exceptionAutotracking: true });
  assert.equal(eu.sets, 1, 'installed once');

  const error = new TypeError('undefined is not a function');
  const returned = eu.handler(error, true);
  assert.equal(returned, undefined);
  assert.equal(eu.previousCalls.length, 1, 'the previous handler is called');
  assert.equal(eu.previousCalls[0].length, 2);
  assert.equal(eu.previousCalls[0][0], error, 'with the same error');
  assert.equal(eu.previousCalls[0][1], true, 'and isFatal');

  for (const { namespace, tracker, collector } of [on, byDefault]) {
    const [e] = await received(tracker, collector, 1);
    assert.equal(e.raw.e, 'ue');
    assert.equal(e.raw.tna, namespace);
    assert.match(e.raw.eid, UUID);
    assert.equal(e.schema, APPLICATION_ERROR);
    assert.deepEqual(e.data, {
      programmingLanguage: 'JAVASCRIPT',
      message: 'undefined is not a function',
      stackTrace: error.stack,
      isFatal: true,
    });
    assert.ok(e.entities.some((x) => x.schema === CLIENT_SESSION));
  }
  await received(off.tracker, off.collector, 0);
});

test('what is thrown need not be an Error; a handler without trackers only calls the previous one', async (t) => {
  const a = await start(t);
  eu.previousCalls.length = 0;
  eu.handler('a string was thrown', false);
  eu.handler({ message: '', stack: 42 });
  eu.handler(null);
  const [string, emptyMessage, nothing] = await received(a.tracker, a.collector, 3);
  assert.deepEqual(string.data, { programmingLanguage: 'JAVASCRIPT', message: 'a string was thrown', isFatal: false });
  assert.deepEqual(emptyMessage.data, { programmingLanguage: 'JAVASCRIPT', message: '[object Object]', isFatal: false });
  assert.deepEqual(nothing.data, { programmingLanguage: 'JAVASCRIPT', message: 'null', isFatal: false });
  assert.deepEqual(eu.previousCalls, [['a string was thrown', false], [{ message: '', stack: 42 }], [null]]);

  await removeTracker(a.namespace);
  eu.previousCalls.length = 0;
  const lines = warnings(t);
  eu.handler(new Error('after removal'), false);
  assert.equal(eu.previousCalls.length, 1);
  await sleep(100);
  assert.deepEqual(lines, []);
  assert.equal(a.collector.events.length, 3, 'the removed tracker got nothing');
});

test('a tracker that cannot track never makes the handler throw: its failure goes to console.warn', async (t) => {
  const good = await start(t);
  const collector = await startCollector();
  t.after(() => collector.close());
  const broken = uniqueNamespace('errors_broken');
  createTracker(broken, { endpoint: collector.url }, { trackerConfig: { noSuchKey: true }, storage: { directory: tempDir(t) } });
  const lines = warnings(t);
  eu.previousCalls.length = 0;
  assert.doesNotThrow(() => eu.handler(new RangeError('boom'), false));
  assert.equal(eu.previousCalls.length, 1);
  const [e] = await received(good.tracker, good.collector, 1);
  assert.equal(e.data.message, 'boom');
  await sleep(50);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], new RegExp(`^\\[react-native-rust-tracker\\] ${broken}: trackUncaughtError: `));
});

test('removeAllTrackers leaves the handler chained; a later createTracker does not chain again', async (t) => {
  await removeAllTrackers();
  const handler = eu.handler;
  eu.previousCalls.length = 0;
  eu.handler(new Error('no trackers'), false);
  assert.equal(eu.previousCalls.length, 1);
  const a = await start(t);
  assert.equal(eu.sets, 1);
  assert.equal(eu.handler, handler);
  eu.handler(new Error('again'), false);
  const [e] = await received(a.tracker, a.collector, 1);
  assert.equal(e.data.message, 'again');
});

test.after(() => removeAllTrackers());
