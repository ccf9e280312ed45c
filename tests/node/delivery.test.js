'use strict';
/**
 * Delivery end to end through the Node entry, against real loopback
 * collectors and real SQLite files (docs/delivery.md): refused events among
 * good ones, 413, Retry-After, a redirect to a second collector, a hung
 * collector, the store's limits, the database deleted under a running
 * tracker, two processes on one database, a full disk, credentials and file
 * modes. Every case reads getDeliveryStats().
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { createTracker, removeTracker, removeAllTrackers } = require('../..');
const { startCollector, POST_PATH } = require('../collector');
const { tempDir, uniqueNamespace, runChild } = require('./helpers');

/** Rejects if `promise` has not settled within `ms` (a bound far above the target, for a hang). */
function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** 2.x's install event off: these tests count and order the app's own events. */
const NO_INSTALL = { installAutotracking: false };

async function setup(t, options = {}) {
  const collector = await startCollector();
  t.after(() => collector.close());
  t.after(() => removeAllTrackers());
  const dir = tempDir(t);
  const namespace = uniqueNamespace(options.prefix || 'delivery');
  const tracker = createTracker(namespace, { endpoint: options.endpoint || collector.url, ...options.network }, {
    trackerConfig: NO_INSTALL,
    storage: { directory: dir },
    ...options.controller,
  });
  return { collector, dir, namespace, tracker };
}

const action = (e) => e.raw.se_ac;

test('an event the collector refuses among good ones: the good ones arrive, the refused one is dropped and counted', async (t) => {
  const { collector, tracker } = await setup(t);
  // Queue all twelve first, so that they go out in one batch.
  collector.fail(503);
  for (let i = 0; i < 12; i += 1) {
    await tracker.trackStructuredEvent({ category: 'c', action: i === 5 ? 'poison' : `good ${i}` });
  }
  collector.fail(null);
  collector.respondWith(({ events }) => (events.some((e) => action(e) === 'poison') ? { status: 400 } : undefined));
  await tracker.flush();
  assert.deepEqual(collector.events.map(action).sort(), Array.from({ length: 12 }, (_, i) => `good ${i}`).filter((a) => a !== 'good 5').sort());
  const stats = await tracker.getDeliveryStats();
  assert.deepEqual(stats, { queued: 0, sent: 11, dropped: { storeLimit: 0, rejected: 1, oversized: 0 }, lastError: null });
  // The batch was split until the refused event was alone; good events still went in batches.
  const withPoison = collector.requests.filter((r) => r.body.includes('"se_ac":"poison"'));
  assert.ok(withPoison.length >= 2, `${withPoison.length} requests held the refused event`);
  assert.equal(JSON.parse(withPoison[withPoison.length - 1].body).data.length, 1, 'last alone');
  const accepted = collector.requests.filter((r) => !r.failed).map((r) => JSON.parse(r.body).data.length);
  assert.ok(accepted.some((n) => n > 1), `accepted requests: ${accepted}`);
});

test('413: a batch is split until it fits; a single event still too large is dropped as oversized', async (t) => {
  const { collector, tracker } = await setup(t);
  collector.respondWith(({ events }) =>
    events.length > 2 || events.some((e) => action(e) === 'huge') ? { status: 413 } : undefined);
  for (let i = 0; i < 7; i += 1) {
    await tracker.trackStructuredEvent({ category: 'c', action: i === 6 ? 'huge' : `e${i}` });
  }
  await tracker.flush();
  assert.deepEqual(collector.events.map(action).sort(), ['e0', 'e1', 'e2', 'e3', 'e4', 'e5']);
  const ok = collector.requests.filter((r) => !r.failed);
  assert.ok(ok.every((r) => JSON.parse(r.body).data.length <= 2), 'accepted requests hold at most 2 events');
  const stats = await tracker.getDeliveryStats();
  assert.deepEqual(stats.dropped, { storeLimit: 0, rejected: 0, oversized: 1 });
  assert.equal(stats.sent, 6);
  assert.equal(stats.lastError, 'collector answered HTTP 413; dropped 1 event(s) too large for the collector');
});

test('429 with Retry-After: the retry waits as long as the collector asked', async (t) => {
  const { collector, tracker } = await setup(t);
  let first = true;
  collector.respondWith(() => {
    if (!first) return undefined;
    first = false;
    return { status: 429, headers: { 'Retry-After': '3' } };
  });
  await tracker.trackStructuredEvent({ category: 'c', action: 'throttled' });
  await collector.waitFor(1, 15000);
  const [refused, accepted] = collector.requests;
  assert.ok(refused.failed && !accepted.failed);
  // Exponential backoff alone would retry within 1 s; 3 s were asked for.
  assert.ok(accepted.at - refused.at >= 2900, `retried after ${accepted.at - refused.at} ms`);
  await tracker.flush(); // the delete after the 2xx is done
  assert.equal((await tracker.getDeliveryStats()).lastError, null, 'cleared by the success');
});

