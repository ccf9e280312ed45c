'use strict';
/**
 * A 2.x app moving over, end to end: a configuration with every key of
 * Snowplow's React Native tracker 2.1.2 (the key lists read from its own
 * type declarations, so none can be forgotten) creates a working tracker
 * whose events arrive with what each key asks for; and an unknown key in an
 * event argument of any track method still tracks the event, the reply's log
 * naming the key (printed with console.warn when logLevel allows).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const ts = require('typescript');
const { createTracker, removeAllTrackers } = require('../..');
const { startCollector } = require('../collector');
const { UUID, startTracker, received, tempDir, uniqueNamespace } = require('./helpers');

const SCHEMAS = {
  session: 'iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2',
  gdpr: 'iglu:com.snowplowanalytics.snowplow/gdpr/jsonschema/1-0-0',
  install: 'iglu:com.snowplowanalytics.mobile/application_install/jsonschema/1-0-0',
  screenView: 'iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0',
  screen: 'iglu:com.snowplowanalytics.mobile/screen/jsonschema/1-0-0',
};
const PREFIX = '[react-native-rust-tracker]';

/** The property names of each interface of 2.1.2's types.d.ts. */
function interfacesOf2x() {
  const file = path.join(path.dirname(require.resolve('@snowplow/react-native-tracker/package.json')), 'lib', 'typescript', 'types.d.ts');
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out = {};
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) {
      out[node.name.text] = node.members.filter(ts.isPropertySignature).map((m) => m.name.getText(source));
    }
  });
  return out;
}

/** console.warn's lines during the test. */
function warnings(t) {
  const lines = [];
  t.mock.method(console, 'warn', (...args) => lines.push(args.map(String).join(' ')));
  return lines;
}

test('a 2.x configuration with every key of 2.1.2 creates a working tracker whose events carry what the keys ask', async (t) => {
  const collector = await startCollector({ postPath: '/com.acme/track' });
  t.after(() => collector.close());
  t.after(() => removeAllTrackers());
  const lines = warnings(t);
  const sessions = [];
  const namespace = uniqueNamespace('migrated');
  const networkConfig = {
    endpoint: collector.url,
    method: 'post',
    customPostPath: 'com.acme/track',
    requestHeaders: { 'X-Api-Key': 'key-123' },
  };
  const trackerConfig = {
    appId: 'shop-app',
    devicePlatform: 'mob',
    base64Encoding: false,
    logLevel: 'debug',
    applicationContext: true,
    platformContext: true,
    geoLocationContext: false,
    sessionContext: true,
    deepLinkContext: true,
    screenContext: true,
    screenViewAutotracking: true,
    screenEngagementAutotracking: true,
    lifecycleAutotracking: true,
    installAutotracking: true,
    exceptionAutotracking: true,
    diagnosticAutotracking: false,
    userAnonymisation: false,
  };
  const sessionConfig = { foregroundTimeout: 1800, backgroundTimeout: 1800 };
  const emitterConfig = {
    bufferOption: 'single',
    emitRange: 10,
    threadPoolSize: 15,
    byteLimitPost: 40000,
    byteLimitGet: 40000,
    serverAnonymisation: true,
  };
  const subjectConfig = {
    userId: 'migrated-user',
    networkUserId: '5b1f2d8e-3c4a-4f6b-9a7d-1e2f3a4b5c6d',
    domainUserId: 'c0ffee00-1234-4abc-8def-0123456789ab',
    useragent: 'ShopApp/5.0',
    ipAddress: '203.0.113.50',
    timezone: 'Europe/Madrid',
    language: 'es-ES',
    screenResolution: [1440, 3120],
    screenViewport: [411, 869],
    colorDepth: 24,
  };
  const gdprConfig = { basisForProcessing: 'contract', documentId: 'terms', documentVersion: '7', documentDescription: 'Terms of sale' };
  const gcConfig = [{ tag: 'app', globalContexts: [{ schema: 'iglu:com.acme/app/jsonschema/1-0-0', data: { flavour: 'prod' } }] }];
  const controllerConfig = { trackerConfig, sessionConfig, emitterConfig, subjectConfig, gdprConfig, gcConfig };

  // Every key 2.1.2 declares, and nothing it does not know.
  const declared = interfacesOf2x();
  const given = {
    NetworkConfiguration: networkConfig,
    TrackerConfiguration: trackerConfig,
    SessionConfiguration: sessionConfig,
    EmitterConfiguration: emitterConfig,
    SubjectConfiguration: subjectConfig,
    GdprConfiguration: gdprConfig,
    GlobalContext: gcConfig[0],
    TrackerControllerConfiguration: controllerConfig,
  };
  for (const [name, object] of Object.entries(given)) {
    assert.ok(declared[name]?.length > 0, `2.1.2 declares ${name}`);
    assert.deepEqual(Object.keys(object).sort(), [...declared[name]].sort(), `every key of 2.1.2's ${name}`);
  }

  const tracker = createTracker(namespace, networkConfig, {
    ...controllerConfig,
    sessionConfig: { ...sessionConfig, onSessionUpdate: (s) => sessions.push(s) },
    storage: { directory: tempDir(t) },
  });
  await tracker.trackScreenViewEvent({ name: 'Home' });
  await tracker.trackStructuredEvent({ category: 'shop', action: 'view', label: 'sku-1', value: 9.5 });
  const events = await received(tracker, collector, 3);

  assert.deepEqual(events.map((e) => e.schema ?? e.raw.e), [SCHEMAS.install, SCHEMAS.screenView, 'se'], 'install first (installAutotracking)');
  for (const e of events) {
    assert.equal(e.raw.tna, namespace);
    assert.equal(e.raw.aid, 'shop-app');
    assert.equal(e.raw.p, 'mob');
    assert.deepEqual(
      ['uid', 'tnuid', 'duid', 'ua', 'ip', 'tz', 'lang', 'res', 'vp', 'cd'].map((k) => e.raw[k]),
      ['migrated-user', subjectConfig.networkUserId, subjectConfig.domainUserId, 'ShopApp/5.0', '203.0.113.50', 'Europe/Madrid', 'es-ES', '1440x3120', '411x869', '24'],
      'subjectConfig',
    );
    assert.equal(e.raw.cx, undefined, 'base64Encoding false: plain JSON');
    assert.ok(e.raw.co);
    const schemas = e.entities.map((x) => x.schema);
    assert.deepEqual(e.entities[0], gcConfig[0].globalContexts[0], 'gcConfig');
    assert.deepEqual(e.entities.find((x) => x.schema === SCHEMAS.gdpr).data, gdprConfig, 'gdprConfig');
    assert.equal(schemas[schemas.length - 1], SCHEMAS.session, 'sessionContext');
    assert.equal(e.session.sessionIndex, 1);
  }
  assert.deepEqual(events[2].entities.find((x) => x.schema === SCHEMAS.screen)?.data, { id: events[1].data.id, name: 'Home' }, 'screenContext');
  assert.deepEqual([events[2].raw.se_ca, events[2].raw.se_ac, events[2].raw.se_la, events[2].raw.se_va], ['shop', 'view', 'sku-1', '9.5']);
  assert.match(events[1].data.id, UUID);
  for (const r of collector.requests) {
    assert.equal(r.path, '/com.acme/track', 'customPostPath');
    assert.equal(r.method, 'POST');
    assert.equal(r.headers['x-api-key'], 'key-123', 'requestHeaders');
    assert.equal(r.headers['sp-anonymous'], '*', 'serverAnonymisation');
  }
  assert.equal(sessions.length, 1, 'one session, reported once');
  assert.equal(sessions[0].firstEventId, events[0].raw.eid);
  // The keys without effect here are accepted and reported once, at logLevel debug too.
  assert.deepEqual(lines.map((l) => l.replace(/ has no effect: .*/, ' has no effect')), [
    `${PREFIX} ${namespace}: trackerConfig.screenViewAutotracking has no effect`,
    `${PREFIX} ${namespace}: emitterConfig.threadPoolSize has no effect`,
  ]);
});

