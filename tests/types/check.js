#!/usr/bin/env node
'use strict';
/**
 * Type compatibility with Snowplow's React Native tracker 2.1.2 (the
 * devDependency `@snowplow/react-native-tracker`), with the TypeScript
 * compiler of the devDependency `typescript`, strict:
 *
 * 1. compat-2x.ts, an app that uses all of 2.1.2's API with its types,
 *    compiles against 2.1.2 itself;
 * 2. the same file with only the module name of its import changed to
 *    'react-native-rust-tracker' compiles against this package's React
 *    Native entry (js/src/index.ts) and its Node entry (js/src/node.ts);
 * 3. assignable.ts (this package's tracker is a 2.1.2 `ReactNativeTracker`,
 *    its functions have 2.1.2's signatures, 2.1.2's types are accepted)
 *    compiles against both entries;
 * 4. and the checks can fail: an app that passes a wrong argument, and a
 *    tracker that lacks one of 2.1.2's methods, do not compile.
 *
 * Exits non-zero with the compiler's messages at the first failure.
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
const SNOWPLOW = '@snowplow/react-native-tracker';
const OURS = 'react-native-rust-tracker';
const ENTRIES = {
  'React Native entry': path.join(root, 'js', 'src', 'index.ts'),
  'Node entry': path.join(root, 'js', 'src', 'node.ts'),
};

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rn-rust-tracker-types-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));

let failed = false;
function fail(message) {
  console.error(`FAIL ${message}`);
  failed = true;
}

/**
 * Compiles `source` (written to `name` in a temporary directory) with
 * `entry` as 'react-native-rust-tracker'; returns tsc's status and output.
 */
function compile(name, source, entry) {
  const dir = fs.mkdtempSync(path.join(work, 'case-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, source);
  const paths = {
    [SNOWPLOW]: [path.join(root, 'node_modules', SNOWPLOW)],
    'react-native': [path.join(root, 'js', 'types', 'react-native.d.ts')],
  };
  if (entry) paths[OURS] = [entry];
  const config = {
    compilerOptions: {
      target: 'ES2019',
      module: 'commonjs',
      lib: ['ES2019'],
      types: ['node'],
      typeRoots: [path.join(root, 'node_modules', '@types')],
      strict: true,
      noEmit: true,
      esModuleInterop: true,
      skipLibCheck: false,
      paths,
    },
    files: [file],
  };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2));
  const r = spawnSync(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.split(dir + path.sep).join('') };
}

function mustCompile(title, name, source, entry) {
  const r = compile(name, source, entry);
  if (r.status === 0) console.log(`ok   ${title}`);
  else fail(`${title}: tsc exited with ${r.status}:\n${r.output}`);
}

/** The compilation must fail, with each of `expected` (error codes) in the compiler's output. */
function mustNotCompile(title, name, source, entry, expected) {
  const r = compile(name, source, entry);
  const missing = expected.filter((code) => !r.output.includes(`error ${code}:`));
  if (r.status !== 0 && missing.length === 0) console.log(`ok   ${title} (${expected.join(', ')})`);
  else fail(`${title}: expected tsc to fail with ${expected.join(', ')}; exit ${r.status}, output:\n${r.output}`);
}

const app = fs.readFileSync(path.join(__dirname, 'compat-2x.ts'), 'utf8');
const importOf = (module) => `} from '${module}';`;
if (app.split(importOf(SNOWPLOW)).length !== 2 || app.split(`'${SNOWPLOW}'`).length !== 2) {
  fail(`compat-2x.ts must import from '${SNOWPLOW}' exactly once, and name it nowhere else`);
}
const ourApp = app.replace(importOf(SNOWPLOW), importOf(OURS));
const assignable = fs.readFileSync(path.join(__dirname, 'assignable.ts'), 'utf8');

mustCompile(`compat-2x.ts against ${SNOWPLOW} 2.1.2`, 'compat-2x.ts', app);
for (const [title, entry] of Object.entries(ENTRIES)) {
  mustCompile(`compat-2x.ts with only the import changed, against the ${title}`, 'compat-2x.ts', ourApp, entry);
  mustCompile(`assignable.ts against the ${title}`, 'assignable.ts', assignable, entry);
}

// The checks are not vacuous.
const wrongCalls = `${ourApp}
export async function wrong(): Promise<void> {
  await tracker.setUserId(42);
  await tracker.trackScreenViewEvent({ title: 'Home' });
  createTracker('typo', { endpont: 'collector.example.com' });
}
`;
mustNotCompile('an app with wrong arguments fails against the React Native entry', 'wrong.ts', wrongCalls, ENTRIES['React Native entry'], [
  'TS2345',
  'TS2353',
  'TS2561',
]);
mustNotCompile('the same wrong app fails against 2.1.2', 'wrong.ts', wrongCalls.replace(importOf(OURS), importOf(SNOWPLOW)), undefined, [
  'TS2345',
  'TS2353',
  'TS2561',
]);
const lacking = `${assignable}
declare const lacksSetUserId: Omit<Ours.ReactNativeTracker, 'setUserId'>;
export const broken: Snowplow2.ReactNativeTracker = lacksSetUserId;
export const brokenCheck = yes<Assignable<Omit<Ours.ReactNativeTracker, 'setUserId'>, Snowplow2.ReactNativeTracker>>(true);
`;
mustNotCompile('a tracker without setUserId is not a 2.1.2 ReactNativeTracker', 'lacking.ts', lacking, ENTRIES['React Native entry'], [
  'TS2741',
  'TS2344',
]);

if (failed) {
  console.error('Type compatibility with Snowplow RN 2.1.2: FAILED');
  process.exit(1);
}
console.log('Type compatibility with Snowplow RN 2.1.2: ok');