test('a 307 to a second collector: same method and body, the events arrive there', async (t) => {
  const second = await startCollector();
  t.after(() => second.close());
  const { collector, tracker } = await setup(t);
  collector.respondWith(({ method }) => ({ status: 307, headers: { Location: `${second.url}${POST_PATH}` }, method }));
  for (let i = 0; i < 3; i += 1) await tracker.trackStructuredEvent({ category: 'c', action: `moved ${i}` });
  await tracker.flush();
  assert.deepEqual(second.events.map(action), ['moved 0', 'moved 1', 'moved 2']);
  assert.equal(collector.events.length, 0);
  assert.ok(second.requests.every((r) => r.method === 'POST'));
  assert.equal((await tracker.getDeliveryStats()).sent, 3);
});

test('a hung collector: removeTracker does not wait for it, flush settles within one request timeout', async (t) => {
  const { collector, tracker, namespace, dir } = await setup(t, { network: { timeout: 1 } });
  collector.hang();
  await tracker.trackStructuredEvent({ category: 'c', action: 'stuck' });
  await assert.rejects(within(15000, tracker.flush(), 'flush'), { code: 'NETWORK' });
  // A tracker whose request hangs for up to 10 minutes is removed at once.
  const slow = createTracker(uniqueNamespace('hung'), { endpoint: collector.url, timeout: 600 }, { trackerConfig: NO_INSTALL, storage: { directory: dir } });
  await slow.trackStructuredEvent({ category: 'c', action: 'stuck too' });
  await new Promise((r) => setTimeout(r, 200)); // its request is on the way
  const flushing = slow.flush();
  flushing.catch(() => undefined);
  assert.equal(await within(5000, removeTracker(uniqueNamespace('none')), 'removeTracker of nothing'), false);
  const started = Date.now();
  const names = [namespace];
  for (const ns of names) assert.equal(await within(5000, removeTracker(ns), 'removeTracker'), true);
  await within(5000, removeAllTrackers(), 'removeAllTrackers with a hung request');
  await assert.rejects(flushing, { code: 'SHUT_DOWN' });
  console.log(`# removal with a hung request took ${Date.now() - started} ms`);
});

test('store limits: with maxEventStoreSize N and the collector down, 3N events keep the newest N', async (t) => {
  const dir = tempDir(t);
  t.after(() => removeAllTrackers());
  const namespace = uniqueNamespace('limits');
  const N = 5;
  const down = createTracker(namespace, { endpoint: 'http://127.0.0.1:9' }, {
    trackerConfig: NO_INSTALL,
    emitterConfig: { maxEventStoreSize: N },
    storage: { directory: dir },
  });
  for (let i = 0; i < 3 * N; i += 1) await down.trackStructuredEvent({ category: 'c', action: `n${i}` });
  const stats = await down.getDeliveryStats();
  assert.equal(stats.queued, N);
  assert.equal(stats.dropped.storeLimit, 2 * N);
  await removeTracker(namespace);
  const collector = await startCollector();
  t.after(() => collector.close());
  const up = createTracker(namespace, { endpoint: collector.url }, { trackerConfig: NO_INSTALL, emitterConfig: { maxEventStoreSize: N }, storage: { directory: dir } });
  await up.flush();
  assert.deepEqual(collector.events.map(action), ['n10', 'n11', 'n12', 'n13', 'n14'], 'the newest N, in order');
  assert.deepEqual((await up.getDeliveryStats()).dropped.storeLimit, 2 * N, 'counted since the database was created');
});

test('the database deleted under a running tracker: its events and user id are carried into a new file', async (t) => {
  const dir = tempDir(t);
  t.after(() => removeAllTrackers());
  const namespace = uniqueNamespace('deleted');
  const tracker = createTracker(namespace, { endpoint: 'http://127.0.0.1:9' }, { trackerConfig: NO_INSTALL, storage: { directory: dir } });
  for (let i = 0; i < 3; i += 1) await tracker.trackStructuredEvent({ category: 'c', action: `before ${i}` });
  const userId = await tracker.getSessionUserId();
  const db = fs.readdirSync(dir).find((f) => f.endsWith('.sqlite'));
  for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
  assert.ok(!fs.existsSync(path.join(dir, db)));
  await tracker.trackStructuredEvent({ category: 'c', action: 'after' });
  assert.ok(fs.existsSync(path.join(dir, db)), 'a new file at the same path');
  await removeTracker(namespace);
  const collector = await startCollector();
  t.after(() => collector.close());
  const again = createTracker(namespace, { endpoint: collector.url }, { trackerConfig: NO_INSTALL, storage: { directory: dir } });
  await again.flush();
  assert.deepEqual(collector.events.map(action), ['before 0', 'before 1', 'before 2', 'after']);
  assert.equal(await again.getSessionUserId(), userId, 'the user id survived');
});

