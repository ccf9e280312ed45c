#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: the benchmark suite of issue 10, on a fresh clone after
 * `npm install`. Builds what it needs (release builds), starts the loopback
 * collector, runs every part, prints one table and writes
 * target/bench/results.json (a full run at the default sizes also to
 * benches/results/latest.json, the figures the README quotes).
 *
 * Parts (`--only <part>[,<part>...]`, default all):
 *   e2e      end to end to one loopback collector until every event arrived:
 *            the Rust core ("core"), the snowplow_tracker crate ("crate"), this
 *            project's Node API ("node") and @snowplow/node-tracker
 *            ("node-tracker"); struct events and screen views; interleaved
 *            rounds, medians; then, once per round and kind, the floor under
 *            the Node runners' slowest calls (benches/node/floor.js)
 *   blocked  the core in process: time the caller is blocked per track call and
 *            time to commit, session entity on and off; the crate's track call
 *   jvm      a track call through the generated Kotlin bindings (JNA) on the JVM
 *   backlog  1,000,000 events tracked with the collector down (in awaited rounds of
 *            10,000 calls, as an outage accumulates them), then brought up
 *   startup  tracker created to first event committed, empty store and 100,000
 *            stored events
 * Options: --events N (e2e, default 50000), --rounds N (default 3),
 *          --quick (a small smoke run: 2000 events, 1 round, small backlog and store).
 *
 * The runner protocol every e2e runner follows (benches/rust bench-core e2e,
 * benches/node/*.js): `--collector URL --events N --kind struct|screen --dir D`,
 * prints one `RESULT {json}` line. Every child is killed on exit or Ctrl-C.
 */
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const readline = require('readline');

const root = path.resolve(__dirname, '..');
const benchDir = path.join(root, 'target', 'bench');
const binDir = path.join(benchDir, 'release');
const exe = process.platform === 'win32' ? '.exe' : '';
const PARTS = ['e2e', 'blocked', 'jvm', 'backlog', 'startup'];
const PEERS = ['core', 'crate', 'node', 'node-tracker'];
const KINDS = ['struct', 'screen'];
const started = Date.now();

// ---------------------------------------------------------------- options

function parseOptions(argv) {
  const o = { events: 50000, rounds: 3, quick: false, only: null };
  let events = null;
  let rounds = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) die(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--events') events = Number(value());
    else if (a === '--rounds') rounds = Number(value());
    else if (a === '--only') {
      o.only = o.only || [];
      for (const p of value().split(',')) {
        if (!PARTS.includes(p)) die(`--only: unknown part ${p} (parts: ${PARTS.join(', ')})`);
        o.only.push(p);
      }
    } else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench -- [--quick] [--events N] [--rounds N] [--only e2e,blocked,jvm,backlog,startup]');
      process.exit(0);
    } else die(`unknown option ${a}`);
  }
  if (o.quick) {
    o.events = 2000;
    o.rounds = 1;
  }
  if (events !== null) o.events = events;
  if (rounds !== null) o.rounds = rounds;
  if (!(o.events > 0) || !(o.rounds > 0)) die('--events and --rounds must be positive');
  o.blockedEvents = o.quick ? 10000 : 50000;
  o.backlogEvents = o.quick ? 20000 : 1000000;
  o.startupStored = o.quick ? 5000 : 100000;
  o.jvmEvents = o.quick ? 5000 : 50000;
  o.jvmWarmup = o.quick ? 1000 : 5000;
  o.parts = o.only || PARTS;
  return o;
}

function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

const opts = parseOptions(process.argv.slice(2));
/** Every part at the default sizes: the only kind of run whose figures replace benches/results/latest.json. */
const fullRun = !opts.quick && !opts.only && opts.events === 50000 && opts.rounds === 3;
const want = (part) => opts.parts.includes(part);

// ---------------------------------------------------------------- children

const children = new Set();

/** Kills a child's whole process group (children are spawned detached, as group leaders). */
function killChild(child, signal) {
  try {
    if (process.platform === 'win32') child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

function killAll() {
  for (const c of children) killChild(c, 'SIGKILL');
  children.clear();
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`\nbench: ${sig}, stopping every child`);
    killAll();
    process.exit(130);
  });
}

