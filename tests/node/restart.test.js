'use strict';
/**
 * Restarts: each "app run" is a separate Node process on the same storage
 * directory (fixtures/child.js). Also: a process killed right after its
 * track Promises resolved loses nothing.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const { startCollector } = require('../collector');
const { UUID, tempDir, runChild } = require('./helpers');

test('a second process keeps the user id and starts session 2 by default', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  const dir = tempDir(t);
  const first = await runChild('child.js', [dir, collector.url, '{}']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.result.userId, UUID);
  assert.equal(first.result.sessionIndex, 1);
  assert.equal(first.result.before.sessionId, undefined);

  const second = await runChild('child.js', [dir, collector.url, '{}']);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.result.before.userId, first.result.userId, 'user id available before any event');
  assert.equal(second.result.before.sessionId, undefined, 'no stale session before the first event of a run');
  assert.equal(second.result.userId, first.result.userId);
  assert.equal(second.result.sessionIndex, 2);
  assert.notEqual(second.result.sessionId, first.result.sessionId);

  const events = await collector.waitFor(2);
  assert.equal(events[1].session.previousSessionId, first.result.sessionId);
  assert.equal(events[1].session.userId, first.result.userId);
  assert.equal(events[1].session.eventIndex, 1);
});

test('continueSessionOnRestart continues the stored session within the foreground timeout', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  const dir = tempDir(t);
  const opts = JSON.stringify({ continueSessionOnRestart: true, events: 2 });
  const first = await runChild('child.js', [dir, collector.url, opts]);
  const second = await runChild('child.js', [dir, collector.url, opts]);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.result.sessionId, first.result.sessionId);
  assert.equal(second.result.sessionIndex, 1);
  const events = await collector.waitFor(4);
  assert.deepEqual(events.map((e) => e.session.eventIndex), [1, 2, 3, 4]);
  assert.ok(events.every((e) => e.session.sessionId === first.result.sessionId));

  // Beyond the foreground timeout, even with continueSessionOnRestart, a new session starts.
  const expired = JSON.stringify({ continueSessionOnRestart: true, foregroundTimeout: 0 });
  await new Promise((r) => setTimeout(r, 5));
  const third = await runChild('child.js', [dir, collector.url, expired]);
  assert.equal(third.result.sessionIndex, 2);
  assert.notEqual(third.result.sessionId, first.result.sessionId);
});

test('events survive a crash right after track resolves and a collector outage', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  collector.fail(503);
  const dir = tempDir(t);
  const crashed = await runChild('child.js', [dir, collector.url, JSON.stringify({ events: 5, crash: true })]);
  assert.equal(crashed.signal, 'SIGKILL');
  assert.equal(collector.events.length, 0, 'nothing was accepted while the collector failed');
  collector.fail(null);
  const next = await runChild('child.js', [dir, collector.url, JSON.stringify({ events: 1 })]);
  assert.equal(next.code, 0, next.stderr);
  assert.equal(next.result.flushed, true);
  const events = await collector.waitFor(6);
  assert.equal(events.length, 6, 'every event arrives exactly once');
  assert.deepEqual(events.map((e) => e.data.name), ['Screen 0', 'Screen 1', 'Screen 2', 'Screen 3', 'Screen 4', 'Screen 0']);
  assert.equal(new Set(events.map((e) => e.raw.eid)).size, 6);
  assert.ok(fs.readdirSync(dir).some((f) => f.endsWith('.sqlite')));
});
