#!/usr/bin/env node
'use strict';
/**
 * The example app as the integration test of the package (npm test's
 * "Example app" step), without an Android SDK or Xcode:
 *
 *  1. lib/ (npm run build) is there; the package is packed as an app gets it:
 *     `RN_RUST_TRACKER_JS_ONLY_PACK=1 npm pack` (JavaScript only: no native
 *     libraries, which nothing here builds or loads).
 *  2. example/ is copied to a new temporary directory and `npm install`ed:
 *     its pinned dependencies (package-lock.json) and the packed tarball.
 *  3. Autolinking: `react-native config` lists the module for Android and iOS.
 *  4. Codegen: the module's Java spec, as the Android library build makes it
 *     (the Gradle plugin's two commands, with the library's codegenConfig),
 *     the app's own codegen run for Android, and the iOS ObjC++ spec as
 *     `pod install` makes it (generate-codegen-artifacts.js -t ios).
 *  5. Metro bundles both platforms (release), and the bundles have none of
 *     the package's Node-only code (lib/node.js, the addon, Node built-ins).
 *  6. `tsc --noEmit` in the app passes, with the package's React Native types.
 *  7. The app's Jest tests pass, with react-native-rust-tracker/jest.
 *
 * Every run starts from a new copy and a new install, and the tools' own
 * temporary files and caches (codegen, Metro, Jest) live in the run's
 * temporary directory; only npm's cache (--prefer-offline) outlives a run,
 * and it only makes the install faster.
 * RN_RUST_TRACKER_EXAMPLE_KEEP=1 keeps the temporary directory.
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const exampleDir = __dirname;
const PKG = 'react-native-rust-tracker';
const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const started = Date.now();
let phaseStarted = Date.now();

function secs(since) {
  return ((Date.now() - since) / 1000).toFixed(1);
}
function phase(title) {
  phaseStarted = Date.now();
  console.log(`\n--- ${title}`);
}
function done() {
  console.log(`    (${secs(phaseStarted)} s)`);
}
function ok(msg) {
  console.log(`  ok: ${msg}`);
}
function fail(msg, output) {
  if (output) console.error(output.slice(-8000));
  console.error(`\nexample/check.js: FAILED: ${msg}`);
  process.exit(1);
}
function expect(cond, msg, output) {
  if (!cond) fail(msg, output);
  ok(msg);
}

/** Runs a command; fails the check (with its output) unless it exits 0. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    // The tools' own temporary files (codegen's, Metro's and Jest's caches) go
    // in the run's directory, removed at the end.
    env: { ...process.env, TMPDIR: childTmp, TMP: childTmp, TEMP: childTmp, ...opts.env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const output = `${r.stdout || ''}${r.stderr || ''}`;
  if (r.error || r.status !== 0) {
    fail(`\`${[cmd, ...args].join(' ')}\` in ${opts.cwd} exited ${r.status}${r.error ? ` (${r.error.message})` : ''}`, output);
  }
  return r;
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rn-rust-tracker-example-'));
const app = path.join(tmp, 'app');
const childTmp = path.join(tmp, 'tmp');
fs.mkdirSync(childTmp);
process.on('exit', () => {
  if (process.env.RN_RUST_TRACKER_EXAMPLE_KEEP) console.log(`kept ${tmp}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------- 1. pack
phase('1. The package, packed as an app gets it');
for (const rel of ['lib/index.js', 'lib/index.d.ts', 'lib/jest.js', 'lib/jest.d.ts', 'lib/node.js']) {
  if (!fs.existsSync(path.join(root, rel))) fail(`${rel} is missing: run \`npm run build\` first`);
}
ok('lib/ has the React Native, Jest and Node entries (npm run build)');
const packDir = path.join(tmp, 'pack');
fs.mkdirSync(packDir);
const packed = run(npm, ['pack', '--pack-destination', packDir], { cwd: root, env: { RN_RUST_TRACKER_JS_ONLY_PACK: '1' } });
const tarballs = fs.readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
expect(tarballs.length === 1, `RN_RUST_TRACKER_JS_ONLY_PACK=1 npm pack made ${tarballs.join(', ')}`, packed.stdout + packed.stderr);
const tarball = path.join(packDir, tarballs[0]);
const listing = run('tar', ['tzf', tarball], { cwd: packDir }).stdout.split('\n').filter(Boolean);
for (const rel of ['lib/index.js', 'lib/index.d.ts', 'lib/jest.js', 'js/src/NativeRustTracker.ts', 'android/build.gradle', 'react-native-rust-tracker.podspec']) {
  if (!listing.includes(`package/${rel}`)) fail(`the tarball has no ${rel}`, listing.join('\n'));
}
expect(!listing.some((f) => f.endsWith('.node')), `the tarball (${listing.length} files) has the entries, the TurboModule spec, the Android module and the podspec, and no Node addon`);
done();

// ---------------------------------------------------------------- 2. install
phase('2. The example app installed in a new directory, with the tarball');
const SKIP = new Set(['node_modules', 'build', 'Pods', '.gradle', 'vendor', 'check.js']);
fs.cpSync(exampleDir, app, {
  recursive: true,
  filter: (src) => !SKIP.has(path.basename(src)) && !src.endsWith('.tgz'),
});
fs.copyFileSync(tarball, path.join(app, `${PKG}.tgz`));
const appPkg = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
expect(appPkg.dependencies[PKG] === `file:${PKG}.tgz`, `the app depends on ${PKG} as file:${PKG}.tgz (the packed tarball), react-native ${appPkg.dependencies['react-native']}`);
// The lock pins every other package; the tarball is new each run, so it is
// resolved again (a stale integrity would make npm reuse an old tarball).
const lockFile = path.join(app, 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
delete lock.packages[`node_modules/${PKG}`];
fs.writeFileSync(lockFile, JSON.stringify(lock, null, 2));
const installStarted = Date.now();
run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit-lockfile-registry-resolved'], { cwd: app });
const installed = path.join(app, 'node_modules', PKG);
expect(
  !fs.lstatSync(installed).isSymbolicLink() && JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')).version === rootPkg.version,
  `npm install (${secs(installStarted)} s): ${PKG} ${rootPkg.version} is a real directory in node_modules (not a symlink)`,
);
const rnVersion = JSON.parse(fs.readFileSync(path.join(app, 'node_modules/react-native/package.json'), 'utf8')).version;
expect(/^0\.76\./.test(rnVersion), `react-native ${rnVersion} installed`);
const gradleProps = fs.readFileSync(path.join(app, 'android/gradle.properties'), 'utf8');
expect(/^newArchEnabled=true$/m.test(gradleProps), 'android/gradle.properties: newArchEnabled=true (New Architecture)');
done();

const bin = (name) => path.join(app, 'node_modules', '.bin', name);

// ---------------------------------------------------------------- 3. autolinking
phase('3. Autolinking: `react-native config`');
const config = JSON.parse(run(bin('react-native'), ['config'], { cwd: app }).stdout);
const dep = config.dependencies[PKG];
if (!dep) fail(`react-native config lists no ${PKG} dependency`, JSON.stringify(Object.keys(config.dependencies)));
const android = dep.platforms && dep.platforms.android;
const ios = dep.platforms && dep.platforms.ios;
if (!android || !ios) fail(`react-native config lists ${PKG} without ${!android ? 'android' : 'ios'}`, JSON.stringify(dep, null, 2));
expect(
  android &&
    android.sourceDir === path.join(installed, 'android') &&
    fs.existsSync(path.join(android.sourceDir, 'build.gradle')) &&
    android.packageImportPath === 'import com.reactnativerusttracker.RustTrackerPackage;' &&
    android.packageInstance === 'new RustTrackerPackage()',
  `android: sourceDir ${path.relative(app, android.sourceDir)}, ${android.packageImportPath} ${android.packageInstance}, libraryName ${android.libraryName}`,
  JSON.stringify(dep, null, 2),
);
const packageClass = path.join(android.sourceDir, 'src/main/java/com/reactnativerusttracker/RustTrackerPackage.kt');
expect(fs.existsSync(packageClass) && /class RustTrackerPackage\b/.test(fs.readFileSync(packageClass, 'utf8')), 'android: the RustTrackerPackage class autolinking instantiates is in the package');
expect(
  ios && ios.podspecPath === path.join(installed, `${PKG}.podspec`) && fs.existsSync(ios.podspecPath),
  `ios: podspecPath ${path.relative(app, ios.podspecPath)}`,
  JSON.stringify(dep, null, 2),
);
expect(config.project.android && config.project.android.packageName === 'com.rusttrackerexample' && config.project.ios, `the app itself is an Android (${config.project.android && config.project.android.packageName}) and iOS project`);
done();

// ---------------------------------------------------------------- 4. codegen
phase('4. Codegen of the TurboModule spec, Android and iOS');
const codegen = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')).codegenConfig;
const javaPackage = codegen.android.javaPackageName;
// As the React Native Gradle plugin does for the library module
// (GenerateCodegenSchemaTask, GenerateCodegenArtifactsTask).
const schema = path.join(tmp, 'codegen-lib', 'schema.json');
fs.mkdirSync(path.dirname(schema), { recursive: true });
run(process.execPath, [
  path.join(app, 'node_modules/@react-native/codegen/lib/cli/combine/combine-js-to-schema-cli.js'),
  '--platform', 'android', '--exclude', 'NativeSampleTurboModule', schema, path.join(installed, codegen.jsSrcsDir),
], { cwd: app });
const libOut = path.join(tmp, 'codegen-lib', 'out');
run(process.execPath, [
  path.join(app, 'node_modules/react-native/scripts/generate-specs-cli.js'),
  '--platform', 'android', '--schemaPath', schema, '--outputDir', libOut, '--libraryName', codegen.name, '--javaPackageName', javaPackage,
], { cwd: app });
const javaSpec = path.join(libOut, 'java', ...javaPackage.split('.'), 'NativeRustTrackerSpec.java');
const javaText = fs.existsSync(javaSpec) ? fs.readFileSync(javaSpec, 'utf8') : '';
expect(
  javaText.includes(`package ${javaPackage};`) && /abstract class NativeRustTrackerSpec\b/.test(javaText) && javaText.includes('NAME = "RustTracker"'),
  `android (library build): ${path.relative(libOut, javaSpec)}, abstract class NativeRustTrackerSpec in ${javaPackage}, module "RustTracker"`,
);
expect(fs.existsSync(path.join(libOut, 'jni', `${codegen.name}.h`)), `android (library build): jni/${codegen.name}.h`);
const kotlinModule = fs.readFileSync(path.join(installed, 'android/src/main/java/com/reactnativerusttracker/RustTrackerModule.kt'), 'utf8');
expect(/NativeRustTrackerSpec\(/.test(kotlinModule), 'android: the package\'s RustTrackerModule extends the generated NativeRustTrackerSpec');
// The app's codegen run (what `react-native codegen` does for the app).
const appAndroidOut = path.join(tmp, 'codegen-android');
const appAndroid = run(process.execPath, [path.join(app, 'node_modules/react-native/scripts/generate-codegen-artifacts.js'), '-p', app, '-t', 'android', '-o', appAndroidOut], { cwd: app });
expect(
  appAndroid.stdout.includes(`Generating Native Code for ${codegen.name} - android`) &&
    fs.existsSync(path.join(appAndroidOut, 'android/app/build/generated/source/codegen/jni', `${codegen.name}.h`)),
  `android (app): generate-codegen-artifacts.js processes ${codegen.name} without errors`,
  appAndroid.stdout + appAndroid.stderr,
);
const iosOut = path.join(tmp, 'codegen-ios');
const iosRun = run(process.execPath, [path.join(app, 'node_modules/react-native/scripts/generate-codegen-artifacts.js'), '-p', app, '-t', 'ios', '-o', iosOut], { cwd: app });
const iosDir = path.join(iosOut, 'build/generated/ios', codegen.name);
const iosHeader = path.join(iosDir, `${codegen.name}.h`);
const iosText = fs.existsSync(iosHeader) ? fs.readFileSync(iosHeader, 'utf8') : '';
expect(
  /@protocol NativeRustTrackerSpec\b/.test(iosText) && /class JSI_EXPORT NativeRustTrackerSpecJSI\b/.test(iosText) && fs.existsSync(path.join(iosDir, `${codegen.name}-generated.mm`)),
  `ios: ${codegen.name}/${codegen.name}.h (@protocol NativeRustTrackerSpec, NativeRustTrackerSpecJSI) and ${codegen.name}-generated.mm`,
  iosRun.stdout + iosRun.stderr,
);
const objc = fs.readFileSync(path.join(installed, 'ios/RustTracker.mm'), 'utf8');
expect(objc.includes(`#import "${codegen.name}/${codegen.name}.h"`) && /<NativeRustTrackerSpec>/.test(objc), `ios: the package's RustTracker.mm imports that header and adopts NativeRustTrackerSpec`);
done();

// ---------------------------------------------------------------- 5. Metro
phase('5. Metro bundles both platforms (release), with no Node-only code');
const nodeOnlyStrings = ['tracker_node.node', 'RN_RUST_TRACKER_ADDON', 'the Node addon could not be loaded'];
for (const s of nodeOnlyStrings) {
  if (!fs.readFileSync(path.join(installed, 'lib/node.js'), 'utf8').includes(s)) fail(`lib/node.js no longer contains "${s}": update example/check.js's strings`);
}
for (const platform of ['android', 'ios']) {
  const bundleStarted = Date.now();
  const out = path.join(tmp, `index.${platform}.bundle`);
  const map = `${out}.map`;
  run(bin('react-native'), [
    'bundle', '--platform', platform, '--dev', 'false', '--entry-file', 'index.js',
    '--bundle-output', out, '--sourcemap-output', map, '--assets-dest', path.join(tmp, `assets-${platform}`),
  ], { cwd: app });
  const bundle = fs.readFileSync(out, 'utf8');
  const sources = JSON.parse(fs.readFileSync(map, 'utf8')).sources.map((s) => path.resolve(app, s));
  const ours = sources.filter((s) => s.startsWith(installed + path.sep)).map((s) => path.relative(installed, s)).sort();
  expect(
    ours.includes('lib/index.js') && ours.includes('lib/NativeRustTracker.js') && bundle.includes('rust-tracker-example'),
    `${platform}: bundled in ${secs(bundleStarted)} s (${(bundle.length / 1024).toFixed(0)} KiB) with the app and the package's React Native entry: ${ours.join(', ')}`,
  );
  expect(!ours.includes('lib/node.js') && !ours.includes('lib/jest.js') && !sources.some((s) => s.endsWith('.node')), `${platform}: no lib/node.js, lib/jest.js or .node file among the bundle's ${sources.length} modules`);
  const builtins = /require\(\s*['"](?:node:)?(fs|path|os|child_process)['"]\s*\)|from\s+['"](?:node:)?(fs|path|os|child_process)['"]/;
  const offenders = ours.filter((rel) => builtins.test(fs.readFileSync(path.join(installed, rel), 'utf8')));
  expect(offenders.length === 0, `${platform}: none of the package's bundled modules requires fs, path, os or child_process`, offenders.join('\n'));
  const found = nodeOnlyStrings.filter((s) => bundle.includes(s));
  expect(found.length === 0, `${platform}: the bundle has none of lib/node.js's strings (${nodeOnlyStrings.map((s) => `"${s}"`).join(', ')})`, found.join('\n'));
}
done();

// ---------------------------------------------------------------- 6. tsc
phase('6. TypeScript: tsc --noEmit in the app');
const tsc = run(bin('tsc'), ['--noEmit', '--explainFiles'], { cwd: app });
// --explainFiles: each file, then why it is in the program ("Imported via 'x' from file 'y'").
const importedAs = {}; // package entry file -> the specifiers the app imported it by
let current = null;
for (const line of tsc.stdout.split('\n')) {
  if (/^\S/.test(line)) current = path.resolve(app, line.trim());
  const m = /^\s+Imported via ['"]([^'"]+)['"] from file ['"]([^'"]+)['"]/.exec(line);
  if (m && current && current.startsWith(installed + path.sep) && !m[2].startsWith('node_modules/')) {
    const rel = path.relative(installed, current);
    (importedAs[rel] = importedAs[rel] || new Set()).add(m[1]);
  }
}
const tsVersion = JSON.parse(fs.readFileSync(path.join(app, 'node_modules/typescript/package.json'), 'utf8')).version;
const entries = Object.entries(importedAs).map(([rel, specs]) => `${[...specs].join(', ')} -> ${rel}`).sort();
expect(
  entries.length === 2 && entries.includes(`${PKG} -> lib/index.d.ts`) && entries.includes(`${PKG}/jest -> lib/jest.d.ts`),
  `TypeScript ${tsVersion}: no errors; the app's imports get the React Native types: ${entries.join('; ')}`,
  tsc.stdout,
);
done();

// ---------------------------------------------------------------- 7. Jest
phase("7. The app's Jest tests, with react-native-rust-tracker/jest");
const jestJson = path.join(tmp, 'jest.json');
const jest = run(bin('jest'), ['--ci', '--json', '--outputFile', jestJson], { cwd: app });
const results = JSON.parse(fs.readFileSync(jestJson, 'utf8'));
for (const file of results.testResults) {
  for (const t of file.assertionResults) console.log(`    ${t.status === 'passed' ? '✓' : '✗'} ${path.basename(file.name)}: ${t.fullName}`);
}
expect(results.success && results.numFailedTests === 0 && results.numPassedTests > 0, `Jest (preset react-native): ${results.numPassedTests} passed, ${results.numFailedTests} failed in ${results.numTotalTestSuites} files`, jest.stdout + jest.stderr);
done();

console.log(`\nexample/check.js: all checks passed in ${secs(started)} s`);
