#!/usr/bin/env node
'use strict';
/**
 * Compiles the Android TurboModule on a plain JVM and unit-tests it against the
 * real core, with no Android SDK, once per React Native/Kotlin combination of
 * tests/android-jvm/matrix.json (the only place the versions are written):
 * with --matrix every combination, without it the default one (quick local
 * runs), with --combination NAME that one. Steps 2 to 4 run per combination.
 *
 *   1. bindings  `node scripts/bindings.js`: the host library
 *                (target/debug/libtracker_ffi.so) and the Kotlin bindings
 *                (android/src/main/java/.../core/tracker_ffi.kt). Skipped with
 *                --no-bindings when the caller has just run it.
 *   2. codegen   React Native's codegen, the @react-native/codegen of the
 *                combination's React Native (the devDependency when the
 *                versions match, else installed once into
 *                build/android-jvm/codegen-npm/<version>), on package.json's
 *                codegenConfig: the Java spec NativeRustTrackerSpec, as the
 *                React Native Gradle plugin would write it, into
 *                build/android-jvm/<combination>/codegen/java.
 *   3. fetch     com.facebook.react:react-android (an AAR, release variant) from
 *                Maven Central; its classes.jar is extracted to
 *                build/android-jvm/react-android/ (kept for later runs).
 *   4. test      `mvn test` on tests/android-jvm/pom.xml with the combination's
 *                -Dreact.android.version and -Dkotlin.version: compiles the spec,
 *                the module, its package and the bindings with that Kotlin
 *                against react-android and Robolectric's android-all (the
 *                Android framework for the JVM), then runs the JUnit tests,
 *                which load the core through JNA; the counts come from the
 *                Surefire reports.
 * A failing combination does not stop the others; the run fails if any failed.
 *
 * Needs Node, a JDK 17, Maven and network access to npm and Maven Central only.
 * Usage: node scripts/android-jvm.js [--no-bindings] [--matrix | --combination NAME]
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'build', 'android-jvm');
const pom = path.join(root, 'tests', 'android-jvm', 'pom.xml');
const matrixFile = path.join(root, 'tests', 'android-jvm', 'matrix.json');
const usage = 'usage: node scripts/android-jvm.js [--no-bindings] [--matrix | --combination NAME]';
const args = process.argv.slice(2);
const options = { bindings: true, matrix: false, combination: null };
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--no-bindings') options.bindings = false;
  else if (args[i] === '--matrix') options.matrix = true;
  else if (args[i] === '--combination' && i + 1 < args.length) options.combination = args[++i];
  else {
    console.error(`[android-jvm] unknown argument ${args[i]} (${usage})`);
    process.exit(2);
  }
}
if (options.matrix && options.combination) {
  console.error(`[android-jvm] --matrix and --combination exclude each other (${usage})`);
  process.exit(2);
}

/** The combinations to run, from matrix.json. */
function combinations() {
  const matrix = JSON.parse(fs.readFileSync(matrixFile, 'utf8'));
  const all = matrix.combinations.map((c) => {
    for (const key of ['name', 'reactNative', 'kotlin']) {
      if (typeof c[key] !== 'string' || !c[key]) throw new Error(`${matrixFile}: a combination has no ${key}`);
    }
    // Named as the pom names its per-combination directory (combination.dir).
    return { ...c, dir: path.join(out, `react-native-${c.reactNative}-kotlin-${c.kotlin}`) };
  });
  if (options.matrix) return all;
  const wanted = options.combination || matrix.default;
  const one = all.find((c) => c.name === wanted);
  if (!one) throw new Error(`${matrixFile} has no combination ${wanted} (it has ${all.map((c) => c.name).join(', ')})`);
  return [one];
}

function log(message) {
  console.log(`[android-jvm] ${message}`);
}

function run(cmd, cmdArgs, options = {}) {
  log(`$ ${cmd} ${cmdArgs.join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', ...options });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} exited with ${r.status === null ? r.signal : r.status}`);
}