test('two processes on one database: the second gets a clear error naming the first', async (t) => {
  const dir = tempDir(t);
  t.after(() => removeAllTrackers());
  const tracker = createTracker('restartTracker', { endpoint: 'http://127.0.0.1:9' }, { trackerConfig: NO_INSTALL, storage: { directory: dir } });
  await tracker.trackStructuredEvent({ category: 'c', action: 'first process' });
  const child = await runChild('child.js', [dir, 'http://127.0.0.1:9', '{}']);
  assert.equal(child.code, 1);
  assert.match(child.result.error, new RegExp(`rn-rust-tracker-restartTracker\\.sqlite is in use by process ${process.pid}`));
  assert.equal((await tracker.getDeliveryStats()).queued, 1, 'the first process goes on');
  await removeTracker('restartTracker');
  const after = await runChild('child.js', [dir, 'http://127.0.0.1:9', '{"flush":false}']);
  assert.equal(after.code, 0, 'free once the first tracker is gone');
});

test('database files are private to the user; credentials in the endpoint are never printed', { skip: process.platform === 'win32' }, async (t) => {
  const parent = tempDir(t);
  const dir = path.join(parent, 'made-by-the-tracker');
  t.after(() => removeAllTrackers());
  const tracker = createTracker(uniqueNamespace('private'), { endpoint: 'http://alice:s3cr3t-pw@127.0.0.1:9' }, { trackerConfig: NO_INSTALL, storage: { directory: dir } });
  await tracker.trackStructuredEvent({ category: 'c', action: 'x' });
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  for (const f of fs.readdirSync(dir).filter((f) => /\.sqlite(-wal|-shm)?$/.test(f))) {
    assert.equal(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600, f);
  }
  const err = await tracker.flush().then(() => null, (e) => e);
  assert.equal(err.code, 'NETWORK');
  assert.doesNotMatch(err.message, /s3cr3t-pw/);
  assert.doesNotMatch((await tracker.getDeliveryStats()).lastError, /s3cr3t-pw/);
});

