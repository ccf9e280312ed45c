'use strict';
/**
 * scripts/prepack.js in a temporary copy of the files it reads (package.json,
 * the podspec, android/build.gradle, scripts/build-android.sh, js/src), never in
 * the repository itself: it refuses a tree without the native outputs and names
 * every one with the script that builds it, RN_RUST_TRACKER_JS_ONLY_PACK=1 lets
 * a tree without them pass with a warning (but never without lib/), a tree
 * with a placeholder at every expected path passes, and the package.json it
 * rewrites for npm pack is put back by postpack, or by the next prepack when a
 * pack failed before postpack.
 *
 * The expected paths are written here on their own (from android/build.gradle,
 * the podspec, scripts/build-android.sh, scripts/build-ios.sh and
 * scripts/bindings.js), not taken from prepack.js.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const repo = path.resolve(__dirname, '..', '..');
const ABIS = ['arm64-v8a', 'armeabi-v7a', 'x86_64', 'x86'];
const KOTLIN = ['android/src/main/java/com/reactnativerusttracker/core/tracker_ffi.kt'];
const SO = ABIS.map((abi) => `android/src/main/jniLibs/${abi}/libtracker_ffi.so`);
const SWIFT = ['ios/Generated/TrackerFFI.swift', 'ios/Generated/TrackerFFIFFI.h', 'ios/Generated/module.modulemap'];
const XCF = [
  'ios/TrackerFFI.xcframework/Info.plist',
  'ios/TrackerFFI.xcframework/ios-arm64/libtracker_ffi.a',
  'ios/TrackerFFI.xcframework/ios-arm64_x86_64-simulator/libtracker_ffi.a',
];
const NATIVE = [...KOTLIN, ...SO, ...SWIFT, ...XCF];
const LIB = ['lib/index.js', 'lib/index.d.ts', 'lib/node.js', 'lib/node.d.ts', 'lib/jest.js', 'lib/jest.d.ts'];

const tmpDirs = [];
test.after(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A minimal copy of the package: what prepack reads, and no build output. */
function tree({ lib = true, native = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rnrt-prepack-'));
  tmpDirs.push(dir);
  const copy = (rel) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.copyFileSync(path.join(repo, rel), path.join(dir, rel));
  };
  for (const rel of [
    'package.json',
    'react-native-rust-tracker.podspec',
    'android/build.gradle',
    'android/proguard-rules.pro',
    'android/src/main/AndroidManifest.xml',
    'scripts/prepack.js',
    'scripts/postpack.js',
    'scripts/build-android.sh',
  ]) {
    copy(rel);
  }
  const sources = fs.readdirSync(path.join(repo, 'js', 'src')).filter((f) => f.endsWith('.ts'));
  for (const f of sources) copy(`js/src/${f}`);
  if (lib) {
    const compiled = sources.filter((f) => !f.endsWith('.d.ts')).map((f) => `lib/${f.slice(0, -3)}.js`);
    for (const rel of new Set([...LIB, ...compiled])) put(dir, rel);
  }
  if (native) for (const rel of NATIVE) put(dir, rel);
  return dir;
}

function put(dir, rel) {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), `placeholder for ${rel}\n`);
}

function prepack(dir, env = {}) {
  const clean = { ...process.env };
  delete clean.RN_RUST_TRACKER_JS_ONLY_PACK;
  delete clean.npm_lifecycle_event;
  const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'prepack.js')], {
    cwd: dir,
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout + r.stderr, stderr: r.stderr };
}