function track(child) {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function elapsed() {
  const s = Math.round((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function progress(msg) {
  console.log(`[bench ${elapsed()}] ${msg}`);
}

/** Runs a build step with its output shown; fails the whole run when it fails. */
function step(title, cmd, args, options = {}) {
  progress(`${title}: ${cmd} ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = track(spawn(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], detached: true, ...options }));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${title} failed (${signal || `exit ${code}`})`));
    });
  });
}

/**
 * Runs a measuring child: its stderr is shown (prefixed), its stdout scanned for
 * `RESULT {json}` lines. Resolves with the parsed results; kills it after `timeoutMs`.
 */
function measure(label, cmd, args, { env, timeoutMs = 300000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...env } }),
    );
    const results = [];
    const other = [];
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('RESULT ')) {
        try {
          results.push(JSON.parse(line.slice(7)));
        } catch (e) {
          other.push(line);
        }
      } else other.push(line);
    });
    readline.createInterface({ input: child.stderr }).on('line', (line) => console.error(`    [${label}] ${line}`));
    const timer = setTimeout(() => {
      console.error(`    [${label}] still running after ${timeoutMs / 1000} s: killed`);
      killChild(child, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const line of other) console.error(`    [${label}] ${line}`);
      if (code !== 0 || results.length === 0) {
        reject(new Error(`${label} failed (${signal || `exit ${code}`}, ${results.length} RESULT lines)`));
      } else resolve(results);
    });
  });
}

function tempDir(tag) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `rnrt-bench-${tag}-`));
}

function rmDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- collector

let collector = null;

