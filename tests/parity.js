'use strict';
/**
 * Parity of the native surface across layers. The TurboModule spec
 * (js/src/NativeRustTracker.ts) is the one definition; every layer must have
 * exactly its methods, with the same number and kinds of arguments:
 *   - the Kotlin module (android/.../RustTrackerModule.kt), plus its Promise;
 *   - the Objective-C++ registration (ios/RustTracker.mm), plus resolve/reject,
 *     each forwarding to the Swift selector of the same method;
 *   - the Swift module (ios/RustTrackerImpl.swift), plus resolve/reject;
 *   - the Node addon (crates/tracker-node/src/lib.rs), returning a Promise;
 * and the Kotlin and Swift modules may only call functions that the
 * generated bindings really have (read from the generated files).
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
  string: 'string', String: 'string', 'kotlin.String': 'string', 'NSString *': 'string', 'NSString*': 'string',
  boolean: 'boolean', Boolean: 'boolean', Bool: 'boolean', bool: 'boolean', BOOL: 'boolean',
  number: 'number', Double: 'number', double: 'number', f64: 'number', i32: 'number', u32: 'number', Int: 'number',
};
const kind = (t) => KIND[t.trim()] || `unknown(${t.trim()})`;

/** Splits a parameter list on top-level commas. */
function splitParams(s) {
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

/** { name: { args: ['string', ...], ...extra } } of the spec's methods. */
function parseSpec(src) {
  const body = src.match(/export interface Spec extends TurboModule \{([\s\S]*?)\n\}/);
  if (!body) throw new Error('spec: interface Spec not found');
  const methods = {};
  for (const m of body[1].matchAll(/^\s*(\w+)\(([^)]*)\):\s*([^;]+);/gm)) {
    const args = splitParams(m[2]).map((p) => kind(p.split(':')[1]));
    methods[m[1]] = { args, promise: /^Promise</.test(m[3].trim()) };
  }
  return methods;
}

function parseKotlin(src) {
  const methods = {};
  for (const m of src.matchAll(/override fun (\w+)\(([^)]*)\)/g)) {
    if (['getName', 'invalidate', 'initialize'].includes(m[1])) continue;
    const params = splitParams(m[2]).map((p) => p.split(':')[1].trim());
    const promise = params[params.length - 1] === 'Promise';
    methods[m[1]] = { args: (promise ? params.slice(0, -1) : params).map(kind), promise };
  }
  return methods;
}

function parseObjc(src) {
  const methods = {};
  for (const m of src.matchAll(/RCT_EXPORT_METHOD\(([\s\S]*?)\)\s*\{([\s\S]*?)\n\}/g)) {
    const decl = m[1].replace(/\s+/g, ' ').trim();
    const name = decl.match(/^(\w+)/)[1];
    const pieces = [...decl.matchAll(/\(([^)]+)\)\s*\w+/g)].map((x) => x[1].trim());
    const promise = pieces.slice(-2).join() === 'RCTPromiseResolveBlock,RCTPromiseRejectBlock';
    const call = m[2].match(/\[_impl\s+([^\]]+)\]/);
    const selector = call ? call[1].replace(/\s+/g, ' ').split(' ').map((p) => p.split(':')[0] + ':').join('') : null;
    methods[name] = { args: (promise ? pieces.slice(0, -2) : pieces).map(kind), promise, forwardsTo: selector };
  }
  return methods;
}

function parseSwift(src) {
  const methods = {};
  const re = /@objc\(([\w:]+)\)\s*public func (\w+)\(([\s\S]*?)\)\s*\{([\s\S]*?)\n  \}/g;
  for (const m of src.matchAll(re)) {
    const params = splitParams(m[3]).map((p) => p.replace(/@escaping/g, '').split(':')[1].trim());
    const promise = params.slice(-2).join() === 'RCTPromiseResolveBlock,RCTPromiseRejectBlock';
    const calls = [...m[4].matchAll(/react_native_rust_tracker\.(\w+)\(([^)]*)\)/g)].map((c) => ({
      fn: c[1],
      labels: splitParams(c[2]).map((a) => a.split(':')[0].trim()),
    }));
    methods[m[2]] = { args: (promise ? params.slice(0, -2) : params).map(kind), promise, selector: m[1], calls };
  }
  return methods;
}

function parseNode(src) {
  const methods = {};
  for (const m of src.matchAll(/#\[napi\]\s*pub fn (\w+)\(([^)]*)\)\s*->\s*Result<(\w+)>/g)) {
    const name = m[1].replace(/_(\w)/g, (_, c) => c.toUpperCase());
    const params = splitParams(m[2]).filter((p) => !/:\s*Env$/.test(p)).map((p) => p.split(':')[1]);
    methods[name] = { args: params.map(kind), promise: m[3] === 'JsObject' };
  }
  return methods;
}

/** Functions of the generated Swift bindings: name -> argument labels. */
function parseSwiftBindings(src) {
  const fns = {};
  for (const m of src.matchAll(/^public func (\w+)\(([^)]*)\)\s*async/gm)) {
    fns[m[1]] = splitParams(m[2]).map((p) => p.split(':')[0].trim());
  }
  return fns;
}

/** Suspend functions of the generated Kotlin bindings. */
function parseKotlinBindings(src) {
  return new Set([...src.matchAll(/suspend fun `(\w+)`\(/g)].map((m) => m[1]));
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
      if (!m) {
        problems.push(`${layer}: method ${name} of the spec is missing`);
        continue;
      }
      if (m.args.join() !== s.args.join()) {
        problems.push(`${layer}: ${name}(${m.args.join(', ')}) differs from the spec's ${name}(${s.args.join(', ')})`);
      }
      if (m.promise !== s.promise) problems.push(`${layer}: ${name} does not settle a Promise like the spec`);
    }
    for (const name of Object.keys(methods)) {
      if (!spec[name]) problems.push(`${layer}: method ${name} is not in the spec`);
    }
  }
  const objc = layers['Objective-C++ registration'];
  const swift = layers['Swift module'];
  for (const [name, m] of Object.entries(objc)) {
    const target = swift[name];
    if (target && m.forwardsTo !== target.selector) {
      problems.push(`Objective-C++ registration: ${name} calls [_impl ${m.forwardsTo}] but Swift exposes ${target.selector}`);
    }
  }
  const swiftBindings = parseSwiftBindings(sources.swiftBindings);
  for (const [name, m] of Object.entries(swift)) {
    for (const c of m.calls) {
      const labels = swiftBindings[c.fn];
      if (!labels) problems.push(`Swift module: ${name} calls ${c.fn}, which the generated Swift bindings do not have`);
      else if (labels.join() !== c.labels.join()) {
        problems.push(`Swift module: ${name} calls ${c.fn}(${c.labels.join(':, ')}:) but the bindings take (${labels.join(':, ')}:)`);
      }
    }
    if (!m.calls.length) problems.push(`Swift module: ${name} calls no binding`);
  }
  const kotlinBindings = parseKotlinBindings(sources.kotlinBindings);
  for (const m of sources.kotlin.matchAll(/import com\.reactnativerusttracker\.core\.(\w+) as (\w+)/g)) {
    if (!kotlinBindings.has(m[1])) problems.push(`Kotlin module: imports ${m[1]}, which the generated Kotlin bindings do not have`);
  }
  return { spec, layers, problems };
}

module.exports = { FILES, readSources, compare };
