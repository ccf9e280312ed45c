#!/usr/bin/env node
'use strict';
/**
 * `prepack` (npm pack, npm publish): refuses to pack a package that would
 * autolink and then fail in the app's native build, and strips from the packed
 * package.json every script that points to a file the package does not ship.
 *
 * 1. Checks, naming each missing path and the script that builds it:
 *    - the generated Kotlin bindings (android/build.gradle's default source set):
 *        android/src/main/java/com/reactnativerusttracker/core/tracker_ffi.kt
 *    - the Android core per ABI (the ABIS of scripts/build-android.sh):
 *        android/src/main/jniLibs/<abi>/libtracker_ffi.so
 *    - the generated Swift bindings and the C module they import (the podspec's
 *      source_files and SWIFT_INCLUDE_PATHS):
 *        ios/Generated/{TrackerFFI.swift, TrackerFFIFFI.h, module.modulemap}
 *    - the iOS core (the podspec's vendored_frameworks), as
 *      `xcodebuild -create-xcframework` writes it in scripts/build-ios.sh:
 *        ios/TrackerFFI.xcframework/{Info.plist, ios-arm64/libtracker_ffi.a,
 *        ios-arm64_x86_64-simulator/libtracker_ffi.a}
 *    - lib/: every file package.json's entry points name (main, types,
 *      react-native, every target of exports), and a lib/<name>.js for each
 *      js/src/<name>.ts.
 *    and that `files` ships every one of them.
 *    RN_RUST_TRACKER_JS_ONLY_PACK=1 packs without the native outputs (for
 *    tests: the tarball cannot be used in an app's native build), with a loud
 *    warning naming what is missing; lib/ is still required.
 *
 * 2. Only when npm runs it as the prepack lifecycle (npm_lifecycle_event is
 *    prepack): rewrites package.json without the scripts that name a file
 *    outside `files` (prepare, build, test, demo, ... all run scripts/*.js,
 *    which are not shipped), so the published manifest has none. npm reads the
 *    manifest for the tarball after prepack, so the rewritten one is packed
 *    (and the checkout's `prepare`, the full Rust build, does not run during
 *    the pack: build first). scripts/postpack.js puts the original back. The
 *    original is first saved to build/prepack/manifest-backup.json; when a
 *    pack fails before postpack (npm skips postpack then) or is interrupted,
 *    the next prepack (or postpack, or `node scripts/prepack.js --restore`)
 *    restores it, so package.json is never left stripped for long. A backup
 *    whose pack is still running (its npm process alive) is waited for.
 *    Under `npm publish`, which reads package.json again after postpack for
 *    the registry's description of the version, postpack leaves the restore to
 *    a detached process that waits for npm to exit.
 *
 * Run by hand (`node scripts/prepack.js`), it only checks.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const JS_ONLY_ENV = 'RN_RUST_TRACKER_JS_ONLY_PACK';
const BUILD_ANDROID = 'scripts/build-android.sh';
const BUILD_IOS = 'scripts/build-ios.sh (macOS with Xcode)';
const BINDINGS = 'node scripts/bindings.js (also run by scripts/build-android.sh and scripts/build-ios.sh)';
const BUILD_JS = 'npm run build (node scripts/build.js)';

function log(msg) {
  console.log(`[prepack] ${msg}`);
}

function read(root, rel) {
  return fs.readFileSync(path.join(root, rel), 'utf8');
}

/** Fails with a message saying prepack's expectations no longer match the build scripts. */
function outOfDate(msg) {
  throw new Error(`scripts/prepack.js is out of date with the build: ${msg}; update its expected paths`);
}

/** The ABIs scripts/build-android.sh builds: its `ABIS=(...)` line. */
function androidAbis(root) {
  const m = /^ABIS=\(([^)]*)\)/m.exec(read(root, 'scripts/build-android.sh'));
  if (!m) outOfDate('no ABIS=(...) line in scripts/build-android.sh');
  const abis = m[1].trim().split(/\s+/).filter(Boolean);
  if (abis.length === 0) outOfDate('empty ABIS in scripts/build-android.sh');
  return abis;
}

/** The podspec's vendored framework, checked to be the one scripts/build-ios.sh writes. */
function xcframework(root) {
  const podspec = read(root, 'react-native-rust-tracker.podspec');
  const m = /vendored_frameworks\s*=\s*"([^"]+)"/.exec(podspec);
  if (!m) outOfDate('no vendored_frameworks in react-native-rust-tracker.podspec');
  if (!/SWIFT_INCLUDE_PATHS[^\n]*ios\/Generated/.test(podspec)) {
    outOfDate('the podspec no longer points SWIFT_INCLUDE_PATHS at ios/Generated');
  }
  return m[1];
}

