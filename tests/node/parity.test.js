'use strict';
/**
 * Every method of the TurboModule spec exists, with the same number and kinds
 * of arguments, in the Kotlin module, the Objective-C++ registration, the
 * Swift module and the Node addon; nothing extra, nothing missing; and the
 * native modules call only functions the generated bindings have. Needs the
 * generated bindings (`npm run bindings`, run by `npm test` before this).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { readSources, compare } = require('../parity');

const root = path.resolve(__dirname, '..', '..');

test('all layers match the TurboModule spec', () => {
  const { spec, layers, problems } = compare(readSources(root));
  assert.deepEqual(problems, []);
  assert.deepEqual(Object.keys(spec).sort(), [
    'createTracker', 'flush', 'getSessionInfo', 'removeAllTrackers', 'removeTracker', 'setAppState',
    'startNewSession', 'trackScreenViewEvent', 'trackSelfDescribingEvent', 'trackStructuredEvent',
  ]);
  for (const methods of Object.values(layers)) assert.equal(Object.keys(methods).length, 10);
  assert.deepEqual(spec.trackScreenViewEvent.args, ['string', 'string']);
});

test('the Node addon really exports the methods the parser saw', () => {
  const addon = require(path.join(root, 'lib', 'tracker_node.node'));
  const { layers } = compare(readSources(root));
  assert.deepEqual(Object.keys(addon).sort(), Object.keys(layers['Node addon']).sort());
});

test('a method renamed or changed in one layer only is caught', () => {
  const real = readSources(root);
  const cases = [
    ['kotlin', (s) => s.replace('override fun flush(', 'override fun flushAll('), /Kotlin module: method flush of the spec is missing/],
    ['kotlin', (s) => s.replace('override fun flush(', 'override fun flushAll('), /Kotlin module: method flushAll is not in the spec/],
    ['swift', (s) => s.replace('public func startNewSession(', 'public func beginSession('), /Swift module: method startNewSession of the spec is missing/],
    ['objc', (s) => s.replace('RCT_EXPORT_METHOD(getSessionInfo:', 'RCT_EXPORT_METHOD(sessionInfo:'), /Objective-C\+\+ registration: method getSessionInfo of the spec is missing/],
    ['node', (s) => s.replace('pub fn set_app_state(', 'pub fn set_state('), /Node addon: method setAppState of the spec is missing/],
    ['spec', (s) => s.replace('  flush(trackerNamespace: string): Promise<void>;', '  flush(trackerNamespace: string, force: boolean): Promise<void>;'), /Kotlin module: flush\(string\) differs from the spec's flush\(string, boolean\)/],
    ['kotlin', (s) => s.replace('override fun setAppState(state: String, promise: Promise)', 'override fun setAppState(state: Boolean, promise: Promise)'), /Kotlin module: setAppState\(boolean\) differs/],
    ['objc', (s) => s.replace('[_impl flush:trackerNamespace', '[_impl flushAll:trackerNamespace'), /calls \[_impl flushAll:resolve:reject:\] but Swift exposes flush:resolve:reject:/],
    ['swiftBindings', (s) => s.replace('public func startNewSession(', 'public func beginNewSession('), /Swift module: startNewSession calls startNewSession, which the generated Swift bindings do not have/],
    ['kotlinBindings', (s) => s.replace('suspend fun `flush`(', 'suspend fun `flushAll`('), /Kotlin module: imports flush, which the generated Kotlin bindings do not have/],
  ];
  for (const [layer, mutate, expected] of cases) {
    const mutated = mutate(real[layer]);
    assert.notEqual(mutated, real[layer], `the mutation of ${layer} applies`);
    const { problems } = compare({ ...real, [layer]: mutated });
    assert.ok(problems.some((p) => expected.test(p)), `${expected} in ${JSON.stringify(problems)}`);
  }
});