async function startCollector() {
  const bin = path.join(binDir, `collector${exe}`);
  progress(`starting the collector (${path.relative(root, bin)} --port 0 --exit-on-stdin-close)`);
  const child = track(spawn(bin, ['--port', '0', '--exit-on-stdin-close'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'], detached: true }));
  const port = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    rl.once('line', (line) => {
      const m = /^listening (\d+)$/.exec(line.trim());
      if (m) resolve(Number(m[1]));
      else reject(new Error(`collector: unexpected first line ${line}`));
    });
    child.on('exit', (code) => reject(new Error(`collector exited (${code})`)));
  });
  collector = { child, url: `http://127.0.0.1:${port}`, port };
  progress(`collector listening on ${collector.url}`);
}

function stopCollector() {
  if (!collector) return;
  collector.child.stdin.end();
  killChild(collector.child, 'SIGTERM');
  collector = null;
}

function request(method, p) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${collector.url}${p}`, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${method} ${p}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}
const resetCollector = () => request('POST', '/reset');
const collectorStats = async () => JSON.parse(await request('GET', '/stats'));

// ---------------------------------------------------------------- build

const addonFile = path.join(benchDir, 'tracker_node.node');
const libName = (crate) =>
  ({ darwin: `lib${crate}.dylib`, win32: `${crate}.dll` })[process.platform] || `lib${crate}.so`;

async function build() {
  const needRust = want('e2e') || want('blocked') || want('backlog') || want('startup');
  const needNode = want('e2e');
  const needJvm = want('jvm');
  if (needNode && !fs.existsSync(path.join(root, 'lib', 'node.js'))) {
    await step('building lib/ (TypeScript)', 'npm', ['run', 'build']);
  }
  const releaseCrates = [];
  if (needNode) releaseCrates.push('-p', 'tracker-node');
  if (needJvm) releaseCrates.push('-p', 'tracker-ffi');
  if (releaseCrates.length) {
    await step('release build of the addon/library', 'cargo', ['build', '--release', ...releaseCrates]);
  }
  if (needNode) {
    fs.mkdirSync(benchDir, { recursive: true });
    fs.copyFileSync(path.join(root, 'target', 'release', libName('tracker_node')), addonFile);
    progress(`copied the release addon to ${path.relative(root, addonFile)}`);
  }
  if (needRust || needNode) {
    await step('release build of the Rust benchmarks and the collector', 'cargo', [
      'build',
      '--release',
      '--manifest-path',
      'benches/rust/Cargo.toml',
      '--target-dir',
      'target/bench',
    ]);
  }
  if (needNode) {
    const lock = fs.existsSync(path.join(root, 'benches', 'node', 'package-lock.json'));
    await step('installing @snowplow/node-tracker', 'npm', [lock ? 'ci' : 'install', '--prefix', 'benches/node', '--no-audit', '--no-fund']);
  }
  if (needJvm) {
    await step('generating the Kotlin bindings', 'npm', ['run', 'bindings']);
  }
}

// ---------------------------------------------------------------- parts

function e2eCommand(peer, kind, dir, events) {
  const common = ['--collector', collector.url, '--events', String(events), '--kind', kind, '--dir', dir];
  switch (peer) {
    case 'core':
    case 'crate':
      return [path.join(binDir, `bench-core${exe}`), ['e2e', '--peer', peer, ...common], {}];
    case 'node':
      return [process.execPath, [path.join(root, 'benches', 'node', 'node-api.js'), ...common], { RN_RUST_TRACKER_ADDON: addonFile }];
    case 'node-tracker':
      return [process.execPath, [path.join(root, 'benches', 'node', 'node-tracker.js'), ...common], {}];
    default:
      throw new Error(peer);
  }
}

async function runE2e(raw) {
  const n = opts.events;
  const total = opts.rounds * PEERS.length * KINDS.length;
  let done = 0;
  for (let round = 1; round <= opts.rounds; round++) {
    // Interleaved: every peer and kind once per round; the peers' order rotates each round.
    const order = PEERS.slice(round - 1).concat(PEERS.slice(0, round - 1));
    for (const kind of KINDS) {
      for (const peer of order) {
        done++;
        const dir = tempDir(peer);
        const [cmd, args, env] = e2eCommand(peer, kind, dir, n);
        progress(`e2e ${done}/${total}: round ${round}, ${peer}, ${kind}, ${n} events`);
        try {
          await resetCollector();
          const [result] = await measure(`${peer} ${kind}`, cmd, args, { env });
          const stats = await collectorStats();
          const row = { part: 'e2e', round, ...result, peer, kind, collector: stats };
          raw.push(row);
          const d = derive(row);
          progress(
            `  ${fmt(d.eventsPerS, 0)} events/s, ${fmt(d.cpuUsPerEvent, 1)} µs CPU/event, ${fmt(d.rssMb, 0)} MB, ` +
              `${stats.requests} requests, lost ${d.lost}, dup ${stats.duplicates}, blocked p99 ${fmt(result.blocked_us.p99, 1)} µs max ${fmt(result.blocked_us.max, 0)} µs` +
              slowText(result.slow_calls),
          );
        } catch (e) {
          console.error(`bench: ${e.message}`);
          raw.push({ part: 'e2e', round, peer, kind, events: n, error: e.message });
        } finally {
          rmDir(dir);
        }
      }
    }
  }
}

/**
 * The floor under the Node runners' slowest calls: node-api.js's call loop
 * with no tracker, each call returning a Promise (benches/node/floor.js),
 * once per round and kind, alone on the machine.
 */
async function runFloor(raw) {
  for (let round = 1; round <= opts.rounds; round++) {
    for (const kind of KINDS) {
      progress(`floor ${round}/${opts.rounds}: ${kind}, ${opts.events} Promise-returning calls with no tracker`);
      try {
        const [result] = await measure(`floor ${kind}`, process.execPath, [
          path.join(root, 'benches', 'node', 'floor.js'),
          '--events',
          String(opts.events),
          '--kind',
          kind,
        ]);
        raw.push({ part: 'floor', round, ...result, kind });
        progress(`  blocked p99 ${fmt(result.blocked_us.p99, 1)} µs max ${fmt(result.blocked_us.max, 0)} µs${slowText(result.slow_calls)}`);
      } catch (e) {
        console.error(`bench: ${e.message}`);
        raw.push({ part: 'floor', round, kind, events: opts.events, error: e.message });
      }
    }
  }
}

/** The worst of the floor runs of `kind`: max µs and calls over 1 ms in all of them; null if none ran. */
function floorOf(raw, kind) {
  const rows = raw.filter((r) => r.part === 'floor' && r.kind === kind && !r.error);
  if (!rows.length) return null;
  return {
    runs: rows.length,
    max: Math.max(...rows.map((r) => r.blocked_us.max)),
    p99: Math.max(...rows.map((r) => r.blocked_us.p99)),
    over_1ms: rows.reduce((a, r) => a + r.slow_calls.over_1ms, 0),
  };
}

/**
 * Runs one part of bench-core in a temporary directory, adding its RESULT
 * lines to `raw` (or the error, so the table says which part failed).
 */
async function runCorePart(raw, part, args, options) {
  const dir = tempDir(part);
  try {
    const results = await measure(part, path.join(binDir, `bench-core${exe}`), [part, ...args, '--dir', dir], options);
    for (const r of results) raw.push({ part, ...r });
  } catch (e) {
    console.error(`bench: ${e.message}`);
    raw.push({ part, error: e.message });
  } finally {
    rmDir(dir);
  }
}

async function runBlocked(raw) {
  progress(`part 1, blocked: the core's track call (session entity on and off) and the crate's, ${opts.blockedEvents} events`);
  await resetCollector();
  await runCorePart(raw, 'blocked', ['--collector', collector.url, '--events', String(opts.blockedEvents)]);
}

async function runBacklog(raw) {
  progress(`part 4, backlog: ${opts.backlogEvents} events tracked with the collector down, then brought up`);
  await runCorePart(
    raw,
    'backlog',
    ['--collector-bin', path.join(binDir, `collector${exe}`), '--events', String(opts.backlogEvents)],
    { timeoutMs: 600000 },
  );
}

async function runStartup(raw) {
  progress(`part 5, start-up: tracker created to first event committed, empty store and ${opts.startupStored} stored events`);
  await runCorePart(raw, 'startup', ['--stored', String(opts.startupStored)]);
}

async function runJvm(raw) {
  if (spawnSync('mvn', ['-v'], { stdio: 'ignore' }).status !== 0) {
    progress('part 3, JVM: skipped (no mvn on PATH)');
    raw.push({ part: 'jvm', error: 'mvn not found' });
    return;
  }
  const library = path.join(root, 'target', 'release', libName('tracker_ffi'));
  for (const kind of KINDS) {
    progress(`part 3, JVM: ${kind} track calls through the Kotlin bindings (JNA), ${opts.jvmEvents} events (mvn compile exec:java)`);
    try {
      const results = await measure(
        `jvm ${kind}`,
        'mvn',
        [
          '-B',
          '-q',
          '-f',
          'benches/jvm/pom.xml',
          'compile',
          'exec:java',
          `-Dexec.args=--events ${opts.jvmEvents} --warmup ${opts.jvmWarmup} --kind ${kind} --library ${library}`,
        ],
        { timeoutMs: 600000 },
      );
      for (const r of results) raw.push({ part: 'jvm', ...r, kind: r.kind || kind });
    } catch (e) {
      console.error(`bench: ${e.message}`);
      raw.push({ part: 'jvm', kind, error: e.message });
    }
  }
}

// ---------------------------------------------------------------- figures

function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function derive(row) {
  const n = row.events;
  const s = row.collector;
  return {
    eventsPerS: row.elapsed_ms > 0 ? (n * 1000) / row.elapsed_ms : null,
    committedPerS: row.committed_ms > 0 ? (n * 1000) / row.committed_ms : null,
    cpuUsPerEvent: (row.cpu_ms * 1000) / n,
    rssMb: row.peak_rss_kb / 1024,
    bytesPerEvent: s.unique > 0 ? s.bytes / s.unique : null,
    requests: s.requests,
    lost: Math.max(0, n - s.unique),
    extra: Math.max(0, s.unique - n),
    duplicates: s.duplicates,
  };
}

function e2eMedians(raw) {
  const out = {};
  for (const peer of PEERS) {
    for (const kind of KINDS) {
      const rows = raw.filter((r) => r.part === 'e2e' && r.peer === peer && r.kind === kind && !r.error);
      if (!rows.length) continue;
      const d = rows.map(derive);
      const pick = (f) => median(d.map((x) => x[f]));
      out[`${peer}/${kind}`] = {
        peer,
        kind,
        runs: rows.length,
        failed_runs: raw.filter((r) => r.part === 'e2e' && r.peer === peer && r.kind === kind && r.error).length,
        events_per_s: pick('eventsPerS'),
        committed_events_per_s: pick('committedPerS'),
        cpu_us_per_event: pick('cpuUsPerEvent'),
        peak_rss_mb: pick('rssMb'),
        bytes_per_event: pick('bytesPerEvent'),
        requests: pick('requests'),
        lost: pick('lost'),
        extra_events: pick('extra'),
        duplicates: pick('duplicates'),
        blocked_us: {
          mean: median(rows.map((r) => r.blocked_us.mean)),
          p99: median(rows.map((r) => r.blocked_us.p99)),
          max: median(rows.map((r) => r.blocked_us.max)),
        },
        // the worst of the runs, for the "no call over 1 ms" target
        blocked_us_worst: {
          p99: Math.max(...rows.map((r) => r.blocked_us.p99)),
          max: Math.max(...rows.map((r) => r.blocked_us.max)),
        },
        // calls over 1 ms in all the runs, and how many were preempted or
        // waited (the Rust runners tell; the Node ones count the calls only)
        slow_calls: rows.every((r) => r.slow_calls)
          ? {
              over_1ms: rows.reduce((a, r) => a + r.slow_calls.over_1ms, 0),
              ...(rows.every((r) => r.slow_calls.preempted !== undefined)
                ? {
                    preempted: rows.reduce((a, r) => a + r.slow_calls.preempted, 0),
                    waited: rows.reduce((a, r) => a + (r.slow_calls.waited || 0), 0),
                  }
                : {}),
            }
          : null,
        lost_total: d.reduce((a, x) => a + x.lost, 0),
        duplicates_total: d.reduce((a, x) => a + x.duplicates, 0),
      };
    }
  }
  return out;
}

function ratios(med) {
  const out = [];
  for (const base of ['node', 'core']) {
    for (const kind of KINDS) {
      const b = med[`${base}/${kind}`];
      if (!b) continue;
      for (const peer of PEERS) {
        const p = med[`${peer}/${kind}`];
        if (peer === base || !p) continue;
        out.push({
          base,
          peer,
          kind,
          events_per_s: b.events_per_s / p.events_per_s,
          cpu_per_event: b.cpu_us_per_event / p.cpu_us_per_event,
          peak_rss: b.peak_rss_mb / p.peak_rss_mb,
        });
      }
    }
  }
  return out;
}

function verdicts(med, raw) {
  const out = [];
  const add = (target, met, figures) => out.push({ target, verdict: met === null ? 'NOT MEASURED' : met ? 'MET' : 'MISSED', figures });
  const get = (peer, kind) => med[`${peer}/${kind}`];

  // A target on both kinds comparing peer `a` with peer `b`: `check` says
  // whether one kind meets it, `describe` its figures.
  const perKind = (target, a, b, check, describe) => {
    const parts = [];
    let met = true;
    for (const kind of KINDS) {
      const x = get(a, kind);
      const y = get(b, kind);
      if (!x || !y) {
        met = null;
        break;
      }
      const r = x.events_per_s / y.events_per_s;
      met = met && check(x, y, r);
      parts.push(`${kind}: ${fmt(x.events_per_s, 0)} vs ${fmt(y.events_per_s, 0)} events/s = ${fmt(r, 2)}x${describe(x, y, r)}`);
    }
    add(target, met, parts.join('; '));
  };
  // 1. Node API >= 5x node-tracker events/s on both kinds, at less CPU per event.
  perKind(
    'Node API end to end >= 5x @snowplow/node-tracker events/s on both kinds, at less CPU per event',
    'node',
    'node-tracker',
    (x, y, r) => r >= 5 && x.cpu_us_per_event < y.cpu_us_per_event,
    (x, y) =>
      `, CPU ${fmt(x.cpu_us_per_event, 1)} vs ${fmt(y.cpu_us_per_event, 1)} µs/event = ${fmt(x.cpu_us_per_event / y.cpu_us_per_event, 2)}x`,
  );
  // 2. core >= crate events/s (aim 2x).
  perKind(
    'Core end to end >= the snowplow_tracker crate events/s (aim 2x)',
    'core',
    'crate',
    (x, y, r) => r >= 1,
    (x, y, r) => (r >= 2 ? ' (2x aim reached)' : ' (aim 2x)'),
  );
  // 3. Caller blocked p99 < 20 µs and no call over 1 ms: Node API and core e2e runs (worst run) and part 1.
  {
    const parts = [];
    let met = true;
    let any = false;
    for (const peer of ['node', 'core']) {
      for (const kind of KINDS) {
        const a = get(peer, kind);
        if (!a) continue;
        any = true;
        const w = a.blocked_us_worst;
        met = met && w.p99 < 20 && w.max < 1000;
        const floor = peer === 'node' ? floorOf(raw, kind) : null;
        parts.push(
          `${peer} ${kind} e2e p99 ${fmt(w.p99, 1)} µs, max ${fmt(w.max, 0)} µs${slowText(a.slow_calls)}` +
            (floor ? ` (floor with no tracker: max ${fmt(floor.max, 0)} µs, ${floor.over_1ms} call(s) over 1 ms)` : ''),
        );
      }
    }
    for (const r of raw.filter((x) => x.part === 'blocked' && !x.error && x.peer !== 'crate')) {
      any = true;
      met = met && r.blocked_us.p99 < 20 && r.blocked_us.max < 1000;
      parts.push(
        `part 1 ${r.peer} session ${r.session_entity ? 'on' : 'off'} p99 ${fmt(r.blocked_us.p99, 1)} µs, max ${fmt(r.blocked_us.max, 0)} µs${slowText(r.slow_calls)}`,
      );
    }
    add('Caller blocked per track call: p99 < 20 µs and no call over 1 ms (worst of the runs)', any ? met : null, parts.join('; '));
  }
  // 4a. Peak RSS in e2e below every peer's.
  {
    const parts = [];
    let met = true;
    for (const kind of KINDS) {
      const ours = ['node', 'core'].map((p) => get(p, kind));
      const peers = ['node-tracker', 'crate'].map((p) => get(p, kind));
      if (ours.some((x) => !x) || peers.some((x) => !x)) {
        met = null;
        break;
      }
      const worstOurs = Math.max(...ours.map((x) => x.peak_rss_mb));
      const bestPeer = Math.min(...peers.map((x) => x.peak_rss_mb));
      met = met && worstOurs < bestPeer;
      parts.push(
        `${kind}: node ${fmt(ours[0].peak_rss_mb, 0)} MB, core ${fmt(ours[1].peak_rss_mb, 0)} MB vs node-tracker ${fmt(peers[0].peak_rss_mb, 0)} MB, crate ${fmt(peers[1].peak_rss_mb, 0)} MB`,
      );
    }
    add("Peak RSS end to end below every peer's (node and core both below node-tracker and crate)", met, parts.join('; '));
  }
  // 4b. 1M backlog under 64 MB RSS with nothing lost.
  {
    const b = raw.find((x) => x.part === 'backlog' && !x.error);
    if (!b) add('Backlog of 1,000,000 events under 64 MB RSS with nothing lost', null, 'not run');
    else {
      const rss = Math.max(b.peak_rss_kb_queued || 0, b.peak_rss_kb || 0) / 1024;
      add(
        `Backlog of ${b.events.toLocaleString('en-US')} events under 64 MB RSS with nothing lost`,
        rss < 64 && b.lost === 0 && b.events >= 1000000 ? true : b.events < 1000000 ? null : false,
        `peak RSS ${fmt(rss, 1)} MB (while queued ${fmt(b.peak_rss_kb_queued / 1024, 1)} MB), lost ${b.lost}, duplicates ${b.duplicates}, drained in ${fmt(b.drain_ms, 0)} ms` +
          (b.events < 1000000 ? ' (quick run: not the target size)' : ''),
      );
    }
  }
  // 5. Start-up with a 100k store < 50 ms.
  {
    const s = raw.find((x) => x.part === 'startup' && !x.error);
    if (!s) add('Start-up with a 100,000-event store under 50 ms to the first committed event', null, 'not run');
    else
      add(
        'Start-up with a 100,000-event store under 50 ms to the first committed event',
        s.stored >= 100000 ? s.stored_ms < 50 : null,
        `${fmt(s.stored_ms, 1)} ms with ${s.stored} stored, ${fmt(s.empty_ms, 1)} ms empty` + (s.stored < 100000 ? ' (quick run: not the target size)' : ''),
      );
  }
  return out;
}

// ---------------------------------------------------------------- printing

function fmt(v, digits) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "P preempted, W waited" of a runner's slow_calls. */
function slowCauses(slow) {
  return `${slow.preempted} preempted, ${slow.waited || 0} waited`;
}

/**
 * ", N calls over 1 ms (P preempted, W waited)" of a runner's slow_calls
 * (without the causes when the runner cannot tell them); "" when none or not counted.
 */
function slowText(slow) {
  if (!slow || !slow.over_1ms) return '';
  return `, ${slow.over_1ms} call(s) over 1 ms` + (slow.preempted === undefined ? '' : ` (${slowCauses(slow)})`);
}

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function report(res) {
  const out = [];
  const { medians: med } = res;
  out.push('');
  out.push(`Benchmark results, ${res.date}, ${res.machine.cpu}, ${res.machine.cores} cores, ${res.machine.ram_gb} GB, node ${res.machine.node}, ${res.machine.rustc}`);
  if (Object.keys(med).length) {
    out.push('');
    out.push(`End to end, ${opts.events} events per run to one loopback collector, median of ${opts.rounds} interleaved run(s):`);
    const rows = [];
    for (const peer of PEERS)
      for (const kind of KINDS) {
        const m = med[`${peer}/${kind}`];
        if (!m) continue;
        rows.push([
          peer,
          kind,
          fmt(m.events_per_s, 0),
          fmt(m.cpu_us_per_event, 1),
          fmt(m.peak_rss_mb, 0),
          fmt(m.bytes_per_event, 0),
          fmt(m.requests, 0),
          fmt(m.lost, 0),
          fmt(m.duplicates, 0),
          `${fmt(m.blocked_us.mean, 1)} / ${fmt(m.blocked_us.p99, 1)} / ${fmt(m.blocked_us.max, 0)}`,
          m.failed_runs ? `${m.failed_runs} failed` : '',
        ]);
      }
    out.push(
      table(['peer', 'kind', 'events/s', 'CPU µs/ev', 'RSS MB', 'B/ev', 'requests', 'lost', 'dup', 'blocked µs mean / p99 / max', ''], rows),
    );
    const extra = Object.values(med).filter((m) => m.extra_events > 0);
    if (extra.length) {
      out.push(
        `(events the tracker adds by itself also arrive and are counted in B/ev: ${extra.map((m) => `${m.peer} ${m.kind} +${fmt(m.extra_events, 0)}`).join(', ')})`,
      );
    }
    out.push('');
    out.push('Ratios (events/s, CPU per event, peak RSS):');
    for (const r of res.ratios) {
      out.push(`  ${r.base} vs ${r.peer}, ${r.kind}: ${fmt(r.events_per_s, 2)}x events/s, ${fmt(r.cpu_per_event, 2)}x CPU/event, ${fmt(r.peak_rss, 2)}x RSS`);
    }
    const floors = KINDS.map((kind) => [kind, floorOf(res.raw, kind)]).filter(([, f]) => f);
    if (floors.length) {
      out.push('');
      out.push(
        `Floor under the Node runners' slowest calls: the same calls with no tracker, each returning a Promise held to the end (benches/node/floor.js), worst of ${floors[0][1].runs} run(s):`,
      );
      for (const [kind, f] of floors) {
        out.push(`  ${kind}: blocked p99 ${fmt(f.p99, 1)} µs, max ${fmt(f.max, 0)} µs, ${f.over_1ms} call(s) over 1 ms in all`);
      }
    }
  }
  const blocked = res.raw.filter((r) => r.part === 'blocked' && !r.error);
  if (blocked.length) {
    out.push('');
    out.push('Part 1, caller blocked per track call in process (µs) and time to commit:');
    out.push(
      table(
        ['peer', 'session entity', 'events', 'mean', 'p50', 'p99', 'max', 'over 1 ms', 'committed µs mean / p99 / max'],
        blocked.map((r) => [
          r.peer,
          r.session_entity === null || r.session_entity === undefined ? '-' : r.session_entity ? 'on' : 'off',
          r.events,
          fmt(r.blocked_us.mean, 2),
          fmt(r.blocked_us.p50, 2),
          fmt(r.blocked_us.p99, 2),
          fmt(r.blocked_us.max, 0),
          r.slow_calls ? (r.slow_calls.over_1ms ? `${r.slow_calls.over_1ms} (${slowCauses(r.slow_calls)})` : '0') : '-',
          r.committed_us ? `${fmt(r.committed_us.mean, 0)} / ${fmt(r.committed_us.p99, 0)} / ${fmt(r.committed_us.max, 0)}` : '- (persists nothing)',
        ]),
      ),
    );
  }
  const jvm = res.raw.filter((r) => r.part === 'jvm' && !r.error);
  if (jvm.length) {
    out.push('');
    out.push('Part 3, track call through the Kotlin bindings on the JVM (JNA):');
    for (const r of jvm) {
      out.push(
        `  ${r.kind}: ${r.events} calls, blocked mean ${fmt(r.blocked_us.mean, 2)} / p50 ${fmt(r.blocked_us.p50, 2)} / p99 ${fmt(r.blocked_us.p99, 2)} / max ${fmt(r.blocked_us.max, 0)} µs; ` +
          `all answered in ${fmt(r.answered_ms, 0)} ms (${fmt(r.events_per_s, 0)} events/s), CPU ${fmt(r.cpu_ms, 0)} ms, GC ${fmt(r.gc_ms, 0)} ms (${r.profile})`,
      );
    }
  }
  const backlog = res.raw.find((r) => r.part === 'backlog' && !r.error);
  if (backlog) {
    out.push('');
    out.push(
      `Part 4, backlog: ${backlog.events.toLocaleString('en-US')} events tracked with the collector down, in rounds of ${fmt(backlog.round, 0)} calls each awaited, in ${fmt(backlog.track_ms, 0)} ms (committed ${fmt(backlog.committed_ms, 0)} ms); ` +
        `peak RSS while queued ${fmt(backlog.peak_rss_kb_queued / 1024, 1)} MB, overall ${fmt(backlog.peak_rss_kb / 1024, 1)} MB; database ${fmt(backlog.db_bytes / 1048576, 1)} MB; ` +
        `drained in ${fmt(backlog.drain_ms, 0)} ms; lost ${backlog.lost}, duplicates ${backlog.duplicates}`,
    );
  }
  const startup = res.raw.find((r) => r.part === 'startup' && !r.error);
  if (startup) {
    out.push('');
    out.push(
      `Part 5, start-up to the first committed event (median of 5): empty store ${fmt(startup.empty_ms, 1)} ms, ${startup.stored.toLocaleString('en-US')} stored events ${fmt(startup.stored_ms, 1)} ms`,
    );
  }
  const failed = res.raw.filter((r) => r.error);
  if (failed.length) {
    out.push('');
    out.push(`Failed runs: ${failed.map((r) => `${r.part}${r.peer ? ` ${r.peer}` : ''}${r.kind ? ` ${r.kind}` : ''}: ${r.error}`).join('; ')}`);
  }
  out.push('');
  out.push('Targets:');
  for (const v of res.targets) out.push(`  ${v.verdict.padEnd(12)} ${v.target}: ${v.figures}`);
  out.push('');
  out.push(
    `Total time ${fmt(res.duration_s, 0)} s. Written to ${path.relative(root, path.join(benchDir, 'results.json'))}` +
      (fullRun ? ' and benches/results/latest.json' : ' (not a full run at the default sizes: benches/results/latest.json is left as it was)'),
  );
  return out.join('\n');
}

