'use strict';
/**
 * What the Jest tests compare the mock against, read from the sources so that
 * the mock cannot fall behind: the members of `ReactNativeTracker` in
 * js/src/types.ts (with TypeScript's parser), and the method table of the
 * Rust core (crates/tracker-core/src/method.rs).
 */
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const root = path.resolve(__dirname, '..', '..');

/** The property names of `ReactNativeTracker` in js/src/types.ts, sorted. */
function typedTrackerMethods() {
  const file = path.join(root, 'js', 'src', 'types.ts');
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found = source.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === 'ReactNativeTracker');
  if (!found) throw new Error('no interface ReactNativeTracker in js/src/types.ts');
  return found.members.map((m) => m.name.getText(source)).sort();
}

/** The JavaScript names of the core's methods (`Method::X => "name"` in method.rs), sorted. */
function coreMethods() {
  const text = fs.readFileSync(path.join(root, 'crates', 'tracker-core', 'src', 'method.rs'), 'utf8');
  const fnName = text.slice(text.indexOf('pub fn name(self)'), text.indexOf('pub fn from_name'));
  const names = [...fnName.matchAll(/Method::\w+ => "(\w+)"/g)].map((m) => m[1]);
  if (names.length < 30) throw new Error(`method.rs: only ${names.length} method names found`);
  return names.sort();
}

/** The core methods only the API layer calls (global error handler, WebView callback), not tracker methods. */
const INTERNAL_METHODS = ['trackUncaughtError', 'trackWebViewMessage'];

module.exports = { root, typedTrackerMethods, coreMethods, INTERNAL_METHODS };
