/**
 * An app written against Snowplow's React Native tracker 2.1.2: every
 * configuration object and every event argument declared with its exported
 * types, every export and every tracker method called, results used with the
 * types 2.1.2 gives them.
 *
 * tests/types/check.js compiles this file as it is (against the 2.1.2
 * package), and again with only the module name of the import below changed
 * to 'react-native-rust-tracker' (against this package's React Native and
 * Node entries). Written for the compiler only: it is never run.
 */
import {
  createTracker,
  removeTracker,
  removeAllTrackers,
  getWebViewCallback,
  type ReactNativeTracker,
  type TrackerControllerConfiguration,
  type NetworkConfiguration,
  type TrackerConfiguration,
  type SessionConfiguration,
  type EmitterConfiguration,
  type SubjectConfiguration,
  type GdprConfiguration,
  type GCConfiguration,
  type SelfDescribing,
  type EventContext,
  type ScreenViewProps,
  type StructuredProps,
  type PageViewProps,
  type TimingProps,
  type ConsentGrantedProps,
  type ConsentWithdrawnProps,
  type EcommerceTransactionProps,
  type DeepLinkReceivedProps,
  type MessageNotificationProps,
  type EcommerceItem,
  type ConsentDocument,
  type GlobalContext,
  type HttpMethod,
  type DevicePlatform,
  type LogLevel,
  type Basis,
  type BufferOption,
  type ScreenSize,
  type Trigger,
} from '@snowplow/react-native-tracker';

// 2.1.2 declares these two in its types but does not export them: an app names them this way.
type ScrollChangedProps = Parameters<ReactNativeTracker['trackScrollChangedEvent']>[0];
type ListItemViewProps = Parameters<ReactNativeTracker['trackListItemViewEvent']>[0];

const method: HttpMethod = 'post';
const platform: DevicePlatform = 'mob';
const logLevel: LogLevel = 'debug';
const basis: Basis = 'legitimate_interests';
const bufferOption: BufferOption = 'single';
const resolution: ScreenSize = [1080, 1920];
const trigger: Trigger = 'push';

const networkConfig: NetworkConfiguration = {
  endpoint: 'https://collector.example.com',
  method,
  customPostPath: 'com.acme/tp2',
  requestHeaders: { 'X-App': 'demo' },
};

const trackerConfig: TrackerConfiguration = {
  appId: 'demo-app',
  devicePlatform: platform,
  base64Encoding: true,
  logLevel,
  applicationContext: true,
  platformContext: true,
  geoLocationContext: false,
  sessionContext: true,
  deepLinkContext: true,
  screenContext: true,
  screenViewAutotracking: false,
  screenEngagementAutotracking: true,
  lifecycleAutotracking: true,
  installAutotracking: true,
  exceptionAutotracking: true,
  diagnosticAutotracking: false,
  userAnonymisation: false,
};

const sessionConfig: SessionConfiguration = { foregroundTimeout: 1800, backgroundTimeout: 900 };

const emitterConfig: EmitterConfiguration = {
  bufferOption,
  emitRange: 150,
  threadPoolSize: 15,
  byteLimitPost: 40000,
  byteLimitGet: 40000,
  serverAnonymisation: false,
};

const subjectConfig: SubjectConfiguration = {
  userId: 'user-1',
  networkUserId: '5d79770b-015b-4af8-8c91-b2ed6faf4b1e',
  domainUserId: '4616bfb8-f856-4bd8-a8d0-c5b8cd2d6ff0',
  useragent: 'DemoApp/1.0',
  ipAddress: '203.0.113.7',
  timezone: 'Europe/London',
  language: 'en-GB',
  screenResolution: resolution,
  screenViewport: [360, 640],
  colorDepth: 24,
};

const gdprConfig: GdprConfiguration = {
  basisForProcessing: basis,
  documentId: 'privacy-policy',
  documentVersion: '2.0',
  documentDescription: 'Our privacy policy',
};

const appContext: SelfDescribing<{ build: string }> = {
  schema: 'iglu:com.acme/app/jsonschema/1-0-0',
  data: { build: '42' },
};
const cart: EventContext = { schema: 'iglu:com.acme/cart/jsonschema/1-0-0', data: { lines: 2 } };
const contexts: EventContext[] = [cart];

const globalContext: GlobalContext = { tag: 'app', globalContexts: [appContext] };
const gcConfig: GCConfiguration = [globalContext];

const controllerConfig: TrackerControllerConfiguration = {
  trackerConfig,
  sessionConfig,
  emitterConfig,
  subjectConfig,
  gdprConfig,
  gcConfig,
};

const tracker: ReactNativeTracker = createTracker('app', networkConfig, controllerConfig);
// The configurations are optional.
const other: ReactNativeTracker = createTracker('other', { endpoint: 'collector.example.com' });

