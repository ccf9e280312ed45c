#!/usr/bin/env node
'use strict';
/**
 * `npm run demo`: the documented session example, timed down, through the
 * Node entry against a loopback collector.
 *
 * foregroundTimeout 360 s, backgroundTimeout 1.5 s (the docs' 15 s, scaled):
 * a screen view, the app goes to the background, 2 s pass, it comes back. The
 * Foreground event is checked with the background timeout (2 s > 1.5 s), so it
 * starts session 2. As in Snowplow's 2.x, the first event of a new
 * installation is preceded by application_install. Prints each new session as
 * onSessionUpdate reports it, each event as the collector received it, then
 * the getters.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { createTracker, setAppState, removeAllTrackers } = require('..');
const { startCollector } = require('../tests/collector');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function describe(e) {
  const kind = e.raw.e === 'se' ? 'structured' : (e.schema || '').split('/')[1];
  const s = e.session || {};
  const lifecycle = e.data && ('backgroundIndex' in e.data || 'foregroundIndex' in e.data)
    ? ` ${Object.entries(e.data).map(([k, v]) => `${k}=${v}`).join(' ')}`
    : '';
  return `${kind.padEnd(22)} session ${s.sessionIndex} ${s.sessionId}  event ${s.eventIndex}${lifecycle}`;
}

async function main() {
  const collector = await startCollector();
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'rn-rust-tracker-demo-'));
  console.log(`collector listening on ${collector.url}; databases in ${directory}\n`);

  const tracker = createTracker('appTracker', { endpoint: collector.url }, {
    trackerConfig: { sessionContext: true },
    sessionConfig: {
      foregroundTimeout: 360,
      backgroundTimeout: 1.5,
      onSessionUpdate: (s) => console.log(`       onSessionUpdate: session ${s.sessionIndex} ${s.sessionId} began with event ${s.firstEventId}`),
    },
    storage: { directory },
  });

  console.log('t=0    trackScreenViewEvent({ name: "Home" })');
  await tracker.trackScreenViewEvent({ name: 'Home' });
  console.log('t=0    app goes to the background');
  await setAppState('background');
  console.log('       ... 2 s in the background (backgroundTimeout 1.5 s)');
  await sleep(2000);
  console.log('t=2    app comes back to the foreground');
  await setAppState('active');
  await tracker.flush();
  await collector.waitFor(4);

  console.log('\nEvents received by the collector:');
  for (const e of collector.events) console.log(`  ${describe(e)}`);

  console.log('\nGetters:');
  for (const getter of ['getSessionUserId', 'getSessionId', 'getSessionIndex', 'getIsInBackground', 'getBackgroundIndex', 'getForegroundIndex']) {
    console.log(`  ${getter.padEnd(20)} ${await tracker[getter]()}`);
  }

  const sessions = collector.events.map((e) => e.session.sessionIndex).join(', ');
  console.log(`\n${collector.events.length} events in sessions ${sessions}`);
  await removeAllTrackers();
  await collector.close();
  fs.rmSync(directory, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