function step(title, fn) {
  const started = Date.now();
  log(`--- ${title}`);
  fn();
  log(`--- ${title}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

const mvn = process.platform === 'win32' ? 'mvn.cmd' : 'mvn';
const mvnFlags = ['-B', '--no-transfer-progress'];

function bindings() {
  run(process.execPath, [path.join(__dirname, 'bindings.js')]);
}

/**
 * The directory whose node_modules has @react-native/codegen at `version`:
 * the repository's (the devDependency) when it is that version, else a cache
 * under build/android-jvm/codegen-npm, installed once with npm.
 */
function codegenHome(version) {
  let installed = null;
  try {
    installed = require(require.resolve('@react-native/codegen/package.json', { paths: [root] })).version;
  } catch (e) {
    throw new Error(`@react-native/codegen is not installed (a devDependency): run npm install (${e.message})`);
  }
  if (installed === version) return { home: root, source: 'the devDependency' };
  const home = path.join(out, 'codegen-npm', version);
  const manifest = path.join(home, 'node_modules', '@react-native', 'codegen', 'package.json');
  const have = fs.existsSync(manifest) ? JSON.parse(fs.readFileSync(manifest, 'utf8')).version : null;
  if (have !== version) {
    fs.rmSync(home, { recursive: true, force: true });
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(home, 'package.json'), '{"private": true}\n');
    // The codegen of a newer React Native may declare a newer Node in its
    // engines; it runs on this Node (the spec is checked by the compile).
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    run(npm, ['install', '--prefix', home, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund',
      '--loglevel=error', `@react-native/codegen@${version}`]);
    if (!fs.existsSync(manifest)) throw new Error(`npm did not install @react-native/codegen@${version} into ${home}`);
  }
  return { home, source: path.relative(root, home) };
}

function codegen(c) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const config = pkg.codegenConfig;
  const { home, source } = codegenHome(c.reactNative);
  const load = (m) => require(require.resolve(m, { paths: [home] }));
  const { combineSchemasInFileList } = load('@react-native/codegen/lib/cli/combine/combine-js-to-schema.js');
  const RNCodegen = load('@react-native/codegen/lib/generators/RNCodegen.js');
  const codegenVersion = load('@react-native/codegen/package.json').version;
  if (codegenVersion !== c.reactNative) throw new Error(`loaded @react-native/codegen ${codegenVersion}, wanted ${c.reactNative}`);
  log(`@react-native/codegen ${codegenVersion} (${source}): ${config.jsSrcsDir} -> ${config.name} (${config.android.javaPackageName})`);

  const schema = combineSchemasInFileList([path.join(root, config.jsSrcsDir)], 'android', null);
  const modules = Object.keys(schema.modules);
  if (modules.length === 0) throw new Error(`codegen found no TurboModule spec in ${config.jsSrcsDir}`);
  log(`spec modules: ${modules.join(', ')}`);

  const dir = path.join(c.dir, 'codegen');
  fs.rmSync(dir, { recursive: true, force: true });
  const ok = RNCodegen.generate(
    {
      libraryName: config.name,
      schema,
      outputDirectory: dir,
      packageName: config.android.javaPackageName,
      assumeNonnull: false,
    },
    { generators: ['modulesAndroid'], test: false },
  );
  if (!ok) throw new Error('codegen failed to write its files');
  const spec = path.join(dir, 'java', ...config.android.javaPackageName.split('.'), 'NativeRustTrackerSpec.java');
  if (!fs.existsSync(spec)) throw new Error(`codegen did not write ${path.relative(root, spec)}`);
  c.specHash = require('crypto').createHash('sha256').update(fs.readFileSync(spec)).digest('hex').slice(0, 16);
  log(`wrote ${path.relative(root, spec)} (sha256 ${c.specHash}; and the JNI C++ files, not used on the JVM)`);
}

function fetchReactAndroid(c) {
  const version = c.reactNative;
  const dir = path.join(out, 'react-android');
  const classes = path.join(dir, `react-android-${version}-classes.jar`);
  if (fs.existsSync(classes)) {
    log(`${path.relative(root, classes)} is there already`);
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // Maven Central has the AAR under the classifier of its variant (release/debug).
  const artifact = `com.facebook.react:react-android:${version}:aar:release`;
  run(mvn, [
    ...mvnFlags,
    `org.apache.maven.plugins:maven-dependency-plugin:${pomPluginVersion('maven-dependency-plugin')}:copy`,
    `-Dartifact=${artifact}`,
    `-DoutputDirectory=${dir}`,
  ], { cwd: dir });
  const aar = path.join(dir, `react-android-${version}-release.aar`);
  if (!fs.existsSync(aar)) throw new Error(`maven-dependency-plugin did not write ${aar}`);
  run('jar', ['xf', aar, 'classes.jar'], { cwd: dir });
  fs.renameSync(path.join(dir, 'classes.jar'), classes);
  fs.rmSync(aar); // 120 MB, nearly all native libraries; the copy in ~/.m2 stays.
  log(`extracted ${path.relative(root, classes)} (${(fs.statSync(classes).size / 1e6).toFixed(1)} MB)`);
}

function pomPluginVersion(artifactId) {
  const text = fs.readFileSync(pom, 'utf8');
  const m = text.match(new RegExp(`<artifactId>${artifactId}</artifactId>\\s*<version>([^<]+)</version>`));
  if (!m) throw new Error(`${pom} pins no version of ${artifactId}`);
  return m[1].trim();
}

function requireBindings() {
  for (const f of [
    path.join(root, 'android', 'src', 'main', 'java', 'com', 'reactnativerusttracker', 'core', 'tracker_ffi.kt'),
    path.join(root, 'target', 'debug', process.platform === 'darwin' ? 'libtracker_ffi.dylib' : 'libtracker_ffi.so'),
  ]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(root, f)} is missing: run node scripts/bindings.js first`);
  }
}

