'use strict';
/**
 * The Iglu checking every test relies on: the loopback collector checks each
 * event it receives against the bundled official schemas (tests/node/iglu.js,
 * tests/fixtures/iglu/) and its close() rejects with the invalid ones, so no
 * test of the suite can receive an invalid event and pass. Here without the
 * tracker: requests written by hand, and the checker against the keywords of
 * the schemas the tracker's entities use.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { startCollector, POST_PATH } = require('../collector');
const { ROOT, schemaOf, checkSelfDescribing, checkEvent, isOfficial } = require('./iglu');

const PAYLOAD_DATA = 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4';
const UNSTRUCT = 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0';
const CONTEXTS = 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1';
const SCREEN = 'iglu:com.snowplowanalytics.mobile/screen/jsonschema/1-0-0';
const SCREEN_ID = '5b1f2d8e-3c4a-4f6b-9a7d-1e2f3a4b5c6d';

const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const b64std = (o) => Buffer.from(JSON.stringify(o)).toString('base64');

/** A minimal valid payload of one self-describing event with `entities`. */
function event({ schema, data }, entities = [], encode = b64url) {
  return {
    e: 'ue',
    eid: '0b5e8f1c-2a3d-4e5f-8a9b-0c1d2e3f4a5b',
    tv: 'test',
    p: 'mob',
    dtm: '1700000000000',
    stm: '1700000000001',
    ue_px: encode({ schema: UNSTRUCT, data: { schema, data } }),
    cx: encode({ schema: CONTEXTS, data: entities }),
  };
}

