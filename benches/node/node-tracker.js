'use strict';
// Runner for @snowplow/node-tracker (peer "node-tracker"), with its default
// emitter: POST, buffer of 10 events on Node, sent with fetch, in-memory event
// store. It persists nothing, so committed_ms is null. Its docs say to call
// flush() so that the events still in the buffer are sent.
//
// The one setting changed: the in-memory store's maxSize (default 1000, oldest
// dropped) is made large enough for N, as this project's maxEventStoreSize is;
// the tracking loop never yields to the emitter, so with the default only the
// last 1000 events would be sent.
const { newTracker, buildStructEvent, buildSelfDescribingEvent } = require('@snowplow/node-tracker');
const { newInMemoryEventStore } = require('@snowplow/tracker-core');
const { parseArgs, screenIds, waitArrived, timeCalls, printRun } = require('./common');

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const n = args.events;
  const tracker = newTracker({ namespace: 'bench', appId: 'bench' }, {
    endpoint: args.collector,
    eventStore: newInMemoryEventStore({ maxSize: n + 10000 }),
  });
  const ids = args.kind === 'screen' ? screenIds(n) : null;

  const t0 = process.hrtime.bigint();
  // buildScreenView has no `type`; the mobile screen_view event (what this project and the
  // mobile trackers send) carries name, type and id, so the same event is tracked self-describing.
  const blocked =
    args.kind === 'struct'
      ? timeCalls(n, (i) => {
          tracker.track(buildStructEvent({ category: 'bench', action: 'track', label: `event ${i}`, property: 'p', value: i }));
        })
      : timeCalls(n, (i) => {
          tracker.track(
            buildSelfDescribingEvent({
              event: {
                schema: 'iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0',
                data: { name: `Screen ${i % 20}`, type: 'feed', id: ids[i] },
              },
            }),
          );
        });
  const tCalls = process.hrtime.bigint();
  // Send what is left in the buffer (fewer than bufferSize events are otherwise kept).
  const flushed = tracker.flush();
  const arrived = await waitArrived(args.collector, n);
  await flushed;

  printRun('node-tracker', args, { t0, tCalls, arrivedAt: arrived.at, tCommitted: null, blocked });
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
