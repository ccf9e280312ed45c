'use strict';
/**
 * The fixed native surface: the five methods of the TurboModule spec exist,
 * with the same number and kinds of arguments, in the Kotlin module, the
 * Objective-C++ registration, the Swift module and the Node addon; nothing
 * extra, nothing missing; and each native method calls the generated binding
 * of its own name. Needs the generated bindings (`npm run bindings`, run by
 * `npm test` before this).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { readSources, compare } = require('../parity');

const root = path.resolve(__dirname, '..', '..');

test('all layers match the fixed TurboModule spec', () => {
  const { spec, layers, problems } = compare(readSources(root));
  assert.deepEqual(problems, []);
  assert.deepEqual(Object.keys(spec).sort(), ['callTracker', 'createTracker', 'removeAllTrackers', 'removeTracker', 'setAppState']);
  for (const methods of Object.values(layers)) assert.equal(Object.keys(methods).length, 5);
  assert.deepEqual(spec.callTracker.args, ['string', 'string', 'string']);
});

test('the Node addon really exports the methods the parser saw', () => {
  const addon = require(path.join(root, 'lib', 'tracker_node.node'));
  const { layers } = compare(readSources(root));
  assert.deepEqual(Object.keys(addon).sort(), Object.keys(layers['Node addon']).sort());
});

test('a method renamed or changed in one layer only is caught', () => {
  const real = readSources(root);
  const cases = [
    ['kotlin', (s) => s.replace('override fun callTracker(', 'override fun invoke('), /Kotlin module: method callTracker of the spec is missing/],
    ['kotlin', (s) => s.replace('override fun callTracker(', 'override fun invoke('), /Kotlin module: method invoke is not in the spec/],
    ['kotlin', (s) => s.replace('coreRemoveTracker(trackerNamespace, it)', 'coreRemoveAllTrackers(it)'), /Kotlin module: removeTracker calls the binding removeAllTrackers/],
    ['swift', (s) => s.replace('public func callTracker(', 'public func call('), /Swift module: method callTracker of the spec is missing/],
    ['swift', (s) => s.replace('method: method,\n      argsJson', 'name: method,\n      argsJson'), /Swift module: callTracker calls callTracker\(namespace:, name:, argsJson:, answer:\) but the bindings take/],
    ['objc', (s) => s.replace('RCT_EXPORT_METHOD(removeTracker:', 'RCT_EXPORT_METHOD(deleteTracker:'), /Objective-C\+\+ registration: method removeTracker of the spec is missing/],
    ['objc', (s) => s.replace('[_impl setAppState:state', '[_impl setState:state'), /calls \[_impl setState:resolve:reject:\] but Swift exposes setAppState:resolve:reject:/],
    ['node', (s) => s.replace('pub fn set_app_state(', 'pub fn set_state('), /Node addon: method setAppState of the spec is missing/],
    // Whatever rustfmt does to the signature's line breaks.
    ['node', (s) => s.replace(/(pub fn call_tracker\(\s*env: Env,\s*tracker_namespace: String,\s*method: )String,/, '$1bool,'), /Node addon: callTracker\(string, boolean, string\) differs/],
    ['spec', (s) => s.replace('  removeAllTrackers(): Promise<string>;', '  removeAllTrackers(force: boolean): Promise<string>;'), /Kotlin module: removeAllTrackers\(\) differs from the spec's removeAllTrackers\(boolean\)/],
    ['swiftBindings', (s) => s.replace('public func setAppState(', 'public func changeAppState('), /Swift module: setAppState calls setAppState, which the generated bindings do not have/],
    ['kotlinBindings', (s) => s.replace('fun `createTracker`(', 'fun `makeTracker`('), /Kotlin module: createTracker calls createTracker, which the generated bindings do not have/],
  ];
  for (const [layer, mutate, expected] of cases) {
    const mutated = mutate(real[layer]);
    assert.notEqual(mutated, real[layer], `the mutation of ${layer} applies`);
    const { problems } = compare({ ...real, [layer]: mutated });
    assert.ok(problems.some((p) => expected.test(p)), `${expected} in ${JSON.stringify(problems)}`);
  }
});