function post(url, events) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ schema: PAYLOAD_DATA, data: events });
    const req = http.request(`${url}${POST_PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function get(url, params) {
  return new Promise((resolve, reject) => {
    http.get(`${url}/i?${new URLSearchParams(params)}`, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject);
  });
}

/** Every bundled schema file, as an Iglu URI. */
function bundled() {
  const uris = [];
  for (const vendor of fs.readdirSync(ROOT).filter((d) => fs.statSync(path.join(ROOT, d)).isDirectory())) {
    for (const name of fs.readdirSync(path.join(ROOT, vendor))) {
      for (const format of fs.readdirSync(path.join(ROOT, vendor, name))) {
        for (const version of fs.readdirSync(path.join(ROOT, vendor, name, format))) uris.push(`iglu:${vendor}/${name}/${format}/${version}`);
      }
    }
  }
  return uris;
}

test('every bundled schema is an official one, where its self says, and uses only what the checker knows', () => {
  const uris = bundled();
  assert.ok(uris.length >= 25, `${uris.length} schemas`);
  for (const uri of uris) {
    assert.ok(isOfficial(uri), uri);
    const schema = schemaOf(uri); // throws on an unknown keyword or format anywhere in it
    const { vendor, name, format, version } = schema.self;
    assert.equal(`iglu:${vendor}/${name}/${format}/${version}`, uri);
  }
});

test('the checker: enum with null, uuid and uri formats, maxLength, additionalProperties false, integer bounds, minProperties', () => {
  const MOBILE = 'iglu:com.snowplowanalytics.snowplow/mobile_context/jsonschema/1-0-3';
  const device = { osType: 'android', osVersion: '14', deviceManufacturer: 'Google', deviceModel: 'Pixel 8' };
  const valid = [
    [MOBILE, { ...device, networkType: null, batteryState: null, physicalMemory: 8 * 2 ** 30, scale: 2.75, language: 'fr-FR', isPortrait: true }],
    [MOBILE, { ...device, networkType: 'wifi', resolution: '1080x2400' }],
    [SCREEN, { id: SCREEN_ID, name: 'Home', type: 'feed' }],
    ['iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0', { id: SCREEN_ID, name: 'B', previousId: SCREEN_ID, previousName: 'A', previousType: 't' }],
    ['iglu:com.snowplowanalytics.mobile/screen_summary/jsonschema/1-0-0', { foreground_sec: 1.5, background_sec: 0, min_y_offset: -20, items_count: 65535 }],
    ['iglu:com.snowplowanalytics.mobile/deep_link/jsonschema/1-0-0', { url: 'myapp://item/1?q=caf%C3%A9', referrer: 'https://mail.example/x' }],
    ['iglu:com.snowplowanalytics.mobile/application/jsonschema/1-0-0', { version: '1.2.3', build: '45' }],
    ['iglu:com.snowplowanalytics.mobile/application_install/jsonschema/1-0-0', {}],
    ['iglu:com.snowplowanalytics.mobile/screen_end/jsonschema/1-0-0', {}],
    ['iglu:com.snowplowanalytics.snowplow/gdpr/jsonschema/1-0-0', { basisForProcessing: 'consent', documentId: null, documentVersion: '1.0' }],
    ['iglu:com.snowplowanalytics.snowplow/application_error/jsonschema/1-0-2', { message: 'boom', programmingLanguage: 'JAVASCRIPT', isFatal: true, stackTrace: null }],
    ['iglu:com.snowplowanalytics.mobile/application_lifecycle/jsonschema/1-0-0', { isVisible: true, index: 1 }],
  ];
  for (const [schema, data] of valid) assert.deepEqual(checkSelfDescribing({ schema, data }), [], `${schema} ${JSON.stringify(data)}`);
  const bad = [
    [MOBILE, { ...device, networkType: 'cable' }, /networkType must be one of/],
    [MOBILE, { ...device, batteryState: 'empty' }, /batteryState must be one of/],
    [MOBILE, { ...device, language: 'x'.repeat(9) }, /language is 9 characters, over 8/],
    [MOBILE, { osType: 'android' }, /lacks the required osVersion/],
    [MOBILE, { ...device, physicalMemory: -1 }, /physicalMemory is -1, under 0/],
    [MOBILE, { ...device, appSetId: 'not-a-uuid' }, /is not a uuid/],
    [SCREEN, { id: 'screen-1', name: 'Home' }, /id is not a uuid/],
    [SCREEN, { id: SCREEN_ID, name: 'Home', previousName: 'A' }, /has previousName, which the schema does not allow/],
    ['iglu:com.snowplowanalytics.mobile/screen_summary/jsonschema/1-0-0', { foreground_sec: 1, last_item_index: 65536 }, /over 65535/],
    ['iglu:com.snowplowanalytics.mobile/screen_summary/jsonschema/1-0-0', { foreground_sec: 1, max_y_offset: 1.5 }, /must be integer or null/],
    ['iglu:com.snowplowanalytics.mobile/screen_summary/jsonschema/1-0-0', { background_sec: 1 }, /lacks the required foreground_sec/],
    ['iglu:com.snowplowanalytics.mobile/deep_link/jsonschema/1-0-0', { url: 'no scheme' }, /is not a uri/],
    ['iglu:com.snowplowanalytics.mobile/application_install/jsonschema/1-0-0', { at: 1 }, /has at, which the schema does not allow/],
    ['iglu:com.snowplowanalytics.snowplow/gdpr/jsonschema/1-0-0', { basisForProcessing: 'because' }, /must be one of/],
    ['iglu:com.snowplowanalytics.snowplow/gdpr/jsonschema/1-0-0', { basisForProcessing: 'consent', documentVersion: 'v'.repeat(17) }, /over 16/],
    ['iglu:com.snowplowanalytics.snowplow/application_error/jsonschema/1-0-2', { message: 'm', programmingLanguage: 'TYPESCRIPT' }, /must be one of/],
    ['iglu:com.snowplowanalytics.snowplow/application_error/jsonschema/1-0-2', { message: 'm'.repeat(2049), programmingLanguage: 'JAVASCRIPT' }, /over 2048/],
  ];
  for (const [schema, data, expected] of bad) {
    const errors = checkSelfDescribing({ schema, data });
    assert.ok(errors.some((m) => expected.test(m)), `${schema} ${JSON.stringify(data)}: ${errors.join('; ')}`);
  }
});

test('checkEvent: official vendors need their schema, the app\'s own vendors are skipped', async () => {
  const decode = require('../collector').decode;
  const acme = { schema: 'iglu:com.acme/anything/jsonschema/1-0-0', data: { whatever: [1] } };
  assert.deepEqual(checkEvent(decode(event(acme, [acme, { schema: 'iglu:com.example/x/jsonschema/2-0-0', data: {} }]))), []);
  const unknownOfficial = { schema: 'iglu:com.snowplowanalytics.snowplow/no_such_thing/jsonschema/1-0-0', data: {} };
  assert.match(checkEvent(decode(event(unknownOfficial))).join('\n'), /event: no fixture for iglu:com\.snowplowanalytics\.snowplow\/no_such_thing/);
  assert.match(checkEvent(decode(event(acme, [unknownOfficial]))).join('\n'), /contexts\[0\]: no fixture/);
  assert.match(checkEvent(decode(event({ schema: 'iglu:com.acme/x/jsonschema/1-0', data: {} }))).join('\n'), /unstruct_event\.schema does not match/);
  assert.match(checkEvent(decode(event(acme, [{ schema: SCREEN, data: { name: 'Home' } }]))).join('\n'), /contexts\[0\]: .*lacks the required id/);
});

test('the collector checks every event it receives; close() rejects with the invalid ones', async () => {
  const collector = await startCollector();
  const acme = { schema: 'iglu:com.acme/ok/jsonschema/1-0-0', data: {} };
  assert.equal(await post(collector.url, [event(acme, [{ schema: SCREEN, data: { id: SCREEN_ID, name: 'Home' } }], b64std)]), 200);
  assert.deepEqual(collector.problems, [], 'valid, in standard base64 too');
  assert.equal(await post(collector.url, [event(acme, [{ schema: SCREEN, data: { id: 'x', name: 'Home' } }])]), 200);
  collector.fail(500);
  const gdpr = { schema: 'iglu:com.snowplowanalytics.snowplow/gdpr/jsonschema/1-0-0', data: { basisForProcessing: 'whim' } };
  assert.equal(await post(collector.url, [event(acme, [gdpr])]), 500, 'refused requests are checked too');
  collector.fail(null);
  const { ue_px: _, ...structured } = event(acme);
  assert.equal(await get(collector.url, { ...structured, e: 'se', se_ca: 'c', se_ac: 'a', nonsense: '1' }), 200);
  assert.equal(await get(collector.url, { ...event(acme), ue_px: 'not base64 json' }), 200);
  assert.equal(collector.problems.length, 4, collector.problems.join('\n'));
  assert.match(collector.problems[0], /contexts\[0\]: .*id is not a uuid/);
  assert.match(collector.problems[1], /basisForProcessing must be one of/);
  assert.match(collector.problems[2], /payload\[0\] has nonsense, which the schema does not allow/);
  assert.match(collector.problems[3], /cannot be decoded/);
  await assert.rejects(collector.close(), /the collector received 4 invalid event\(s\):\n.*id is not a uuid/);
});

test('a collector never closed with invalid events fails its process', () => {
  const { spawnSync } = require('child_process');
  const script = `
    const http = require('http');
    const { startCollector } = require(${JSON.stringify(path.join(__dirname, '..', 'collector.js'))});
    startCollector().then((c) => {
      const body = JSON.stringify({ schema: '${PAYLOAD_DATA}', data: [{ e: 'pv', tv: 't', p: 'mob', eid: 'e', bad: '1' }] });
      const req = http.request(c.url + '${POST_PATH}', { method: 'POST' }, (res) => { res.resume(); res.on('end', () => process.exit(0)); });
      req.end(body);
    });
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /collector: 1 invalid event\(s\) never reported by close\(\):\n.*bad, which the schema does not allow/);
});
