'use strict';
/** Shared helpers of the Node end-to-end tests (real core through the addon). */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Keys payload_data 1-0-4 allows in an event. */
const ALLOWED_KEYS = new Set(
  ('tna aid p dtm tz e tid eid tv duid nuid uid vid ip res url page refr fp ctype cookie lang f_pdf f_qt ' +
    'f_realp f_wma f_dir f_fla f_java f_gears f_ag cd ds cs vp mac pp_mix pp_max pp_miy pp_may ad_ba ad_ca ' +
    'ad_ad ad_uid tr_id tr_af tr_tt tr_tx tr_sh tr_ci tr_st tr_co tr_cu ti_id ti_sk ti_nm ti_na ti_ca ti_pr ' +
    'ti_qu ti_cu sa sn st sp se_ca se_ac se_la se_pr se_va ue_na ue_pr ue_px co cx ua tnuid stm sid ttm').split(' '),
);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rn-rust-tracker-test-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let counter = 0;
function uniqueNamespace(prefix = 'ns') {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}`;
}

/** Runs a fixture script in a new Node process; resolves with its parsed JSON output. */
function runChild(script, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', script), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code, signal) => {
      const lastLine = out.trim().split('\n').pop() || '{}';
      try {
        resolve({ code, signal, result: JSON.parse(lastLine), stderr: err });
      } catch (e) {
        reject(new Error(`child output not JSON (code ${code}, signal ${signal}): ${out}\n${err}`));
      }
    });
  });
}

/**
 * A loopback collector and a tracker of a new namespace on a new storage
 * directory (or `directory`), both gone after the test: the collector's
 * close() fails the test if any event it received was invalid against its
 * Iglu schemas. 2.x's install event is off unless `trackerConfig` turns it
 * on, so that a test counts the events of its own calls.
 */
async function startTracker(t, controllerConfig = {}, { namespace = uniqueNamespace('t'), directory, network = {}, collector } = {}) {
  const { createTracker, removeAllTrackers } = require('../..');
  const { startCollector } = require('../collector');
  if (!collector) {
    collector = await startCollector();
    t.after(() => collector.close());
  }
  t.after(() => removeAllTrackers());
  const { trackerConfig = {}, ...rest } = controllerConfig;
  const tracker = createTracker(namespace, { endpoint: collector.url, ...network }, {
    trackerConfig: { installAutotracking: false, ...trackerConfig },
    storage: { directory: directory ?? tempDir(t) },
    ...rest,
  });
  return { collector, tracker, namespace };
}

/**
 * Flushes, then returns the events the collector received: exactly `n`
 * (nothing more arrives within a moment).
 */
async function received(tracker, collector, n) {
  const assert = require('node:assert/strict');
  await tracker.flush();
  const events = n === 0 ? collector.events : await collector.waitFor(n);
  await sleep(50);
  assert.equal(collector.events.length, n, `exactly ${n} event(s): ${collector.events.map((e) => e.schema ?? e.raw.e).join(', ')}`);
  return events.slice();
}

module.exports = { UUID, ALLOWED_KEYS, sleep, tempDir, uniqueNamespace, runChild, startTracker, received };
