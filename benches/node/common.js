'use strict';
// Shared by the Node runners: the runner protocol's arguments, the events,
// per-call timing, the collector's /stats, and the RESULT line
// (see benches/run.js for the protocol).
const http = require('http');
const crypto = require('crypto');

function parseArgs(argv, needs = ['collector', 'dir']) {
  const args = { collector: null, events: 0, kind: null, dir: null };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[i + 1];
    if (key === '--collector') args.collector = value;
    else if (key === '--events') args.events = Number(value);
    else if (key === '--kind') args.kind = value;
    else if (key === '--dir') args.dir = value;
    else throw new Error(`unknown argument ${key}`);
    i++;
  }
  if (needs.some((k) => !args[k]) || !(args.events > 0) || !['struct', 'screen'].includes(args.kind)) {
    const usage = { collector: '--collector http://127.0.0.1:<port>', dir: '--dir <empty dir>' };
    throw new Error(`usage: ${needs.map((k) => usage[k]).concat('--events N --kind struct|screen').join(' ')}`);
  }
  if (args.collector) args.collector = args.collector.replace(/\/+$/, '');
  return args;
}

/**
 * The ids of the N screen views, made before timing starts (same events for
 * every peer). Each is copied to a flat string: randomUUID returns a rope of
 * concatenated pieces, about 490 bytes of heap per id (65 flat), and 50,000 of them,
 * young when the timed loop starts, made V8's first collections in the loop
 * copy some 25 MB (a call blocked 10-15 ms in every Node runner, whatever it
 * tracked).
 */
function screenIds(n) {
  const ids = new Array(n);
  for (let i = 0; i < n; i++) ids[i] = Buffer.from(crypto.randomUUID(), 'latin1').toString('latin1');
  return ids;
}

/**
 * The i-th event of a run as this project's Node API takes it (the argument of
 * trackStructuredEvent or trackScreenViewEvent): the fields every peer tracks.
 */
function apiEvent(kind, ids) {
  return kind === 'struct'
    ? (i) => ({ category: 'bench', action: 'track', label: `event ${i}`, property: 'p', value: i })
    : (i) => ({ name: `Screen ${i % 20}`, type: 'feed', id: ids[i] });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function getStats(collector) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${collector}/stats`, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls /stats every 5 ms until unique >= n (or 120 s); resolves with the time it saw it (ns). */
async function waitArrived(collector, n) {
  const deadline = process.hrtime.bigint() + 120_000_000_000n;
  for (;;) {
    const stats = await getStats(collector);
    const now = process.hrtime.bigint();
    if (stats.unique >= n || now > deadline) return { at: now, stats };
    await sleep(5);
  }
}

/** mean / p50 / p99 / max of per-call times in µs. */
function summarise(us) {
  const sorted = Float64Array.from(us).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const pick = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const r = (v) => Math.round(v * 1000) / 1000;
  return { mean: r(sum / sorted.length), p50: r(pick(0.5)), p99: r(pick(0.99)), max: r(sorted[sorted.length - 1]) };
}

/**
 * The calls over 1 ms. (The Rust runners also tell which of them were
 * preempted; Node cannot read one thread's context switches.)
 */
function slowCalls(us) {
  let over = 0;
  for (const v of us) if (v > 1000) over++;
  return { over_1ms: over };
}

function ms(fromNs, toNs) {
  return Math.round(Number(toNs - fromNs) / 1000) / 1000;
}

/** Calls `call(i)` for i in 0..n from this thread, timing each call; returns the µs each blocked. */
function timeCalls(n, call) {
  const blocked = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = process.hrtime.bigint();
    call(i);
    blocked[i] = Number(process.hrtime.bigint() - a) / 1000;
  }
  return blocked;
}

/**
 * Prints the RESULT line of an end-to-end run: the timings from `t0` (call
 * loop done at `tCalls`, every event arrived at `arrivedAt`, every Promise
 * settled at `tCommitted`, or null for a peer that commits nothing), the
 * blocked times summarised, and `extra` fields.
 */
function printRun(peer, args, { t0, tCalls, arrivedAt, tCommitted, blocked, extra = {} }) {
  printResult({
    peer,
    kind: args.kind,
    events: args.events,
    elapsed_ms: ms(t0, arrivedAt),
    calls_ms: ms(t0, tCalls),
    committed_ms: tCommitted === null ? null : ms(t0, tCommitted),
    blocked_us: summarise(blocked),
    slow_calls: slowCalls(blocked),
    ...extra,
  });
}

function printResult(fields) {
  const ru = process.resourceUsage();
  const result = {
    ...fields,
    cpu_ms: Math.round((ru.userCPUTime + ru.systemCPUTime) / 1000),
    peak_rss_kb: ru.maxRSS,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

module.exports = { parseArgs, screenIds, apiEvent, slowCalls, getStats, waitArrived, summarise, ms, timeCalls, printRun, printResult, sleep };