/** Test counts from the Surefire XML reports of a combination. */
function counts(c) {
  const reports = path.join(c.dir, 'target', 'surefire-reports');
  const total = { suites: 0, tests: 0, failures: 0, errors: 0, skipped: 0 };
  if (!fs.existsSync(reports)) return total;
  for (const f of fs.readdirSync(reports).filter((n) => /^TEST-.*\.xml$/.test(n))) {
    const head = fs.readFileSync(path.join(reports, f), 'utf8').match(/<testsuite\b[^>]*>/);
    if (!head) continue;
    total.suites += 1;
    for (const key of ['tests', 'failures', 'errors', 'skipped']) {
      const m = head[0].match(new RegExp(`\\s${key}="(\\d+)"`));
      if (m) total[key] += Number(m[1]);
    }
  }
  return total;
}

function describe(t) {
  return `${t.tests} tests in ${t.suites} classes, ${t.failures} failures, ${t.errors} errors, ${t.skipped} skipped`;
}

function test(c) {
  requireBindings();
  // Stale reports must not count for this run.
  fs.rmSync(path.join(c.dir, 'target', 'surefire-reports'), { recursive: true, force: true });
  try {
    run(mvn, [...mvnFlags, '-f', pom, 'test', `-Dreact.android.version=${c.reactNative}`, `-Dkotlin.version=${c.kotlin}`,
      `-Dcodegen.dir=${path.join(c.dir, 'codegen', 'java')}`, `-Dbuild.dir=${path.join(c.dir, 'target')}`]);
  } finally {
    c.counts = counts(c);
  }
  if (c.counts.tests === 0) throw new Error('Maven ran no tests');
  log(`react-android ${c.reactNative}, Kotlin ${c.kotlin}: ${describe(c.counts)}`);
}

const started = Date.now();
let list;
try {
  list = combinations();
  log(`${options.matrix ? 'matrix' : 'one combination'} (${path.relative(root, matrixFile)}): ${list
    .map((c) => `${c.name} = react-android ${c.reactNative} + Kotlin ${c.kotlin}`).join('; ')}`);
  if (options.bindings) step('bindings (host library and Kotlin bindings)', bindings);
} catch (e) {
  console.error(`[android-jvm] FAILED after ${((Date.now() - started) / 1000).toFixed(1)} s: ${e.message}`);
  process.exit(1);
}

for (const c of list) {
  const t0 = Date.now();
  log(`=== ${c.name}: react-android ${c.reactNative}, Kotlin ${c.kotlin}${c.why ? ` (${c.why})` : ''}`);
  try {
    step(`[${c.name}] codegen (NativeRustTrackerSpec.java, @react-native/codegen ${c.reactNative})`, () => codegen(c));
    step(`[${c.name}] fetch react-android ${c.reactNative} classes`, () => fetchReactAndroid(c));
    step(`[${c.name}] compile with Kotlin ${c.kotlin} and test (Maven)`, () => test(c));
    c.ok = true;
  } catch (e) {
    c.ok = false;
    c.error = e.message;
    console.error(`[android-jvm] ${c.name} FAILED: ${e.message}`);
  }
  c.seconds = (Date.now() - t0) / 1000;
}

log('=== summary');
const hashes = new Set(list.map((c) => c.specHash).filter(Boolean));
for (const c of list) {
  log(`${c.ok ? 'ok    ' : 'FAILED'} ${c.name}: react-android ${c.reactNative}, Kotlin ${c.kotlin}: ${
    c.counts ? describe(c.counts) : 'no tests run'}; spec ${c.specHash || '-'}; ${c.seconds.toFixed(1)} s${c.ok ? '' : ` (${c.error})`}`);
}
if (list.length > 1 && hashes.size > 0) {
  log(hashes.size === 1 ? 'the codegen Java spec is the same for every combination'
    : `the codegen Java spec differs across combinations (${hashes.size} versions): each was compiled with its own`);
}
const failed = list.filter((c) => !c.ok);
if (failed.length > 0) {
  console.error(`[android-jvm] FAILED: ${failed.map((c) => c.name).join(', ')} (after ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exit(1);
}
log(`all done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
