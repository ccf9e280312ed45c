'use strict';
/**
 * The subject of Snowplow's React Native tracker 2.x, end to end through the
 * public API and the real core to the loopback collector: each setter and the
 * payload field it fills (checked field by field on the events received),
 * null clearing a field, setSubjectData, subjectConfig at creation, the
 * platform's time zone and language as defaults, and bad values rejected as
 * INVALID_ARGUMENT without changing anything. Every event is also checked
 * against its Iglu schemas by the collector.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { spawn } = require('child_process');
const { TrackerError } = require('../..');
const { startCollector } = require('../collector');
const { startTracker, received, tempDir } = require('./helpers');

/** The payload fields of the subject. */
const FIELDS = ['uid', 'tnuid', 'duid', 'ua', 'ip', 'tz', 'lang', 'res', 'vp', 'cd'];
const NETWORK_USER_ID = '5b1f2d8e-3c4a-4f6b-9a7d-1e2f3a4b5c6d';
const DOMAIN_USER_ID = 'c0ffee00-1234-4abc-8def-0123456789ab';

/** The subject fields of an event, those present only. */
function subjectOf(e) {
  return Object.fromEntries(FIELDS.filter((k) => e.raw[k] !== undefined).map((k) => [k, e.raw[k]]));
}

/** Each setter, its argument, the field it fills and the value sent. */
const SETTERS = [
  ['setUserId', 'user-42', 'uid', 'user-42'],
  ['setNetworkUserId', NETWORK_USER_ID, 'tnuid', NETWORK_USER_ID],
  ['setDomainUserId', DOMAIN_USER_ID, 'duid', DOMAIN_USER_ID],
  ['setUseragent', 'Mozilla/5.0 (Linux; Android 14; Pixel 8) RustTrackerTest/1.0', 'ua', 'Mozilla/5.0 (Linux; Android 14; Pixel 8) RustTrackerTest/1.0'],
  ['setIpAddress', '203.0.113.7', 'ip', '203.0.113.7'],
  ['setTimezone', 'Europe/Paris', 'tz', 'Europe/Paris'],
  ['setLanguage', 'fr-FR', 'lang', 'fr-FR'],
  ['setScreenResolution', [1080, 2400], 'res', '1080x2400'],
  ['setScreenViewport', [390.7, 844.2], 'vp', '390x844'],
  ['setColorDepth', 24, 'cd', '24'],
];

/** The call is rejected as INVALID_ARGUMENT by `method`, its message matching `pattern`. */
async function invalid(call, method, pattern) {
  await assert.rejects(call, (e) => {
    assert.ok(e instanceof TrackerError, String(e));
    assert.equal(e.code, 'INVALID_ARGUMENT', e.message);
    assert.equal(e.method, method);
    assert.match(e.message, new RegExp(`^${method}: invalid argument: `));
    assert.match(e.message, pattern);
    return true;
  });
}

test('each subject setter fills its payload field on the events after it; null clears it', async (t) => {
  const { collector, tracker } = await startTracker(t);
  // The platform's defaults (tz, lang, res) cleared first, so that nothing is left but what the setters give.
  for (const m of ['setTimezone', 'setLanguage', 'setScreenResolution']) assert.equal(await tracker[m](null), undefined);
  await tracker.trackStructuredEvent({ category: 'subject', action: 'none' });
  for (const [method, value, field] of SETTERS) {
    assert.equal(await tracker[method](value), undefined, `${method} resolves undefined`);
    await tracker.trackStructuredEvent({ category: 'subject', action: `set ${field}` });
  }
  for (const [method, , field] of SETTERS) {
    await tracker[method](null);
    await tracker.trackStructuredEvent({ category: 'subject', action: `cleared ${field}` });
  }
  const events = await received(tracker, collector, 1 + 2 * SETTERS.length);
  assert.deepEqual(subjectOf(events[0]), {}, 'no subject field at all');
  const all = {};
  SETTERS.forEach(([method, , field, sent], i) => {
    all[field] = sent;
    const e = events[1 + i];
    assert.equal(e.raw.se_ac, `set ${field}`);
    assert.deepEqual(subjectOf(e), all, `after ${method}: its field and those before`);
  });
  SETTERS.forEach(([method, , field], i) => {
    delete all[field];
    const e = events[1 + SETTERS.length + i];
    assert.equal(e.raw.se_ac, `cleared ${field}`);
    assert.deepEqual(subjectOf(e), all, `after ${method}(null): ${field} gone, the others kept`);
  });
});

