'use strict';
/**
 * Sending: batching within emitRange and byteLimitPost, GET, a dead or
 * misbehaving collector (events stay queued, nothing is lost or duplicated),
 * and a corrupt database file.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { createTracker, removeAllTrackers } = require('../..');
const { startCollector } = require('../collector');
const { tempDir, uniqueNamespace } = require('./helpers');

/** 2.x's install and screen_end events off: these tests count the app's own events. */
const APP_EVENTS_ONLY = { installAutotracking: false, screenEngagementAutotracking: false };

test('POST batches respect emitRange and byteLimitPost', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  t.after(() => removeAllTrackers());
  collector.fail(500); // hold everything in the queue until the flush
  const tracker = createTracker(uniqueNamespace('batch'), { endpoint: collector.url }, {
    trackerConfig: { ...APP_EVENTS_ONLY, screenContext: false }, // no screen entity: each event ~1 kB
    emitterConfig: { emitRange: 3, byteLimitPost: 3000 },
    storage: { directory: tempDir(t) },
  });
  const pad = 'p'.repeat(600);
  await Promise.all(Array.from({ length: 10 }, (_, i) => tracker.trackScreenViewEvent({ name: `S${i}`, type: pad })));
  collector.fail(null);
  await tracker.flush();
  const events = await collector.waitFor(10);
  assert.deepEqual(events.map((e) => e.data.name), Array.from({ length: 10 }, (_, i) => `S${i}`), 'queue order');
  const ok = collector.requests.filter((r) => !r.failed);
  for (const r of ok) {
    const n = JSON.parse(r.body).data.length;
    assert.ok(n >= 1 && n <= 3, `at most emitRange events per request, got ${n}`);
    assert.ok(Buffer.byteLength(r.body) <= 3000, `body within byteLimitPost: ${Buffer.byteLength(r.body)}`);
  }
  assert.ok(ok.length >= 4, `10 events of ~1 kB need several requests, got ${ok.length}`);
});

test('GET sends one event per request to /i', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  t.after(() => removeAllTrackers());
  const tracker = createTracker(uniqueNamespace('get'), { endpoint: collector.url, method: 'get' }, { trackerConfig: APP_EVENTS_ONLY, storage: { directory: tempDir(t) } });
  await tracker.trackStructuredEvent({ category: 'c & d', action: 'a=b' });
  await tracker.trackScreenViewEvent({ name: 'Ünïcode ✓' });
  await tracker.flush();
  const events = await collector.waitFor(2);
  assert.deepEqual(collector.requests.map((r) => `${r.method} ${r.path}`), ['GET /i', 'GET /i']);
  assert.equal(events[0].raw.se_ca, 'c & d');
  assert.equal(events[0].raw.se_ac, 'a=b');
  assert.equal(events[1].data.name, 'Ünïcode ✓');
  assert.equal(events[1].session.eventIndex, 2);
});

test('a dead, failing or connection-dropping collector loses nothing and duplicates nothing', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  t.after(() => removeAllTrackers());
  const tracker = createTracker(uniqueNamespace('outage'), { endpoint: collector.url }, { trackerConfig: APP_EVENTS_ONLY, storage: { directory: tempDir(t) } });

  collector.fail(500);
  await tracker.trackScreenViewEvent({ name: 'one' });
  await assert.rejects(tracker.flush(), /flush: network error: collector answered HTTP 500; 1 event\(s\) stay queued and will be retried/);
  collector.fail('drop');
  await tracker.trackScreenViewEvent({ name: 'two' });
  await assert.rejects(tracker.flush(), /flush: network error: could not reach the collector/);
  collector.fail(404);
  await assert.rejects(tracker.flush(), /HTTP 404/);
  assert.equal(collector.events.length, 0);

  collector.fail(null);
  await tracker.trackScreenViewEvent({ name: 'three' });
  await tracker.flush();
  const events = await collector.waitFor(3);
  await tracker.flush();
  assert.deepEqual(events.map((e) => e.data.name), ['one', 'two', 'three']);
  assert.equal(collector.events.length, 3, 'no duplicates after a second flush');
});

test('an unreachable endpoint keeps events queued; the tracker still tracks', async (t) => {
  const collector = await startCollector();
  const url = collector.url;
  await collector.close(); // nothing listens on this port any more
  t.after(() => removeAllTrackers());
  const tracker = createTracker(uniqueNamespace('dead'), { endpoint: url }, { storage: { directory: tempDir(t) } });
  await tracker.trackScreenViewEvent({ name: 'queued' });
  await assert.rejects(tracker.flush(), /could not reach the collector/);
  await tracker.trackScreenViewEvent({ name: 'still tracking' });
  assert.equal(await tracker.getSessionIndex(), 1);
});

test('a corrupt database file is set aside and tracking goes on', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  t.after(() => removeAllTrackers());
  const dir = tempDir(t);
  const namespace = uniqueNamespace('corrupt');
  const file = path.join(dir, `rn-rust-tracker-${namespace}.sqlite`);
  fs.writeFileSync(file, Buffer.alloc(8192, 'garbage! '));
  const tracker = createTracker(namespace, { endpoint: collector.url }, { storage: { directory: dir } });
  await tracker.trackScreenViewEvent({ name: 'fresh start' });
  await tracker.flush();
  const events = await collector.waitFor(1);
  assert.equal(events[0].session.sessionIndex, 1);
  const aside = fs.readdirSync(dir).filter((f) => f.includes('.corrupt-'));
  assert.equal(aside.length, 1, `corrupt file kept aside: ${fs.readdirSync(dir)}`);
  assert.equal(fs.readFileSync(path.join(dir, aside[0])).subarray(0, 8).toString(), 'garbage!');
});

test('an unwritable storage directory is a clear storage error', async (t) => {
  t.after(() => removeAllTrackers());
  const dir = tempDir(t);
  const blocker = path.join(dir, 'a-file');
  fs.writeFileSync(blocker, 'not a directory');
  const tracker = createTracker(uniqueNamespace('nodir'), { endpoint: 'c.io' }, { storage: { directory: path.join(blocker, 'sub') } });
  await assert.rejects(tracker.trackScreenViewEvent({ name: 'x' }), { code: 'STORAGE', method: 'trackScreenViewEvent', message: /^trackScreenViewEvent: storage error: cannot create .*a-file\/sub/ });
});
