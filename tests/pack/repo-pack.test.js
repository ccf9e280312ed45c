'use strict';
/**
 * A real `npm pack` of this repository, JavaScript-only
 * (RN_RUST_TRACKER_JS_ONLY_PACK=1, since this machine builds no Android or iOS
 * library), into a temporary directory: the tarball holds the entries an app
 * resolves (lib/index.js, lib/node.js, lib/jest.js and their .d.ts, every file
 * package.json's entry points name), the Android module, the iOS module and the
 * podspec; its package.json has no script that runs a file the tarball lacks,
 * and keeps what the podspec reads; and the repository's package.json is byte
 * for byte what it was (postpack restored it). Needs lib/ (npm run build).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const repo = path.resolve(__dirname, '..', '..');
const pj = path.join(repo, 'package.json');

test('npm pack of the repository (JS-only flag): contents and published package.json', () => {
  const before = fs.readFileSync(pj, 'utf8');
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'rnrt-pack-'));
  try {
    const env = { ...process.env, RN_RUST_TRACKER_JS_ONLY_PACK: '1' };
    for (const k of Object.keys(env)) if (k.startsWith('npm_')) delete env[k];
    const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['pack', '--json', '--pack-destination', dest], {
      cwd: repo,
      env,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `npm pack failed (run npm run build first if lib/ is missing):\n${r.stdout}${r.stderr}`);
    const [info] = JSON.parse(r.stdout.slice(r.stdout.search(/^\[\s*\{/m)));
    const files = new Set(info.files.map((f) => f.path));
    const tgz = path.join(dest, info.filename);
    assert.ok(fs.existsSync(tgz), tgz);

    // The manifest inside the tarball (not the --json summary, which npm reads before prepack).
    const x = spawnSync('tar', ['-xzOf', tgz, 'package/package.json'], { encoding: 'utf8' });
    assert.equal(x.status, 0, x.stderr);
    const packed = JSON.parse(x.stdout);

    const required = [
      'package.json',
      'react-native-rust-tracker.podspec',
      'lib/index.js',
      'lib/index.d.ts',
      'lib/node.js',
      'lib/node.d.ts',
      'lib/jest.js',
      'lib/jest.d.ts',
      'android/build.gradle',
      'android/proguard-rules.pro',
      'android/src/main/AndroidManifest.xml',
      'android/src/main/java/com/reactnativerusttracker/RustTrackerModule.kt',
      'android/src/main/java/com/reactnativerusttracker/RustTrackerPackage.kt',
      'ios/RustTracker.mm',
      'ios/RustTrackerImpl.swift',
    ];
    for (const f of required) assert.ok(files.has(f), `tarball has ${f}`);
    assert.ok(!files.has('lib/tracker_node.node'), 'the host addon is not shipped');
    assert.ok(![...files].some((f) => f.startsWith('scripts/') || f.startsWith('tests/') || f.startsWith('crates/')));

    // Every entry point the packed manifest names is in the tarball.
    const entries = new Set(['main', 'types', 'react-native'].map((k) => packed[k]).filter(Boolean).map((e) => path.posix.normalize(e)));
    (function walk(v) {
      if (typeof v === 'string') entries.add(path.posix.normalize(v));
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    })(packed.exports);
    for (const e of entries) assert.ok(files.has(path.posix.normalize(e)), `entry ${e} is in the tarball`);

    // No script runs a file the tarball lacks (any token that is a path or a script file).
    const scripts = packed.scripts || {};
    for (const [name, cmd] of Object.entries(scripts)) {
      for (const tok of cmd.split(/[\s;&|()<>'"=]+/)) {
        const t = tok.replace(/^\.\//, '');
        if (t && !t.startsWith('-') && (t.includes('/') || /\.(c|m)?js$|\.sh$/.test(t))) {
          assert.ok(files.has(t), `script "${name}" runs ${t}, which is not in the package`);
        }
      }
    }
    const original = JSON.parse(before);
    assert.ok(Object.keys(original.scripts).length > 0);
    // What the podspec reads from package.json, and what Node, Metro and codegen read.
    for (const k of ['name', 'version', 'description', 'license', 'author', 'homepage', 'repository', 'exports', 'codegenConfig', 'files', 'peerDependencies']) {
      assert.deepEqual(packed[k], original[k], `packed ${k} unchanged`);
    }

    const after = fs.readFileSync(pj, 'utf8');
    assert.equal(after, before, "the repository's package.json is restored byte for byte");
    assert.ok(!fs.existsSync(path.join(repo, 'build', 'prepack', 'manifest-backup.json')), 'no manifest backup left');
    console.log(
      `checked: ${info.filename} (${info.entryCount} files): has ${required.length} required paths (lib/{index,node,jest}.js+.d.ts, android/, ios/, podspec) and all ${entries.size} entry points; no lib/tracker_node.node, scripts/, tests/, crates/; ` +
        `packed scripts: ${Object.keys(scripts).length ? Object.keys(scripts).join(', ') : 'none'} (repo has ${Object.keys(original.scripts).join(', ')}); podspec/metro/codegen keys unchanged; repo package.json byte-identical after the pack`,
    );
  } finally {
    if (fs.readFileSync(pj, 'utf8') !== before) {
      spawnSync(process.execPath, [path.join(repo, 'scripts', 'prepack.js'), '--restore'], { cwd: repo, stdio: 'inherit' });
    }
    fs.rmSync(dest, { recursive: true, force: true });
  }
});