test('a full disk: track calls reject with a clear error, and everything resumes once space is back', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to mount a small tmpfs');
  const mount = fs.mkdtempSync(path.join(os.tmpdir(), 'rn-rust-tracker-full-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
  if (mounted.status !== 0) {
    fs.rmSync(mount, { recursive: true, force: true });
    return t.skip(`cannot mount a tmpfs here (${String(mounted.stderr).trim()})`);
  }
  t.after(() => {
    spawnSync('umount', ['-l', mount]);
    fs.rmSync(mount, { recursive: true, force: true });
  });
  t.after(() => removeAllTrackers());
  const collector = await startCollector();
  t.after(() => collector.close());
  collector.fail(503);
  const tracker = createTracker(uniqueNamespace('full'), { endpoint: collector.url }, {
    trackerConfig: NO_INSTALL,
    emitterConfig: { maxEventStoreSize: 100000 },
    storage: { directory: path.join(mount, 'db') },
  });
  // Space the test can give back later.
  const filler = path.join(mount, 'filler');
  fs.writeFileSync(filler, Buffer.alloc(256 * 1024));
  const label = 'x'.repeat(4000);
  let resolved = 0;
  let error = null;
  for (let i = 0; i < 2000 && !error; i += 1) {
    await tracker.trackStructuredEvent({ category: 'c', action: `e${i}`, label }).then(() => (resolved += 1), (e) => (error = e));
  }
  assert.ok(error, 'the disk filled up');
  assert.equal(error.code, 'STORAGE');
  assert.match(error.message, /disk is full/);
  // Space comes back: later calls succeed and every resolved event is
  // delivered exactly once.
  fs.rmSync(filler);
  collector.fail(null);
  await tracker.flush();
  await tracker.trackStructuredEvent({ category: 'c', action: 'after' });
  await tracker.flush();
  const actions = collector.events.map(action);
  assert.equal(new Set(actions).size, actions.length, 'no duplicates');
  assert.equal(actions.length, resolved + 1, 'every resolved event, and the one after');
});

test('space goes back to the file system once the queue drains', async (t) => {
  const dir = tempDir(t);
  t.after(() => removeAllTrackers());
  const namespace = uniqueNamespace('shrink');
  const controller = { trackerConfig: NO_INSTALL, emitterConfig: { maxEventStoreSize: 100000 }, storage: { directory: dir } };
  const down = createTracker(namespace, { endpoint: 'http://127.0.0.1:9' }, controller);
  const label = 'y'.repeat(4000);
  for (let i = 0; i < 3000; i += 1) down.trackStructuredEvent({ category: 'c', action: `s${i}`, label });
  await down.getSessionIndex(); // after every track call
  const size = () => fs.readdirSync(dir).filter((f) => /\.sqlite(-wal)?$/.test(f)).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
  const full = size();
  assert.ok(full > 10e6, `the queue takes ${full} bytes`);
  await removeTracker(namespace);
  const collector = await startCollector();
  t.after(() => collector.close());
  const up = createTracker(namespace, { endpoint: collector.url }, controller);
  await up.flush();
  assert.equal(collector.events.length, 3000);
  const drained = size();
  assert.ok(drained < full / 20, `${full} bytes while queued, ${drained} once drained`);
  console.log(`# ${full} bytes while queued, ${drained} once drained`);
});

test('GET: an event is measured as its percent-encoded URL, and one that could never be sent is rejected when tracked', async (t) => {
  const { collector, tracker } = await setup(t, { network: { method: 'get' }, controller: { emitterConfig: { byteLimitGet: 3000 } } });
  // 'é€' is 5 bytes, 15 percent-encoded: this label is 1,500 bytes as data (the
  // whole event fits in 3000 unencoded) but 4,500 in the URL.
  await assert.rejects(tracker.trackStructuredEvent({ category: 'c', action: 'big', label: 'é€'.repeat(300) }), {
    code: 'INVALID_EVENT',
    message: /over emitterConfig\.byteLimitGet \(3000\); it was not tracked/,
  });
  await tracker.trackStructuredEvent({ category: 'c', action: 'small', label: 'é€'.repeat(30) });
  await tracker.flush();
  assert.deepEqual(collector.events.map(action), ['small']);
  assert.ok(collector.requests.every((r) => r.method === 'GET'));
});

test('2.x network and emitter options: customPostPath, requestHeaders, serverAnonymisation', async (t) => {
  const collector = await startCollector({ postPath: '/custom/path' });
  t.after(() => collector.close());
  t.after(() => removeAllTrackers());
  const tracker = createTracker(uniqueNamespace('options'), {
    endpoint: collector.url,
    customPostPath: 'custom/path',
    requestHeaders: { 'X-Api-Key': 'k-123', 'X-Tenant': 'acme' },
  }, { trackerConfig: NO_INSTALL, emitterConfig: { serverAnonymisation: true }, storage: { directory: tempDir(t) } });
  await tracker.trackStructuredEvent({ category: 'c', action: 'with options' });
  await tracker.flush();
  assert.deepEqual(collector.events.map(action), ['with options']);
  const [request] = collector.requests;
  assert.equal(request.path, '/custom/path');
  assert.equal(request.headers['x-api-key'], 'k-123');
  assert.equal(request.headers['x-tenant'], 'acme');
  assert.equal(request.headers['sp-anonymous'], '*');
});

test('options of 2.x that have no effect are accepted and reported once at logLevel error', async (t) => {
  t.after(() => removeAllTrackers());
  const warnings = [];
  const original = console.warn;
  console.warn = (line) => warnings.push(line);
  t.after(() => (console.warn = original));
  const dir = tempDir(t);
  const quiet = createTracker(uniqueNamespace('quiet'), { endpoint: 'http://127.0.0.1:9' }, {
    trackerConfig: { geoLocationContext: true },
    storage: { directory: dir },
  });
  await quiet.trackStructuredEvent({ category: 'c', action: 'a' });
  const namespace = uniqueNamespace('told');
  const told = createTracker(namespace, { endpoint: 'http://127.0.0.1:9' }, {
    trackerConfig: { logLevel: 'error', geoLocationContext: true, installAutotracking: true, screenContext: false },
    emitterConfig: { bufferOption: 'large', threadPoolSize: 4 },
    storage: { directory: dir },
  });
  await told.trackStructuredEvent({ category: 'c', action: 'a' });
  assert.deepEqual(warnings, [
    `[react-native-rust-tracker] ${namespace}: trackerConfig.geoLocationContext has no effect: the tracker does not read the device's location; add a geolocation_context entity to your events (or as a global context) from your app's own location permission`,
    `[react-native-rust-tracker] ${namespace}: emitterConfig.bufferOption has no effect: events are sent as soon as they are stored, in batches of up to emitRange`,
    `[react-native-rust-tracker] ${namespace}: emitterConfig.threadPoolSize has no effect: each tracker sends on one thread of its own`,
  ]);
});
