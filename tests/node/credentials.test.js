'use strict';
/**
 * Credentials in the endpoint (`https://user:password@host`) are used for
 * sending and never printed: not in a configuration error, whatever is wrong
 * with the endpoint or with a field beside it, and not in the error of a
 * flush against a collector that cannot be reached (POST and GET).
 *
 * The flush case needs the emitter's messages to go through
 * config::redact_endpoint / redact_credentials_in.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { createTracker, removeAllTrackers } = require('../..');
const { startCollector } = require('../collector');
const { tempDir, uniqueNamespace } = require('./helpers');

const PASSWORD = 'pa55-W0rd!';

test('no configuration error shows the password of the endpoint', async (t) => {
  t.after(() => removeAllTrackers());
  const dir = tempDir(t);
  const cases = [
    [{ endpoint: `ftp://alice:${PASSWORD}@c.io` }, {}, /networkConfig\.endpoint must use http or https, got "ftp:\/\/alice:\*\*\*@c\.io"$/],
    [{ endpoint: `https://alice:${PASSWORD}@` }, {}, /networkConfig\.endpoint .*"https:\/\/alice:\*\*\*@"$/],
    [{ endpoint: `https://alice:${PASSWORD}@c.io/?q=1` }, {}, /must not have a query or fragment, got "https:\/\/alice:\*\*\*@c\.io\/\?q=1"$/],
    [{ endpoint: `https://alice:${PASSWORD}@c.io#f` }, {}, /must not have a query or fragment/],
    [{ endpoint: `alice:${PASSWORD}@c.io` }, {}, /must begin with https:\/\/ or http:\/\/ when it has credentials, got "alice:\*\*\*@c\.io"$/],
    [{ endpoint: `https://alice:${PASSWORD}@c.io`, method: 'put' }, {}, /networkConfig\.method: unknown variant `put`/],
    [{ endpoint: `https://alice:${PASSWORD}@c.io` }, { trackerConfig: { appId: `https://bob:${PASSWORD}@x.io`.repeat(10) } }, /trackerConfig\.appId must be at most 255 characters/],
    [{ endpoint: 'c.io' }, { trackerConfig: { devicePlatform: `https://bob:${PASSWORD}@x.io` } }, /trackerConfig\.devicePlatform: unknown variant `https:\/\/bob:\*\*\*@x\.io`/],
    [`https://alice:${PASSWORD}@c.io`, {}, /networkConfig: invalid type: string "https:\/\/alice:\*\*\*@c\.io", expected an object/],
  ];
  for (const [network, controller, expected] of cases) {
    const tracker = createTracker(uniqueNamespace('creds'), network, { storage: { directory: dir }, ...controller });
    const err = await tracker.getSessionId().then(() => assert.fail(String(expected)), (e) => e);
    assert.equal(err.code, 'INVALID_CONFIG', err.message);
    assert.match(err.message, expected);
    assert.ok(!err.message.includes(PASSWORD), err.message);
  }
});

test('a flush against a dead endpoint with credentials does not show the password', async (t) => {
  const collector = await startCollector();
  const port = new URL(collector.url).port;
  await collector.close(); // nothing listens there any more
  t.after(() => removeAllTrackers());
  for (const method of ['post', 'get']) {
    const endpoint = `http://alice:${PASSWORD}@127.0.0.1:${port}`;
    const tracker = createTracker(uniqueNamespace(`deadcreds_${method}`), { endpoint, method }, { storage: { directory: tempDir(t) } });
    await tracker.trackScreenViewEvent({ name: 'x' });
    const err = await tracker.flush().then(() => assert.fail('flushed'), (e) => e);
    assert.equal(err.code, 'NETWORK', err.message);
    assert.ok(!err.message.includes(PASSWORD), `${method}: ${err.message}`);
    assert.ok(err.message.includes(`alice:***@127.0.0.1:${port}`), `${method}: the endpoint is shown, masked: ${err.message}`);
  }
});
