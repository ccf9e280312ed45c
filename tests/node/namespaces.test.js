'use strict';
/**
 * Namespaces an app could pass that are not printable Unicode identifiers: a
 * NUL (it used to abort the whole Node process, naming the writer thread),
 * other control characters, lone UTF-16 surrogates (Node-API hands them to
 * the core as U+FFFD, so "a\uD800" and "a\uDC00" would share one tracker),
 * U+FFFD itself, and more than 128 characters. Each is refused with
 * INVALID_ARGUMENT naming the namespace, the process goes on, and valid
 * trackers are untouched.
 *
 * Needs tracker::validate_namespace to call input::check_namespace.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { createTracker, removeAllTrackers, TrackerError } = require('../..');
const { tempDir, uniqueNamespace } = require('./helpers');

test('namespaces with control characters, lone surrogates or U+FFFD are refused, naming them', async (t) => {
  t.after(() => removeAllTrackers());
  const dir = tempDir(t);
  const good = createTracker(uniqueNamespace('goodns'), { endpoint: 'http://127.0.0.1:9' }, { storage: { directory: dir } });
  await good.trackScreenViewEvent({ name: 'before' });
  const cases = [
    ['a\u0000b', 'namespace must not contain control characters (U+0000 at character 1), got "a\\0b"'],
    ['\u0000', 'namespace must not contain control characters (U+0000 at character 0), got "\\0"'],
    ['tab\there', 'namespace must not contain control characters (U+0009 at character 3), got "tab\\there"'],
    ['nl\n', 'namespace must not contain control characters (U+000A at character 2), got "nl\\n"'],
    ['esc\u001b[0m', 'namespace must not contain control characters (U+001B at character 3), got "esc\\u{1b}[0m"'],
    ['del\u007f', 'namespace must not contain control characters (U+007F at character 3), got "del\\u{7f}"'],
    ['lone\uD800', 'namespace must not contain U+FFFD (at character 4)'],
    ['lone\uDC00', 'namespace must not contain U+FFFD (at character 4)'],
    ['\uDBFF', 'namespace must not contain U+FFFD (at character 0)'],
    ['x\uFFFDy', 'namespace must not contain U+FFFD (at character 1)'],
    ['n'.repeat(129), 'namespace must be at most 128 characters, not 129'],
  ];
  for (const [namespace, expected] of cases) {
    const tracker = createTracker(namespace, { endpoint: 'http://127.0.0.1:9' }, { storage: { directory: dir } });
    for (const call of [() => tracker.trackScreenViewEvent({ name: 'x' }), () => tracker.getSessionId()]) {
      const err = await call().then(() => assert.fail(`${JSON.stringify(namespace)} was accepted`), (e) => e);
      assert.ok(err instanceof TrackerError, JSON.stringify(namespace));
      assert.equal(err.code, 'INVALID_ARGUMENT', `${JSON.stringify(namespace)}: ${err.message}`);
      assert.match(err.message, /^(trackScreenViewEvent|getSessionId): invalid argument: namespace /);
      assert.ok(err.message.includes(expected), `${JSON.stringify(namespace)}: expected ${expected} in ${err.message}`);
      assert.ok(!err.message.includes('\u0000'), 'the message escapes what it echoes');
    }
  }
  // The two lone surrogates did not become one tracker, and the good one is untouched.
  await good.trackScreenViewEvent({ name: 'after' });
  assert.equal(await good.getSessionIndex(), 1);
  // Unusual but valid namespaces work.
  for (const namespace of [`ünï cödé ✓ ${process.pid}`, `😀/${process.pid}`, 'n'.repeat(128)]) {
    const tracker = createTracker(namespace, { endpoint: 'http://127.0.0.1:9' }, { storage: { directory: dir } });
    await tracker.trackScreenViewEvent({ name: 'ok' });
    assert.equal(await tracker.getSessionIndex(), 1, namespace);
  }
});