test('setSubjectData sets each key given, clears each null one and keeps the others', async (t) => {
  const { collector, tracker } = await startTracker(t, {
    subjectConfig: { timezone: null, language: null, screenResolution: null },
  });
  assert.equal(
    await tracker.setSubjectData({ userId: 'u-1', ipAddress: '10.0.0.1', screenViewport: [360, 640], colorDepth: 16, language: 'en-GB' }),
    undefined,
  );
  await tracker.trackScreenViewEvent({ name: 'First' });
  await tracker.setSubjectData({ userId: null, colorDepth: 32, networkUserId: NETWORK_USER_ID });
  await tracker.trackScreenViewEvent({ name: 'Second' });
  await tracker.setSubjectData({});
  await tracker.trackScreenViewEvent({ name: 'Third' });
  await tracker.setSubjectData({
    userId: 'all', networkUserId: null, domainUserId: DOMAIN_USER_ID, useragent: 'UA', ipAddress: '::1',
    timezone: 'Asia/Tokyo', language: 'ja', screenResolution: [1, 2], screenViewport: [3, 4], colorDepth: 0,
  });
  await tracker.trackScreenViewEvent({ name: 'Fourth' });
  const screenViews = (await received(tracker, collector, 7)).filter((e) => e.schema.endsWith('/screen_view/jsonschema/1-0-0'));
  assert.deepEqual(screenViews.map((e) => e.data.name), ['First', 'Second', 'Third', 'Fourth']);
  const [first, second, third, fourth] = screenViews.map(subjectOf);
  assert.deepEqual(first, { uid: 'u-1', ip: '10.0.0.1', lang: 'en-GB', vp: '360x640', cd: '16' });
  assert.deepEqual(second, { tnuid: NETWORK_USER_ID, ip: '10.0.0.1', lang: 'en-GB', vp: '360x640', cd: '32' });
  assert.deepEqual(third, second, 'an empty object changes nothing');
  assert.deepEqual(fourth, {
    uid: 'all', duid: DOMAIN_USER_ID, ua: 'UA', ip: '::1', tz: 'Asia/Tokyo', lang: 'ja', res: '1x2', vp: '3x4', cd: '0',
  });
});

test('subjectConfig at creation: every key on the first event and after', async (t) => {
  const { collector, tracker } = await startTracker(t, {
    subjectConfig: {
      userId: 'created-user',
      networkUserId: NETWORK_USER_ID,
      domainUserId: DOMAIN_USER_ID,
      useragent: 'Agent/2.0',
      ipAddress: '198.51.100.23',
      timezone: 'America/New_York',
      language: 'es-MX',
      screenResolution: [1170, 2532],
      screenViewport: [390, 844],
      colorDepth: 32,
    },
  });
  await tracker.trackStructuredEvent({ category: 'c', action: 'first' });
  await tracker.trackSelfDescribingEvent({ schema: 'iglu:com.acme/thing/jsonschema/1-0-0', data: { n: 1 } });
  const events = await received(tracker, collector, 2);
  for (const e of events) {
    assert.deepEqual(subjectOf(e), {
      uid: 'created-user', tnuid: NETWORK_USER_ID, duid: DOMAIN_USER_ID, ua: 'Agent/2.0', ip: '198.51.100.23',
      tz: 'America/New_York', lang: 'es-MX', res: '1170x2532', vp: '390x844', cd: '32',
    });
  }
  assert.equal(events[0].raw.e, 'se');
  assert.equal(events[1].raw.e, 'ue');
});