test('every track method: an unknown key in its argument still tracks the event, and the log names the key', async (t) => {
  const loud = await startTracker(t, { trackerConfig: { logLevel: 'error', screenEngagementAutotracking: false } });
  const quiet = await startTracker(t, { trackerConfig: { screenEngagementAutotracking: false } });
  const lines = warnings(t);
  const calls = [
    ['trackScreenViewEvent', 'screenView', { name: 'Home' }],
    ['trackSelfDescribingEvent', 'selfDescribing', { schema: 'iglu:com.acme/thing/jsonschema/1-0-0', data: { n: 1 } }],
    ['trackStructuredEvent', 'structured', { category: 'c', action: 'a' }],
    ['trackPageViewEvent', 'pageView', { pageUrl: 'https://shop.example/' }],
    ['trackTimingEvent', 'timing', { category: 'load', variable: 'home', timing: 12 }],
    ['trackConsentGrantedEvent', 'consentGranted', { documentId: 'd', version: '1', expiry: '2030-01-01T00:00:00Z' }],
    ['trackConsentWithdrawnEvent', 'consentWithdrawn', { documentId: 'd', version: '1', all: true }],
    ['trackScrollChangedEvent', 'scrollChanged', { yOffset: 10 }],
    ['trackListItemViewEvent', 'listItemView', { index: 1 }],
    ['trackDeepLinkReceivedEvent', 'deepLinkReceived', { url: 'myapp://x' }],
    ['trackMessageNotificationEvent', 'messageNotification', { title: 't', body: 'b', trigger: 'push' }],
    ['trackEcommerceTransactionEvent', 'ecommerceTransaction', { orderId: 'o', totalValue: 1, items: [] }],
  ];
  for (const [method, , argument] of calls) {
    for (const { tracker } of [loud, quiet]) {
      assert.equal(await tracker[method]({ ...argument, extraKey: 'x' }), undefined, `${method} resolves`);
    }
  }
  const loudEvents = await received(loud.tracker, loud.collector, calls.length);
  await received(quiet.tracker, quiet.collector, calls.length);
  for (const e of loudEvents) {
    assert.ok(!JSON.stringify(e.raw).includes('extraKey'), 'the unknown key is not sent');
  }
  assert.deepEqual(
    lines,
    calls.map(([method, what]) => `${PREFIX} ${loud.namespace}: ${method}: ${what} has unknown property \`extraKey\`, ignored`),
    'one line per call of the tracker whose logLevel allows it; none for logLevel off',
  );
});