test('prepack refuses a tree without native outputs and names each one with the script that builds it', () => {
  const dir = tree({ lib: true, native: false });
  const r = prepack(dir);
  assert.notEqual(r.status, 0, r.out);
  assert.match(r.stderr, /refusing to pack/);
  for (const p of NATIVE) assert.ok(r.stderr.includes(p), `names ${p}\n${r.stderr}`);
  for (const s of ['scripts/build-android.sh', 'scripts/build-ios.sh', 'node scripts/bindings.js']) {
    assert.ok(r.stderr.includes(`built by ${s}`), `names the builder ${s}\n${r.stderr}`);
  }
  // Each path is listed under its builder.
  const section = (builder) => r.stderr.split(`built by ${builder}`)[1].split('built by')[0];
  for (const p of SO) assert.ok(section('scripts/build-android.sh').includes(p), p);
  for (const p of XCF) assert.ok(section('scripts/build-ios.sh').includes(p), p);
  for (const p of [...KOTLIN, ...SWIFT]) assert.ok(section('node scripts/bindings.js').includes(p), p);
  assert.ok(!/lib\/\S+\s+\(/.test(r.stderr), 'lib/ is present, so not named');
  console.log(`checked: exit ${r.status}; all ${NATIVE.length} native paths named (Kotlin bindings, ${ABIS.length} ABIs: ${ABIS.join(', ')}, Swift bindings + header + modulemap, XCFramework device + simulator), each under its build script`);
});

test('one missing output is named alone; a tree with a placeholder at every expected path passes', () => {
  const dir = tree({ lib: true, native: true });
  const ok = prepack(dir);
  assert.equal(ok.status, 0, ok.out);
  assert.match(ok.out, /all \d+ expected outputs present/);
  assert.match(ok.out, /checked only, package\.json not rewritten/);
  assert.ok(fs.readFileSync(path.join(dir, 'package.json'), 'utf8') === fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
  for (const gone of ['android/src/main/jniLibs/x86/libtracker_ffi.so', 'ios/Generated/module.modulemap', 'lib/jest.js']) {
    fs.renameSync(path.join(dir, gone), path.join(dir, `${gone}.away`));
    const r = prepack(dir);
    assert.notEqual(r.status, 0, r.out);
    const named = NATIVE.concat(LIB).filter((p) => r.stderr.includes(`- ${p} `));
    assert.deepEqual(named, [gone], r.stderr);
    fs.renameSync(path.join(dir, `${gone}.away`), path.join(dir, gone));
  }
  console.log(`checked: placeholders at all ${NATIVE.length} native paths + ${LIB.length} lib/ entry files -> exit 0; removing one of x86 .so, module.modulemap, lib/jest.js -> refused naming only it`);
});

test('RN_RUST_TRACKER_JS_ONLY_PACK=1 packs without native outputs, loudly, but still requires lib/', () => {
  const dir = tree({ lib: true, native: false });
  const r = prepack(dir, { RN_RUST_TRACKER_JS_ONLY_PACK: '1' });
  assert.equal(r.status, 0, r.out);
  assert.match(r.stderr, /WARNING: RN_RUST_TRACKER_JS_ONLY_PACK=1: JavaScript-only pack WITHOUT native outputs/);
  for (const p of NATIVE) assert.ok(r.stderr.includes(p), `warning names ${p}`);

  const off = prepack(dir, { RN_RUST_TRACKER_JS_ONLY_PACK: '0' });
  assert.notEqual(off.status, 0, 'RN_RUST_TRACKER_JS_ONLY_PACK=0 is not the flag');

  const noLib = tree({ lib: false, native: false });
  const r2 = prepack(noLib, { RN_RUST_TRACKER_JS_ONLY_PACK: '1' });
  assert.notEqual(r2.status, 0, r2.out);
  for (const p of LIB) assert.ok(r2.stderr.includes(p), `names ${p}\n${r2.stderr}`);
  assert.ok(r2.stderr.includes('built by npm run build'), r2.stderr);
  const r3 = prepack(tree({ lib: false, native: true }));
  assert.notEqual(r3.status, 0, 'native outputs without lib/ are refused');
  console.log(`checked: flag=1 without native outputs -> exit 0 with a warning naming all ${NATIVE.length}; flag=0 -> refused; flag=1 without lib/ -> refused naming ${LIB.join(', ')} and 'npm run build'; native outputs without lib/ -> refused`);
});

function npm(dir, args, env = {}) {
  const clean = { ...process.env };
  delete clean.RN_RUST_TRACKER_JS_ONLY_PACK;
  for (const k of Object.keys(clean)) if (k.startsWith('npm_')) delete clean[k];
  const cmd = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(cmd, args, { cwd: dir, env: { ...clean, ...env }, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr, stdout: r.stdout };
}

test('npm pack packs the rewritten package.json, postpack restores it, and a pack that died before postpack is repaired by the next prepack', () => {
  const dir = tree({ lib: true, native: true });
  const original = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'rnrt-prepack-out-'));
  tmpDirs.push(dest);

  const r = npm(dir, ['pack', '--json', '--pack-destination', dest]);
  assert.equal(r.status, 0, r.out);
  const [{ filename }] = JSON.parse(r.stdout.slice(r.stdout.search(/^\[\s*\{/m)));
  const packed = JSON.parse(
    spawnSync('tar', ['-xzOf', path.join(dest, filename), 'package/package.json'], { encoding: 'utf8' }).stdout,
  );
  assert.equal(packed.scripts, undefined, `packed scripts: ${JSON.stringify(packed.scripts)}`);
  assert.equal(packed.name, JSON.parse(original).name);
  assert.deepEqual(packed.exports, JSON.parse(original).exports);
  assert.equal(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'), original, 'postpack restored it byte for byte');
  assert.ok(!fs.existsSync(path.join(dir, 'build', 'prepack', 'manifest-backup.json')), 'no backup left');

  // npm skips postpack when the pack fails (here: a destination that does not exist).
  const failed = npm(dir, ['pack', '--pack-destination', path.join(dest, 'does-not-exist')]);
  assert.notEqual(failed.status, 0, failed.out);
  const left = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
  assert.notEqual(left, original, 'npm left the rewritten manifest (postpack skipped)');
  assert.equal(JSON.parse(left).scripts, undefined);
  const next = prepack(dir);
  assert.equal(next.status, 0, next.out);
  assert.match(next.out, /ended without postpack/);
  assert.equal(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'), original, 'the next prepack restored it');
  assert.ok(!fs.existsSync(path.join(dir, 'build', 'prepack', 'manifest-backup.json')));
  console.log(`checked: npm pack of the placeholder tree -> tarball package.json without "scripts" (original had: ${Object.keys(JSON.parse(original).scripts).join(', ')}), exports unchanged; repo package.json byte-identical after postpack; a failed pack left it stripped and the next prepack restored it`);
});

test('under npm publish, postpack leaves package.json rewritten until npm exits (npm reads it again for the registry), then it is restored', async () => {
  const dir = tree({ lib: true, native: true });
  const original = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
  const r = prepack(dir, { npm_lifecycle_event: 'prepack' });
  assert.equal(r.status, 0, r.out);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).scripts, undefined);
  // Stand-in for the npm process: a child that exits in 1.5 s.
  const { spawn } = require('child_process');
  const npmStandIn = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 1500)']);
  const backup = path.join(dir, 'build', 'prepack', 'manifest-backup.json');
  const state = JSON.parse(fs.readFileSync(backup, 'utf8'));
  fs.writeFileSync(backup, JSON.stringify({ ...state, pids: [npmStandIn.pid] }));
  const clean = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith('npm_')) delete clean[k];
  const post = spawnSync(process.execPath, [path.join(dir, 'scripts', 'postpack.js')], {
    cwd: dir,
    env: { ...clean, npm_command: 'publish', npm_lifecycle_event: 'postpack' },
    encoding: 'utf8',
  });
  assert.equal(post.status, 0, post.stdout + post.stderr);
  assert.match(post.stdout, /restored when npm \(pid \d+\) exits/);
  assert.notEqual(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'), original, 'still the published manifest while npm runs');
  await new Promise((resolve) => npmStandIn.on('exit', resolve));
  const until = Date.now() + 10000;
  while (fs.readFileSync(path.join(dir, 'package.json'), 'utf8') !== original && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'), original, 'restored after npm exited');
  assert.ok(!fs.existsSync(backup));
  console.log('checked: npm publish: postpack keeps the stripped package.json while npm runs (npm re-reads it for the registry metadata) and a detached process restores it byte for byte once npm exits');
});
