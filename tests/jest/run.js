#!/usr/bin/env node
'use strict';
/**
 * `npm test` step "Jest entry": Jest (plain, testEnvironment node, no
 * transform: the tests are JavaScript over the built lib/) on tests/jest,
 * in three runs, each printing the tests it ran:
 *
 * 1. The mock (tests/jest/mock-*.test.js), with RN_RUST_TRACKER_ADDON naming
 *    a file that does not exist, so nothing of it can need the Node addon:
 *    import without side effects, the whole API with the right Promise
 *    types, recorded events, session getters, and its key sets compared with
 *    the Node and React Native entries, types.ts and the core's method table.
 * 2. The real core under Jest (tests/jest/real-*.test.js): the documented
 *    `jest.mock(... realCore())` line, events through the built addon
 *    (lib/tracker_node.node) to the loopback collector tests/collector.js,
 *    and a real tracker's methods compared with the mock's.
 * 3. As in an app: a temporary app whose node_modules links this checkout,
 *    with tests/jest/app/*.test.js copied into it, so the package name and
 *    the `/jest` subpath resolve through the exports map as in an app: one
 *    project with React Native's preset's conditions (`require`,
 *    `react-native`) and the one-line `jest.mock`, one with the
 *    `moduleNameMapper` setup; then tsc type-checks tests/jest/app/types-check.ts
 *    there (the exports map's `types`).
 *
 * Needs the build (`npm run build`): lib/ and the addon.
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const jestBin = require.resolve('jest/bin/jest', { paths: [root] });
const tscBin = require.resolve('typescript/bin/tsc', { paths: [root] });
const addon = path.join(root, 'lib', 'tracker_node.node');

function fail(message) {
  console.error(`[jest] FAILED: ${message}`);
  process.exit(1);
}

// The tests run the built lib/: it must be there, and not older than its source.
for (const [built, source] of [
  ['lib/jest.js', 'js/src/jest.ts'],
  ['lib/api.js', 'js/src/api.ts'],
  ['lib/node.js', 'js/src/node.ts'],
  ['lib/index.js', 'js/src/index.ts'],
]) {
  const b = path.join(root, built);
  if (!fs.existsSync(b)) fail(`${built} is missing: run \`npm run build\` first`);
  if (fs.statSync(b).mtimeMs + 1000 < fs.statSync(path.join(root, source)).mtimeMs) {
    fail(`${built} is older than ${source}: run \`npm run build\` first`);
  }
}
if (!fs.existsSync(addon)) fail(`${path.relative(root, addon)} is missing (the real-core tests need it): run \`npm run build\``);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rn-rust-tracker-jest-run-'));
let failed = false;
const summary = [];

/** Runs Jest with `config` in `cwd`; prints and records each test's result. */
function jest(title, config, { cwd = root, env = {} } = {}) {
  console.log(`\n[jest] run: ${title}`);
  const out = path.join(tmp, `results-${summary.length}.json`);
  const r = spawnSync(
    process.execPath,
    [jestBin, '--config', JSON.stringify(config), '--ci', '--verbose', '--json', '--outputFile', out],
    { cwd, stdio: 'inherit', env: { ...process.env, ...env } },
  );
  let results;
  try {
    results = JSON.parse(fs.readFileSync(out, 'utf8'));
  } catch (e) {
    console.error(`[jest] ${title}: no results (${e.message}); exit status ${r.status}`);
    failed = true;
    summary.push([title, 0, 0]);
    return;
  }
  console.log(`[jest] ${title}: checked`);
  for (const file of results.testResults) {
    for (const t of file.assertionResults) {
      console.log(`[jest]   ${t.status === 'passed' ? 'ok  ' : t.status.toUpperCase()} ${path.basename(file.name)}: ${t.fullName}`);
    }
  }
  const ok = r.status === 0 && results.success && results.numTotalTests > 0;
  if (!ok) failed = true;
  summary.push([title, results.numPassedTests, results.numTotalTests, ok]);
}

