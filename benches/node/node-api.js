'use strict';
// Runner for this project's Node API (peer "node"): the repository's lib/node.js
// over the addon named by RN_RUST_TRACKER_ADDON (benches/run.js sets it to the
// release build). Every track call is made without awaiting it; the Promises
// (each resolves once its event is committed to SQLite) are awaited at the end.
const path = require('path');
const { parseArgs, screenIds, apiEvent, waitArrived, timeCalls, printRun } = require('./common');

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const n = args.events;
  const api = require(path.join(__dirname, '..', '..', 'lib', 'node.js'));
  const tracker = api.createTracker(
    'bench',
    { endpoint: args.collector },
    {
      // The events the tracker adds by itself (the install event, a screen_end
      // before each new screen view) are off: every peer sends the same events.
      trackerConfig: { installAutotracking: false, screenEngagementAutotracking: false },
      emitterConfig: { maxEventStoreSize: n + 10000 },
      storage: { directory: args.dir },
    },
  );
  // The tracker opens its database behind the first call: wait for that outside the timing.
  await tracker.getSessionUserId();
  const ids = args.kind === 'screen' ? screenIds(n) : null;
  const promises = new Array(n);
  const event = apiEvent(args.kind, ids);
  const track = args.kind === 'struct' ? tracker.trackStructuredEvent : tracker.trackScreenViewEvent;

  const t0 = process.hrtime.bigint();
  const blocked = timeCalls(n, (i) => {
    promises[i] = track(event(i));
  });
  const tCalls = process.hrtime.bigint();

  let tCommitted = null;
  let rejected = 0;
  const committed = Promise.allSettled(promises).then((settled) => {
    tCommitted = process.hrtime.bigint();
    for (const s of settled) if (s.status === 'rejected') rejected++;
    if (rejected) console.error(`node-api: ${rejected} track calls rejected, first: ${settled.find((s) => s.status === 'rejected').reason}`);
  });
  const arrived = await waitArrived(args.collector, n);
  await committed;

  printRun('node', args, { t0, tCalls, arrivedAt: arrived.at, tCommitted, blocked, extra: { rejected } });
  await api.removeTracker('bench');
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