const selfDescribing: SelfDescribing<{ targetUrl: string }> = {
  schema: 'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1',
  data: { targetUrl: 'https://example.com' },
};
const screenView: ScreenViewProps = {
  name: 'Home',
  id: '2c295365-eae9-4243-a3ee-5c4b7baccc8f',
  type: 'feed',
  previousName: 'Splash',
  previousId: '8f2a4b0e-9c6d-4e57-b1a3-2d9f6c7e5a10',
  previousType: 'intro',
  transitionType: 'push',
};
const scroll: ScrollChangedProps = {
  yOffset: 10,
  xOffset: 0,
  viewHeight: 640,
  viewWidth: 360,
  contentHeight: 2000,
  contentWidth: 360,
};
const listItem: ListItemViewProps = { index: 3, itemsCount: 20 };
const structured: StructuredProps = { category: 'shop', action: 'add', label: 'sku-1', property: 'cart', value: 9.99 };
const pageView: PageViewProps = { pageUrl: 'https://example.com/help', pageTitle: 'Help', referrer: 'https://example.com' };
const timing: TimingProps = { category: 'load', variable: 'home', timing: 120, label: 'cold' };
const consentDocument: ConsentDocument = {
  documentId: 'terms',
  version: '1.0',
  name: 'Terms',
  documentDescription: 'Terms of use',
};
const consentGranted: ConsentGrantedProps = { ...consentDocument, expiry: '2030-01-01T00:00:00Z' };
const consentWithdrawn: ConsentWithdrawnProps = { ...consentDocument, all: false };
const item: EcommerceItem = { sku: 'sku-1', price: 9.99, quantity: 2, name: 'Socks', category: 'clothes', currency: 'EUR' };
const transaction: EcommerceTransactionProps = {
  orderId: 'order-1',
  totalValue: 19.98,
  items: [item],
  affiliation: 'web',
  taxValue: 3.2,
  shipping: 0,
  city: 'Lisbon',
  state: 'Lisboa',
  country: 'PT',
  currency: 'EUR',
};
const deepLink: DeepLinkReceivedProps = { url: 'demo://item/1', referrer: 'https://example.com' };
const notification: MessageNotificationProps = {
  title: 'Hi',
  body: 'A new item',
  trigger,
  action: 'open',
  attachments: [{ identifier: 'img', type: 'image/png', url: 'https://example.com/a.png' }],
  bodyLocArgs: ['a'],
  bodyLocKey: 'body_key',
  category: 'news',
  contentAvailable: true,
  group: 'g',
  icon: 'ic',
  notificationCount: 1,
  notificationTimestamp: '2024-01-01T00:00:00Z',
  sound: 'ding',
  subtitle: 'sub',
  tag: 't',
  threadIdentifier: 'th',
  titleLocArgs: ['b'],
  titleLocKey: 'title_key',
};

// <WebView onMessage={onMessage} /> in the app's render.
const onMessage: (message: { nativeEvent: { data: string } }) => void = getWebViewCallback();

export async function app(): Promise<void> {
  onMessage({ nativeEvent: { data: '{"command":"trackPageView","event":{"url":"https://example.com"}}' } });

  await tracker.trackSelfDescribingEvent(selfDescribing, contexts);
  await tracker.trackSelfDescribingEvent<{ targetUrl: string }>(selfDescribing);
  await tracker.trackScreenViewEvent(screenView, contexts);
  await tracker.trackScreenViewEvent({ name: 'Settings' });
  await tracker.trackScrollChangedEvent(scroll, contexts);
  await tracker.trackListItemViewEvent(listItem, contexts);
  await tracker.trackStructuredEvent(structured, contexts);
  await tracker.trackPageViewEvent(pageView, contexts);
  await tracker.trackTimingEvent(timing, contexts);
  await tracker.trackConsentGrantedEvent(consentGranted, contexts);
  await tracker.trackConsentWithdrawnEvent(consentWithdrawn, contexts);
  await tracker.trackEcommerceTransactionEvent(transaction, contexts);
  await tracker.trackDeepLinkReceivedEvent(deepLink, contexts);
  await tracker.trackMessageNotificationEvent(notification, contexts);

  await tracker.addGlobalContexts({ tag: 'screen', globalContexts: [cart] });
  await tracker.removeGlobalContexts('screen');

  await tracker.setUserId('user-2');
  await tracker.setUserId(null);
  await tracker.setNetworkUserId('5d79770b-015b-4af8-8c91-b2ed6faf4b1e');
  await tracker.setNetworkUserId(null);
  await tracker.setDomainUserId('4616bfb8-f856-4bd8-a8d0-c5b8cd2d6ff0');
  await tracker.setDomainUserId(null);
  await tracker.setIpAddress('203.0.113.8');
  await tracker.setIpAddress(null);
  await tracker.setUseragent('DemoApp/1.1');
  await tracker.setUseragent(null);
  await tracker.setTimezone('Europe/Lisbon');
  await tracker.setTimezone(null);
  await tracker.setLanguage('pt-PT');
  await tracker.setLanguage(null);
  await tracker.setScreenResolution([720, 1280]);
  await tracker.setScreenResolution(null);
  await tracker.setScreenViewport(resolution);
  await tracker.setScreenViewport(null);
  await tracker.setColorDepth(32);
  await tracker.setColorDepth(null);
  await tracker.setSubjectData(subjectConfig);
  await tracker.setSubjectData({ userId: null, colorDepth: 16 });

  const userId: string | undefined = await tracker.getSessionUserId();
  const sessionId: string | undefined = await tracker.getSessionId();
  const sessionIndex: number | undefined = await tracker.getSessionIndex();
  const inBackground: boolean | undefined = await tracker.getIsInBackground();
  const backgroundIndex: number | undefined = await tracker.getBackgroundIndex();
  const foregroundIndex: number | undefined = await tracker.getForegroundIndex();
  console.log(userId, sessionId, sessionIndex, inBackground, backgroundIndex, foregroundIndex);

  await other.trackScreenViewEvent({ name: 'Other' });
  const removed: boolean = await removeTracker('other');
  const removedAll: boolean = await removeAllTrackers();
  console.log(removed, removedAll);
}