const base = { testEnvironment: 'node', transform: {}, cacheDirectory: path.join(tmp, 'cache') };

try {
  // 1. The mock, with no addon to be had.
  jest(
    'mock (RN_RUST_TRACKER_ADDON names a missing file)',
    { ...base, watchman: false, rootDir: root, roots: ['<rootDir>/tests/jest'], testMatch: ['<rootDir>/tests/jest/mock-*.test.js'] },
    { env: { RN_RUST_TRACKER_ADDON: path.join(tmp, 'does-not-exist', 'tracker_node.node') } },
  );

  // 2. The real core, through the documented option.
  jest(
    'real core under Jest (lib/tracker_node.node, loopback collector)',
    { ...base, watchman: false, rootDir: root, roots: ['<rootDir>/tests/jest'], testMatch: ['<rootDir>/tests/jest/real-*.test.js'] },
    { env: { RN_RUST_TRACKER_ADDON: process.env.RN_RUST_TRACKER_ADDON ?? addon } },
  );

  // 3. In an app: the package linked into node_modules, resolved by name.
  const app = path.join(tmp, 'app');
  fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  fs.mkdirSync(path.join(app, '__tests__'));
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'jest-app', version: '1.0.0', private: true }));
  fs.symlinkSync(root, path.join(app, 'node_modules', 'react-native-rust-tracker'), 'dir');
  const copied = [];
  for (const f of fs.readdirSync(path.join(__dirname, 'app'))) {
    fs.copyFileSync(path.join(__dirname, 'app', f), path.join(app, f.endsWith('.ts') ? f : path.join('__tests__', f)));
    copied.push(f);
  }
  console.log(`\n[jest] app at ${app}: node_modules/react-native-rust-tracker -> ${root}; copied ${copied.join(', ')}`);
  const appBase = { ...base, rootDir: app };
  jest(
    'in an app: React Native preset conditions + one jest.mock line; moduleNameMapper',
    {
      ...base,
      watchman: false,
      rootDir: app,
      projects: [
        {
          ...appBase,
          displayName: 'react-native conditions',
          testEnvironmentOptions: { customExportConditions: ['require', 'react-native'] },
          testMatch: ['<rootDir>/__tests__/mock-line.test.js', '<rootDir>/__tests__/real-core-line.test.js'],
        },
        {
          ...appBase,
          displayName: 'moduleNameMapper',
          moduleNameMapper: { '^react-native-rust-tracker$': 'react-native-rust-tracker/jest' },
          testMatch: ['<rootDir>/__tests__/module-name-mapper.test.js'],
        },
      ],
    },
    { cwd: app, env: { RN_RUST_TRACKER_CHECKOUT: root } },
  );

  // The types, by package name, through the exports map's `types` conditions.
  fs.writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({
      // As an app's: skipLibCheck (the template's), so React Native's own declarations, which
      // need @types/react, are not checked here; the use of the package's types is.
      compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'ES2020', lib: ['ES2020'], strict: true, noEmit: true, types: [], skipLibCheck: true },
      files: ['types-check.ts'],
    }),
  );
  console.log('\n[jest] run: tsc on types-check.ts in the app (react-native-rust-tracker/jest types by package name)');
  const tsc = spawnSync(process.execPath, [tscBin, '-p', app], { cwd: app, stdio: 'inherit' });
  const tscOk = tsc.status === 0;
  if (!tscOk) failed = true;
  summary.push(['types of react-native-rust-tracker/jest in an app (tsc, Node16 resolution)', tscOk ? 1 : 0, 1, tscOk]);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

console.log('\n[jest] summary:');
for (const [title, passed, total, ok] of summary) console.log(`[jest]   ${ok ? 'ok    ' : 'FAILED'} ${title}: ${passed}/${total} passed`);
if (failed) fail('see above');
console.log('[jest] all passed');
