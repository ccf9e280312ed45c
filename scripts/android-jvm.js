#!/usr/bin/env node
'use strict';
/**
 * Compiles the Android TurboModule on a plain JVM and unit-tests it against the
 * real core, with no Android SDK:
 *
 *   1. bindings  `node scripts/bindings.js`: the host library
 *                (target/debug/libtracker_ffi.so) and the Kotlin bindings
 *                (android/src/main/java/.../core/tracker_ffi.kt). Skipped with
 *                --no-bindings when the caller has just run it.
 *   2. codegen   React Native's codegen (@react-native/codegen, devDependency)
 *                on package.json's codegenConfig: the Java spec
 *                NativeRustTrackerSpec, as the React Native Gradle plugin
 *                would write it, into build/android-jvm/codegen/java.
 *   3. fetch     com.facebook.react:react-android (an AAR, release variant) from
 *                Maven Central; its classes.jar is extracted to
 *                build/android-jvm/react-android/ (kept for later runs).
 *   4. test      `mvn test` on tests/android-jvm/pom.xml: compiles the spec, the
 *                module, its package and the bindings against react-android and
 *                Robolectric's android-all (the Android framework for the JVM),
 *                then runs the JUnit tests, which load the core through JNA.
 *
 * Needs Node, a JDK 17, Maven and network access to npm and Maven Central only.
 * Usage: node scripts/android-jvm.js [--no-bindings]
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'build', 'android-jvm');
const pom = path.join(root, 'tests', 'android-jvm', 'pom.xml');
const args = process.argv.slice(2);
for (const a of args) {
  if (a !== '--no-bindings') {
    console.error(`[android-jvm] unknown argument ${a} (usage: node scripts/android-jvm.js [--no-bindings])`);
    process.exit(2);
  }
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

/** A property of the test pom: versions are written down once, there. */
function pomProperty(name) {
  const m = fs.readFileSync(pom, 'utf8').match(new RegExp(`<${name}>([^<]+)</${name}>`));
  if (!m) throw new Error(`${pom} has no <${name}> property`);
  return m[1].trim();
}

const mvn = process.platform === 'win32' ? 'mvn.cmd' : 'mvn';
const mvnFlags = ['-B', '--no-transfer-progress'];

function bindings() {
  run(process.execPath, [path.join(__dirname, 'bindings.js')]);
}

function codegen() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const config = pkg.codegenConfig;
  let combineSchemasInFileList, RNCodegen, codegenVersion;
  try {
    ({ combineSchemasInFileList } = require('@react-native/codegen/lib/cli/combine/combine-js-to-schema.js'));
    RNCodegen = require('@react-native/codegen/lib/generators/RNCodegen.js');
    codegenVersion = require('@react-native/codegen/package.json').version;
  } catch (e) {
    throw new Error(`@react-native/codegen is not installed (a devDependency): run npm install (${e.message})`);
  }
  log(`@react-native/codegen ${codegenVersion}: ${config.jsSrcsDir} -> ${config.name} (${config.android.javaPackageName})`);

  const schema = combineSchemasInFileList([path.join(root, config.jsSrcsDir)], 'android', null);
  const modules = Object.keys(schema.modules);
  if (modules.length === 0) throw new Error(`codegen found no TurboModule spec in ${config.jsSrcsDir}`);
  log(`spec modules: ${modules.join(', ')}`);

  const dir = path.join(out, 'codegen');
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
  log(`wrote ${path.relative(root, spec)} (and the JNI C++ files, not used on the JVM)`);
}

function fetchReactAndroid() {
  const version = pomProperty('react.android.version');
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

function test() {
  for (const f of [
    path.join(root, 'android', 'src', 'main', 'java', 'com', 'reactnativerusttracker', 'core', 'tracker_ffi.kt'),
    path.join(root, 'target', 'debug', process.platform === 'darwin' ? 'libtracker_ffi.dylib' : 'libtracker_ffi.so'),
  ]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(root, f)} is missing: run node scripts/bindings.js first`);
  }
  run(mvn, [...mvnFlags, '-f', pom, 'test']);
}

const started = Date.now();
try {
  if (!args.includes('--no-bindings')) step('bindings (host library and Kotlin bindings)', bindings);
  step('codegen (NativeRustTrackerSpec.java)', codegen);
  step('fetch react-android classes', fetchReactAndroid);
  step('compile and test (Maven)', test);
} catch (e) {
  console.error(`[android-jvm] FAILED after ${((Date.now() - started) / 1000).toFixed(1)} s: ${e.message}`);
  process.exit(1);
}
log(`all done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