// ---------------------------------------------------------------- machine

function machine() {
  let cpu = os.cpus()[0] ? os.cpus()[0].model : 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    /* not Linux */
  }
  const rustc = spawnSync('rustc', ['--version'], { encoding: 'utf8' });
  return {
    cpu,
    cores: os.cpus().length,
    ram_gb: Math.round((os.totalmem() / 1073741824) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    kernel: os.release(),
    node: process.version,
    rustc: rustc.status === 0 ? rustc.stdout.trim() : 'unknown',
  };
}

// ---------------------------------------------------------------- main

async function main() {
  progress(
    `parts: ${opts.parts.join(', ')}; e2e ${opts.events} events x ${opts.rounds} round(s)${opts.quick ? ' (quick smoke run)' : ''}`,
  );
  await build();
  const raw = [];
  const needCollector = want('e2e') || want('blocked');
  if (needCollector) await startCollector();
  if (want('e2e')) await runE2e(raw);
  if (want('e2e')) await runFloor(raw);
  if (want('blocked')) await runBlocked(raw);
  stopCollector();
  if (want('jvm')) await runJvm(raw);
  if (want('backlog')) await runBacklog(raw);
  if (want('startup')) await runStartup(raw);

  const medians = e2eMedians(raw);
  const res = {
    date: new Date().toISOString(),
    machine: machine(),
    options: { events: opts.events, rounds: opts.rounds, quick: opts.quick, parts: opts.parts, backlog_events: opts.backlogEvents, startup_stored: opts.startupStored, blocked_events: opts.blockedEvents, jvm_events: opts.jvmEvents },
    duration_s: (Date.now() - started) / 1000,
    medians,
    ratios: ratios(medians),
    targets: null,
    raw,
  };
  res.targets = verdicts(medians, raw);
  console.log(report(res));
  fs.mkdirSync(benchDir, { recursive: true });
  const json = `${JSON.stringify(res, null, 2)}\n`;
  fs.writeFileSync(path.join(benchDir, 'results.json'), json);
  // Only a full run at the default sizes replaces the figures the README quotes.
  if (fullRun) {
    fs.mkdirSync(path.join(root, 'benches', 'results'), { recursive: true });
    fs.writeFileSync(path.join(root, 'benches', 'results', 'latest.json'), json);
  }
  if (raw.some((r) => r.error)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(`bench: ${e.message}`);
  killAll();
  process.exit(1);
});