test('bad subject values are rejected as INVALID_ARGUMENT, naming the value, and change nothing', async (t) => {
  const { collector, tracker } = await startTracker(t, {
    subjectConfig: { userId: 'kept', networkUserId: NETWORK_USER_ID, domainUserId: DOMAIN_USER_ID, timezone: 'Europe/Berlin', language: 'de', screenResolution: [10, 20], screenViewport: [5, 6], colorDepth: 8, useragent: 'UA', ipAddress: '192.0.2.1' },
  });
  const before = { uid: 'kept', tnuid: NETWORK_USER_ID, duid: DOMAIN_USER_ID, ua: 'UA', ip: '192.0.2.1', tz: 'Europe/Berlin', lang: 'de', res: '10x20', vp: '5x6', cd: '8' };
  await invalid(tracker.setUserId(42), 'setUserId', /userId must be a string or null, got number 42/);
  await invalid(tracker.setUserId('x'.repeat(2049)), 'setUserId', /userId must be at most 2048 characters, got 2049/);
  await invalid(tracker.setUserId('a\nb'), 'setUserId', /userId must not contain control characters/);
  await invalid(tracker.setUserId('a', 'b'), 'setUserId', /takes at most 1 argument/);
  await invalid(tracker.setIpAddress(true), 'setIpAddress', /ipAddress must be a string or null, got boolean true/);
  await invalid(tracker.setUseragent([]), 'setUseragent', /useragent must be a string or null/);
  await invalid(tracker.setTimezone(5), 'setTimezone', /timezone must be a string or null, got number 5/);
  await invalid(tracker.setLanguage({}), 'setLanguage', /language must be a string or null/);
  await invalid(tracker.setScreenResolution([1]), 'setScreenResolution', /screenResolution must be an array of two numbers/);
  await invalid(tracker.setScreenResolution('1080x2400'), 'setScreenResolution', /screenResolution must be an array of two numbers .*got string "1080x2400"/);
  await invalid(tracker.setScreenResolution([-1, 5]), 'setScreenResolution', /screenResolution must be an array of two numbers from 0/);
  await invalid(tracker.setScreenViewport([1e7, 1]), 'setScreenViewport', /screenViewport must be an array of two numbers from 0 to 1000000/);
  await invalid(tracker.setScreenViewport([1, NaN]), 'setScreenViewport', /arguments\[0\]\[1\] must be a finite number, got NaN/);
  await invalid(tracker.setColorDepth('24'), 'setColorDepth', /colorDepth must be a number from 0 to 1000000 or null, got string "24"/);
  await invalid(tracker.setColorDepth(-1), 'setColorDepth', /colorDepth must be a number .*got number -1/);
  await invalid(tracker.setSubjectData({ userID: 'x' }), 'setSubjectData', /unknown key "userID"/);
  await invalid(tracker.setSubjectData({ userId: 'new', colorDepth: 'deep' }), 'setSubjectData', /colorDepth must be a number/);
  await invalid(tracker.setSubjectData('x'), 'setSubjectData', /must be an object, got string "x"/);
  await invalid(tracker.setSubjectData(null), 'setSubjectData', /must be an object, got null/);
  await tracker.trackStructuredEvent({ category: 'c', action: 'after refusals' });
  const [e] = await received(tracker, collector, 1);
  assert.deepEqual(subjectOf(e), before, 'every field as before, userId too (setSubjectData is all or nothing)');
});

test('setNetworkUserId and setDomainUserId take any string, as 2.x did (docs/events.md §2)', async (t) => {
  const { collector, tracker } = await startTracker(t, { subjectConfig: { networkUserId: NETWORK_USER_ID, domainUserId: DOMAIN_USER_ID } });
  await tracker.trackStructuredEvent({ category: 'c', action: 'uuids' });
  await tracker.setNetworkUserId('cookie-id-from-the-web');
  await tracker.setSubjectData({ domainUserId: 'web-domain-id' });
  await tracker.trackStructuredEvent({ category: 'c', action: 'strings' });
  await invalid(tracker.setNetworkUserId(42), 'setNetworkUserId', /networkUserId must be a string or null, got number 42/);
  const [first, second] = await received(tracker, collector, 2);
  assert.equal(first.raw.tnuid, NETWORK_USER_ID);
  assert.equal(first.raw.duid, DOMAIN_USER_ID);
  assert.equal(second.raw.tnuid, 'cookie-id-from-the-web');
  assert.equal(second.raw.duid, 'web-domain-id');
});

test('tz and lang default to the platform\'s time zone and language; res, vp, cd, ua have no default in Node', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  const root = path.join(__dirname, '..', '..');
  const script = `
    const { createTracker, removeAllTrackers } = require(${JSON.stringify(root)});
    (async () => {
      const tracker = createTracker('facts', { endpoint: process.argv[1] }, {
        trackerConfig: { installAutotracking: false },
        storage: { directory: process.argv[2] },
      });
      await tracker.trackStructuredEvent({ category: 'c', action: 'host' });
      await tracker.setTimezone(null);
      await tracker.trackStructuredEvent({ category: 'c', action: 'no tz' });
      await tracker.flush();
      await removeAllTrackers();
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  const env = { ...process.env, TZ: 'Australia/Adelaide', LANG: 'pt_BR.UTF-8', LC_ALL: '', LC_MESSAGES: '', LANGUAGE: '' };
  // Not spawnSync: the collector answers from this process's event loop.
  const child = spawn(process.execPath, ['-e', script, collector.url, tempDir(t)], { env, stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const events = await collector.waitFor(2);
  assert.deepEqual(subjectOf(events[0]), { tz: 'Australia/Adelaide', lang: 'pt-BR' });
  assert.deepEqual(subjectOf(events[1]), { lang: 'pt-BR' }, 'setTimezone(null): no tz, not the default again');
});