/** Every expected build output: { path, what, builder, native }. */
function expectedOutputs(root) {
  const out = [];
  const add = (p, what, builder, native = true) => out.push({ path: p, what, builder, native });
  add('android/src/main/java/com/reactnativerusttracker/core/tracker_ffi.kt', 'generated Kotlin bindings', BINDINGS);
  for (const abi of androidAbis(root)) {
    add(`android/src/main/jniLibs/${abi}/libtracker_ffi.so`, `Android core library (${abi})`, BUILD_ANDROID);
  }
  add('ios/Generated/TrackerFFI.swift', 'generated Swift bindings', BINDINGS);
  add('ios/Generated/TrackerFFIFFI.h', 'generated C header of the Swift bindings', BINDINGS);
  add('ios/Generated/module.modulemap', 'generated module map (TrackerFFIFFI) of the Swift bindings', BINDINGS);
  const xcf = xcframework(root);
  add(`${xcf}/Info.plist`, 'iOS XCFramework', BUILD_IOS);
  add(`${xcf}/ios-arm64/libtracker_ffi.a`, 'iOS core library (device, arm64)', BUILD_IOS);
  add(`${xcf}/ios-arm64_x86_64-simulator/libtracker_ffi.a`, 'iOS core library (simulator, arm64 + x86_64)', BUILD_IOS);

  // lib/: every file the manifest's entry points name, and one .js per TypeScript source.
  const pkg = JSON.parse(read(root, 'package.json'));
  const entries = new Set();
  for (const key of ['main', 'types', 'typings', 'react-native']) {
    if (typeof pkg[key] === 'string') entries.add(pkg[key]);
  }
  (function walk(v) {
    if (typeof v === 'string') entries.add(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  })(pkg.exports);
  for (const rel of [...new Set([...entries].map((e) => path.posix.normalize(e)))]) {
    if (rel === 'package.json') continue;
    add(rel, 'entry point named in package.json', BUILD_JS, false);
  }
  const src = path.join(root, 'js', 'src');
  if (fs.existsSync(src)) {
    for (const f of fs.readdirSync(src).sort()) {
      if (!f.endsWith('.ts') || f.endsWith('.d.ts')) continue;
      const rel = `lib/${f.slice(0, -3)}.js`;
      if (!out.some((o) => o.path === rel)) add(rel, `compiled js/src/${f}`, BUILD_JS, false);
    }
  }
  return out;
}

/** Whether package.json's `files` ships rel (directory entries, exact files, `!` exclusions). */
function shipped(files, rel) {
  if (['package.json', 'README.md'].includes(rel)) return true;
  if (!Array.isArray(files)) return true;
  let inc = false;
  for (const raw of files) {
    const neg = raw.startsWith('!');
    const entry = (neg ? raw.slice(1) : raw).replace(/^\.\//, '').replace(/\/$/, '');
    if (rel === entry || rel.startsWith(`${entry}/`)) inc = !neg;
  }
  return inc;
}

/** The files a script command names (relative paths with a directory or a script extension). */
function scriptFiles(root, command) {
  return command
    .split(/[\s;&|()<>'"=]+/)
    .map((t) => t.replace(/^\.\//, ''))
    .filter((t) => t && !t.startsWith('-') && !t.startsWith('$') && !path.isAbsolute(t))
    .filter((t) => /\.(c|m)?(js|ts)$|\.sh$/.test(t) || (t.includes('/') && fs.existsSync(path.join(root, t))));
}

/** The manifest as published: without the scripts that name a file outside `files`. */
function publishedManifest(root, text) {
  const pkg = JSON.parse(text);
  const removed = [];
  const kept = {};
  for (const [name, cmd] of Object.entries(pkg.scripts || {})) {
    const missing = scriptFiles(root, cmd).filter((f) => !shipped(pkg.files, f));
    if (missing.length) removed.push(`${name} (${missing.join(', ')})`);
    else kept[name] = cmd;
  }
  if (Object.keys(kept).length) pkg.scripts = kept;
  else delete pkg.scripts;
  const indent = /^\{\n(\s+)"/.exec(text);
  return { text: `${JSON.stringify(pkg, null, indent ? indent[1] : 2)}\n`, removed, kept: Object.keys(kept) };
}

// ------------------------------------------------------------ manifest backup
function backupPath(root) {
  return path.join(root, 'build', 'prepack', 'manifest-backup.json');
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** The processes of this pack: npm's lifecycle shell and its parent (npm). */
function packPids() {
  const pids = [process.ppid];
  try {
    const gp = Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(process.ppid)], { encoding: 'utf8' }).trim());
    if (gp > 1) pids.push(gp);
  } catch {
    // No ps: the shell's pid alone.
  }
  return pids;
}

/**
 * Puts back the package.json a pack rewrote. Writes the original only when
 * package.json is still exactly what prepack wrote (otherwise someone edited it
 * since: keeps the edit and says where the original is).
 */
function restoreManifest(root, who) {
  const backup = backupPath(root);
  if (!fs.existsSync(backup)) return false;
  const b = JSON.parse(fs.readFileSync(backup, 'utf8'));
  const pj = path.join(root, 'package.json');
  const current = fs.existsSync(pj) ? fs.readFileSync(pj, 'utf8') : null;
  if (current === b.rewritten || current === null) {
    fs.writeFileSync(`${pj}.prepack-tmp`, b.original);
    fs.renameSync(`${pj}.prepack-tmp`, pj);
    console.log(`[${who}] restored package.json (with its scripts) from ${path.relative(root, backup)}`);
  } else if (current !== b.original) {
    const kept = `${backup}.${Date.now()}`;
    fs.renameSync(backup, kept);
    console.warn(`[${who}] package.json changed since prepack rewrote it; left as is. The original is in ${path.relative(root, kept)}`);
    return true;
  }
  fs.rmSync(backup, { force: true });
  return true;
}

/**
 * For `npm publish`: npm re-reads package.json after postpack to describe the
 * version to the registry, so restoring in postpack would publish the
 * development scripts in that description (the tarball has none). Instead a
 * detached process restores it once npm has exited. False when there is no
 * backup or no live npm process to wait for (then restore at once).
 */
function deferRestore(root, who) {
  const backup = backupPath(root);
  if (!fs.existsSync(backup)) return false;
  const pids = (JSON.parse(fs.readFileSync(backup, 'utf8')).pids || []).filter((p) => p !== process.pid && alive(p));
  if (pids.length === 0) return false;
  const { spawn } = require('child_process');
  fs.mkdirSync(path.dirname(backup), { recursive: true });
  const logFd = fs.openSync(path.join(path.dirname(backup), 'restore.log'), 'a');
  const child = spawn(process.execPath, [__filename, '--restore-after', pids.join(',')], {
    cwd: root,
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  child.unref();
  console.log(`[${who}] npm publish reads package.json again after postpack: it is restored when npm (pid ${pids.join('/')}) exits (or by the next prepack)`);
  return true;
}

/** Before anything else: wait for a pack still running here, or restore after one that died. */
function settlePreviousPack(root) {
  const backup = backupPath(root);
  const deadline = Date.now() + 10 * 60 * 1000;
  let said = false;
  while (fs.existsSync(backup)) {
    let b;
    try {
      b = JSON.parse(fs.readFileSync(backup, 'utf8'));
    } catch {
      if (Date.now() > deadline) break;
      sleep(200); // being written
      continue;
    }
    const running = (b.pids || []).some(alive) && Date.now() - (b.time || 0) < 30 * 60 * 1000;
    if (!running) {
      log(`a previous pack (pid ${(b.pids || []).join('/')}) ended without postpack`);
      restoreManifest(root, 'prepack');
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`another pack of this directory (pid ${b.pids.join('/')}) has held ${path.relative(root, backup)} for 10 minutes`);
    }
    if (!said) log(`another pack of this directory is running (pid ${b.pids.join('/')}); waiting for its postpack`);
    said = true;
    sleep(300);
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function rewriteManifest(root) {
  const pj = path.join(root, 'package.json');
  const original = fs.readFileSync(pj, 'utf8');
  const pub = publishedManifest(root, original);
  if (pub.removed.length === 0) {
    log('package.json: no script names a file outside `files`; packed as it is');
    return;
  }
  const backup = backupPath(root);
  fs.mkdirSync(path.dirname(backup), { recursive: true });
  const state = { original, rewritten: pub.text, pids: packPids(), time: Date.now() };
  fs.writeFileSync(`${backup}.tmp`, JSON.stringify(state));
  fs.renameSync(`${backup}.tmp`, backup);
  fs.writeFileSync(`${pj}.prepack-tmp`, pub.text);
  fs.renameSync(`${pj}.prepack-tmp`, pj);
  log(`package.json for the tarball: removed the scripts that run files not in the package: ${pub.removed.join('; ')}`);
  log(`  kept scripts: ${pub.kept.length ? pub.kept.join(', ') : 'none (no "scripts" key)'}; original saved in ${path.relative(root, backup)}, put back by postpack`);
}

// ---------------------------------------------------------------------- check
function check(root, env) {
  const jsOnly = ['1', 'true', 'yes'].includes(String(env[JS_ONLY_ENV] || '').toLowerCase());
  const pkg = JSON.parse(read(root, 'package.json'));
  const outputs = expectedOutputs(root);
  const missing = [];
  const notShipped = [];
  const stale = [];
  for (const o of outputs) {
    const abs = path.join(root, o.path);
    const ok = fs.existsSync(abs) && fs.statSync(abs).isFile();
    log(`${ok ? 'ok     ' : 'MISSING'} ${o.path}  (${o.what})`);
    if (!ok) missing.push(o);
    if (!shipped(pkg.files, o.path)) notShipped.push(o);
    if (ok && !o.native && o.path.endsWith('.js')) {
      const ts = path.join(root, 'js', 'src', `${path.basename(o.path, '.js')}.ts`);
      if (o.path.startsWith('lib/') && fs.existsSync(ts) && fs.statSync(ts).mtimeMs > fs.statSync(abs).mtimeMs) stale.push(o.path);
    }
  }
  const describe = (list) => {
    const byBuilder = new Map();
    for (const o of list) {
      if (!byBuilder.has(o.builder)) byBuilder.set(o.builder, []);
      byBuilder.get(o.builder).push(o);
    }
    const lines = [];
    for (const [builder, os] of byBuilder) {
      lines.push(`  built by ${builder}:`);
      for (const o of os) lines.push(`    - ${o.path}  (${o.what})`);
    }
    return lines.join('\n');
  };
  const problems = [];
  if (notShipped.length) {
    problems.push(`package.json "files" does not ship:\n${notShipped.map((o) => `    - ${o.path}`).join('\n')}`);
  }
  const missingJs = missing.filter((o) => !o.native);
  const missingNative = missing.filter((o) => o.native);
  if (missingJs.length) problems.push(`missing JavaScript output (required even with ${JS_ONLY_ENV}=1):\n${describe(missingJs)}`);
  if (missingNative.length && !jsOnly) {
    problems.push(
      `missing native outputs: an app would autolink this package and fail in its native build:\n${describe(missingNative)}\n` +
        `  (${JS_ONLY_ENV}=1 packs without them, for JavaScript-only tests; such a tarball is not for apps)`,
    );
  }
  if (stale.length) {
    console.warn(`[prepack] warning: older than their js/src sources (run ${BUILD_JS}): ${stale.join(', ')}`);
  }
  if (problems.length) {
    console.error(`\n[prepack] refusing to pack ${pkg.name}@${pkg.version}:\n${problems.join('\n')}\n`);
    return false;
  }
  if (missingNative.length) {
    const bar = '!'.repeat(78);
    console.warn(
      `\n${bar}\n[prepack] WARNING: ${JS_ONLY_ENV}=1: JavaScript-only pack WITHOUT native outputs.\n` +
        `[prepack] This tarball will autolink in an app and then FAIL in its native build. Missing:\n` +
        `${describe(missingNative)}\n${bar}\n`,
    );
  } else {
    log(`all ${outputs.length} expected outputs present${jsOnly ? ` (${JS_ONLY_ENV}=1 not needed)` : ''}`);
  }
  return true;
}

function main() {
  const root = path.resolve(__dirname, '..');
  const after = process.argv.indexOf('--restore-after');
  if (after > 0) {
    const pids = String(process.argv[after + 1] || '').split(',').map(Number).filter((p) => p > 0);
    const deadline = Date.now() + 60 * 60 * 1000;
    while (pids.some(alive) && Date.now() < deadline) sleep(200);
    restoreManifest(root, 'postpack');
    return 0;
  }
  if (process.argv.includes('--restore')) {
    if (!restoreManifest(root, 'prepack')) log('nothing to restore');
    return 0;
  }
  settlePreviousPack(root);
  if (!check(root, process.env)) return 1;
  if (process.env.npm_lifecycle_event === 'prepack') rewriteManifest(root);
  else log('run by hand: checked only, package.json not rewritten (npm pack does that)');
  return 0;
}

module.exports = { expectedOutputs, publishedManifest, restoreManifest, deferRestore, shipped, check };

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (e) {
    console.error(`[prepack] ${e.message}`);
    process.exitCode = 1;
  }
}
