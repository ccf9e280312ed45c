'use strict';
// The floor under the Node API's caller-blocked maxima (part "floor"; no
// tracker, no collector, no other thread at work). The call loop of
// node-api.js, each call doing the least that a track call returning a
// Promise can do: encode its arguments as the API does (JSON.stringify) and
// return a Promise chained on one pending Promise, which the loop holds as
// node-api.js holds the tracker's. Every such Promise stays alive until the
// loop ends, so V8's young-generation collections during the loop copy more
// of them each time; the slowest calls here are what those collections cost
// any Promise-per-call API in a loop of this size, whatever it does inside.
//
// Arguments: --events N --kind struct|screen. Prints one RESULT line.
const { parseArgs, screenIds, apiEvent, timeCalls, summarise, slowCalls, printResult } = require('./common');

async function main() {
  const args = parseArgs(process.argv.slice(2), []);
  const n = args.events;
  const ids = args.kind === 'screen' ? screenIds(n) : null;
  const event = apiEvent(args.kind, ids);
  const promises = new Array(n);
  let open;
  const pending = new Promise((resolve) => {
    open = resolve;
  });
  const settled = () => undefined;
  const failed = (e) => {
    throw e;
  };
  // Summed and printed, so that the encoding is work V8 cannot drop.
  let encoded = 0;
  const track = (...callArgs) => {
    encoded += JSON.stringify(callArgs).length;
    return pending.then(settled, failed);
  };

  const blocked = timeCalls(n, (i) => {
    promises[i] = track(event(i));
  });
  open();
  await Promise.all(promises);
  printResult({ peer: 'js-floor', kind: args.kind, events: n, encoded_bytes: encoded, blocked_us: summarise(blocked), slow_calls: slowCalls(blocked) });
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
