'use strict';
/**
 * Parity of the fixed native surface across layers. The TurboModule spec
 * (js/src/NativeRustTracker.ts) defines five methods once; tracker methods go
 * through `callTracker` by name, so this is all there is to keep in step:
 *   - the Kotlin module (android/.../RustTrackerModule.kt), plus its Promise,
 *     and the Objective-C++ registration (ios/RustTracker.mm) and the Swift
 *     module (ios/RustTrackerImpl.swift), plus resolve/reject, and the Node
 *     addon (crates/tracker-node/src/lib.rs) returning a Promise: exactly the
 *     spec's methods with the same number and kinds of arguments;
 *   - each Objective-C++ method forwards to the Swift selector of the same
 *     method, and each Kotlin and Swift method calls the generated binding of
 *     its own name with arguments the binding takes (read from the generated
 *     files).
 *
 * The parsers read source text; `readSources(root, overrides)` lets a test
 * swap one file's text to prove that a one-layer rename is caught.
 */
const fs = require('fs');
const path = require('path');

const FILES = {
  spec: 'js/src/NativeRustTracker.ts',
  kotlin: 'android/src/main/java/com/reactnativerusttracker/RustTrackerModule.kt',
  objc: 'ios/RustTracker.mm',
  swift: 'ios/RustTrackerImpl.swift',
  node: 'crates/tracker-node/src/lib.rs',
  kotlinBindings: 'bindings/kotlin/com/reactnativerusttracker/core/tracker_ffi.kt',
  swiftBindings: 'bindings/swift/TrackerFFI.swift',
};

function readSources(root, overrides = {}) {
  const out = {};
  for (const [key, rel] of Object.entries(FILES)) {
    out[key] = key in overrides ? overrides[key] : fs.readFileSync(path.join(root, rel), 'utf8');
  }
  return out;
}

const KIND = {
  string: 'string', String: 'string', 'NSString *': 'string', 'NSString*': 'string',
  boolean: 'boolean', Boolean: 'boolean', Bool: 'boolean', bool: 'boolean', BOOL: 'boolean',
  number: 'number', Double: 'number', double: 'number', f64: 'number', Int: 'number',
};
const kind = (t) => KIND[t.trim()] || `unknown(${t.trim()})`;

/** Splits an argument list on top-level commas. */
function splitArgs(s) {
  const parts = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if ('(<[{'.includes(ch)) depth += 1;
    if (')>]}'.includes(ch)) depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Every `prefix name(args)` call in `src`, with balanced parentheses: [{ name, args }]. */
function calls(src, prefix) {
  const out = [];
  const re = new RegExp(`${prefix}(\\w+)\\(`, 'g');
  for (let m = re.exec(src); m; m = re.exec(src)) {
    let depth = 1;
    let i = re.lastIndex;
    for (; i < src.length && depth > 0; i += 1) depth += src[i] === '(' ? 1 : src[i] === ')' ? -1 : 0;
    out.push({ name: m[1], args: splitArgs(src.slice(re.lastIndex, i - 1)) });
  }
  return out;
}

/** A method's own body: from its declaration to the next declaration. */
function bodies(src, declaration) {
  const found = [...src.matchAll(declaration)];
  return found.map((m, i) => ({ m, body: src.slice(m.index, i + 1 < found.length ? found[i + 1].index : src.length) }));
}

function parseSpec(src) {
  const body = src.match(/export interface Spec extends TurboModule \{([\s\S]*?)\n\}/);
  if (!body) throw new Error('spec: interface Spec not found');
  const methods = {};
  for (const m of body[1].matchAll(/^\s*(\w+)\(([^)]*)\):\s*([^;]+);/gm)) {
    methods[m[1]] = { args: splitArgs(m[2]).map((p) => kind(p.split(':')[1])), promise: /^Promise</.test(m[3].trim()) };
  }
  return methods;
}

function parseKotlin(src) {
  const methods = {};
  // The module class only (the file's PromiseAnswer overrides too).
  const module = src.slice(src.indexOf('class RustTrackerModule'), src.indexOf('companion object'));
  for (const { m, body } of bodies(module, /override fun (\w+)\(([^)]*)\)/g)) {
    if (m[1] === 'getName') continue;
    const params = splitArgs(m[2]).map((p) => p.split(':')[1].trim());
    const promise = params[params.length - 1] === 'Promise';
    const binding = calls(body, 'core')[0];
    methods[m[1]] = {
      args: (promise ? params.slice(0, -1) : params).map(kind),
      promise,
      calls: binding && { name: binding.name[0].toLowerCase() + binding.name.slice(1), arity: binding.args.length },
    };
  }
  return methods;
}

