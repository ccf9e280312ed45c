'use strict';
/**
 * Order is part of the contract (docs/sessions.md §5): calls made one after
 * another from JavaScript, without waiting for their Promises, reach the core
 * in that order. Driven the way React Native drives the module: one thread,
 * hundreds of rounds of track / startNewSession / track / getSessionIndex,
 * nothing awaited until the end.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { createTracker, removeAllTrackers } = require('../..');
const { startCollector } = require('../collector');
const { tempDir, uniqueNamespace } = require('./helpers');

const ROUNDS = 300;

test('§5.1–§5.4: un-awaited calls keep their order; getters see exactly the calls before them; dtm never goes back', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  t.after(() => removeAllTrackers());
  const tracker = createTracker(uniqueNamespace('order'), { endpoint: collector.url }, {
    trackerConfig: { installAutotracking: false }, // the app's events only
    emitterConfig: { emitRange: 100 },
    storage: { directory: tempDir(t) },
  });

  const tracks = [];
  const resets = [];
  const indexes = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    tracks.push(tracker.trackStructuredEvent({ category: 'order', action: 'before', property: String(round) }));
    resets.push(tracker.startNewSession());
    tracks.push(tracker.trackStructuredEvent({ category: 'order', action: 'after', property: String(round) }));
    indexes.push(tracker.getSessionIndex());
  }
  await Promise.all([...tracks, ...resets]);
  const seen = await Promise.all(indexes);

  // In order: round r's first event continues session r+1 (session 1 for the
  // first event ever), startNewSession makes its second event start r+2, and
  // the getter after it reports r+2.
  const expected = Array.from({ length: ROUNDS }, (_, r) => r + 2);
  assert.deepEqual(seen, expected, 'each getter saw exactly the calls made before it');

  await tracker.flush();
  const events = await collector.waitFor(2 * ROUNDS);
  assert.equal(events.length, 2 * ROUNDS, 'every event arrived once');
  events.forEach((e, i) => {
    const round = Math.floor(i / 2);
    assert.equal(e.raw.se_pr, String(round), `event ${i} is in queue order`);
    assert.equal(e.raw.se_ac, i % 2 === 0 ? 'before' : 'after');
    assert.equal(e.session.sessionIndex, round + 1 + (i % 2), `event ${i}: no spurious session`);
    if (i > 0) assert.ok(Number(e.raw.dtm) >= Number(events[i - 1].raw.dtm), `dtm of event ${i} does not go back`);
  });
  console.log(`# ${ROUNDS} rounds: ${seen.length} getters in order, ${events.length} events in order, dtm non-decreasing`);
});