function parseObjc(src) {
  const methods = {};
  for (const m of src.matchAll(/RCT_EXPORT_METHOD\(([\s\S]*?)\)\s*\{([\s\S]*?)\n\}/g)) {
    const decl = m[1].replace(/\s+/g, ' ').trim();
    const pieces = [...decl.matchAll(/\(([^)]+)\)\s*\w+/g)].map((x) => x[1].trim());
    const promise = pieces.slice(-2).join() === 'RCTPromiseResolveBlock,RCTPromiseRejectBlock';
    const call = m[2].match(/\[_impl\s+([^\]]+)\]/);
    const selector = call ? call[1].replace(/\s+/g, ' ').split(' ').map((p) => p.split(':')[0] + ':').join('') : null;
    methods[decl.match(/^(\w+)/)[1]] = { args: (promise ? pieces.slice(0, -2) : pieces).map(kind), promise, forwardsTo: selector };
  }
  return methods;
}

function parseSwift(src) {
  const methods = {};
  for (const { m, body } of bodies(src, /@objc\(([\w:]+)\)\s*public func (\w+)\(([\s\S]*?)\)\s*\{/g)) {
    const params = splitArgs(m[3]).map((p) => p.replace(/@escaping/g, '').split(':')[1].trim());
    const promise = params.slice(-2).join() === 'RCTPromiseResolveBlock,RCTPromiseRejectBlock';
    const binding = calls(body, 'react_native_rust_tracker\\.')[0];
    methods[m[2]] = {
      args: (promise ? params.slice(0, -2) : params).map(kind),
      promise,
      selector: m[1],
      calls: binding && { name: binding.name, labels: binding.args.map((a) => a.split(':')[0].trim()) },
    };
  }
  return methods;
}

function parseNode(src) {
  const methods = {};
  for (const m of src.matchAll(/#\[napi(?:\([^)]*\))?\]\s*pub fn (\w+)\(([^)]*)\)\s*->\s*Result<(\w+)>/g)) {
    const params = splitArgs(m[2]).filter((p) => !/:\s*Env$/.test(p)).map((p) => p.split(':')[1]);
    methods[m[1].replace(/_(\w)/g, (_, c) => c.toUpperCase())] = { args: params.map(kind), promise: m[3] === 'JsObject' };
  }
  return methods;
}

/** Top-level functions of the generated bindings: name -> argument labels. */
function parseBindings(src, declaration) {
  const fns = {};
  for (const m of src.matchAll(declaration)) fns[m[1]] = splitArgs(m[2]).map((p) => p.split(':')[0].replace(/`/g, '').trim());
  return fns;
}

/** Every mismatch, as readable sentences; empty when the layers agree. */
function compare(sources) {
  const problems = [];
  const spec = parseSpec(sources.spec);
  const layers = {
    'Kotlin module': parseKotlin(sources.kotlin),
    'Objective-C++ registration': parseObjc(sources.objc),
    'Swift module': parseSwift(sources.swift),
    'Node addon': parseNode(sources.node),
  };
  for (const [layer, methods] of Object.entries(layers)) {
    for (const [name, s] of Object.entries(spec)) {
      const m = methods[name];
      if (!m) problems.push(`${layer}: method ${name} of the spec is missing`);
      else if (m.args.join() !== s.args.join()) {
        problems.push(`${layer}: ${name}(${m.args.join(', ')}) differs from the spec's ${name}(${s.args.join(', ')})`);
      } else if (m.promise !== s.promise) problems.push(`${layer}: ${name} does not settle a Promise like the spec`);
    }
    for (const name of Object.keys(methods)) if (!spec[name]) problems.push(`${layer}: method ${name} is not in the spec`);
  }
  const swift = layers['Swift module'];
  for (const [name, m] of Object.entries(layers['Objective-C++ registration'])) {
    if (swift[name] && m.forwardsTo !== swift[name].selector) {
      problems.push(`Objective-C++ registration: ${name} calls [_impl ${m.forwardsTo}] but Swift exposes ${swift[name].selector}`);
    }
  }
  const bindings = {
    'Kotlin module': parseBindings(sources.kotlinBindings, /^\s*\*\/ fun `(\w+)`\(([^)]*)\)/gm),
    'Swift module': parseBindings(sources.swiftBindings, /^public func (\w+)\(([^)]*)\)/gm),
  };
  for (const [layer, fns] of Object.entries(bindings)) {
    for (const [name, m] of Object.entries(layers[layer])) {
      const call = m.calls;
      if (!call) problems.push(`${layer}: ${name} calls no binding`);
      else if (call.name !== name) problems.push(`${layer}: ${name} calls the binding ${call.name}`);
      else if (!fns[name]) problems.push(`${layer}: ${name} calls ${name}, which the generated bindings do not have`);
      else if (call.labels && call.labels.join() !== fns[name].join()) {
        problems.push(`${layer}: ${name} calls ${name}(${call.labels.join(':, ')}:) but the bindings take (${fns[name].join(':, ')}:)`);
      } else if (!call.labels && call.arity !== fns[name].length) {
        problems.push(`${layer}: ${name} passes ${call.arity} arguments but the binding takes ${fns[name].length}`);
      }
    }
  }
  return { spec, layers, problems };
}

module.exports = { FILES, readSources, compare };
