/**
 * Public types of react-native-rust-tracker: every type Snowplow's React
 * Native tracker 2.1.2 exports, with the same names and shapes an app written
 * for it type-checks against (tests/types/ proves it), plus the options this
 * tracker adds (`storage`, `continueSessionOnRestart`, `onSessionUpdate`,
 * `flush`, `startNewSession`, `getDeliveryStats`, ...). Values are validated
 * by the Rust core, which rejects unknown configuration keys, so a typo never
 * goes unnoticed.
 */

/** HTTP method used to send events. */
export type HttpMethod = 'post' | 'get';

/** Value of the `p` field. */
export type DevicePlatform = 'web' | 'mob' | 'pc' | 'srv' | 'app' | 'tv' | 'cnsl' | 'iot';

/** Where events go. */
export interface NetworkConfiguration {
  /** Collector URL; `https://` is assumed when it has no scheme. */
  endpoint: string;
  /** `'post'` (default): batches to `/com.snowplowanalytics.snowplow/tp2`; `'get'`: one event per request to `/i`. */
  method?: HttpMethod;
  /** Seconds one request may take before it counts as failed. Default 30. */
  timeout?: number;
  /** POST path below the endpoint. Default `com.snowplowanalytics.snowplow/tp2`. GET always uses `/i`. */
  customPostPath?: string;
  /** Headers added to every request. */
  requestHeaders?: Record<string, string>;
}

/** How much the tracker writes to the app's log. */
export type LogLevel = 'off' | 'error' | 'debug' | 'verbose';

/** 2.x's buffering option; accepted, without effect here (events are sent as soon as they are stored). */
export type BufferOption = 'single' | 'small' | 'large';

/** What the tracker adds to events. */
export interface TrackerConfiguration {
  /** Sent as `aid`. Default: the app's package name / bundle identifier (none in Node). */
  appId?: string;
  /** Sent as `p`. Default `'mob'`. */
  devicePlatform?: DevicePlatform;
  /** Attach the `client_session` entity to every event. Default true. */
  sessionContext?: boolean;
  /** Track `application_background` / `application_foreground` events. Default true. */
  lifecycleAutotracking?: boolean;
  /** Base64-encode self-describing data and entities (`ue_px`, `cx`). Default true. */
  base64Encoding?: boolean;
  /**
   * Leave out `uid`, `duid`, `tnuid` and `ip`, and send the nil UUID as the session's `userId`
   * and no `previousSessionId`. Default false.
   */
  userAnonymisation?: boolean;
  /**
   * `'error'` and above print, with console.warn, options that have no effect (once) and keys of
   * event arguments that were ignored. Default `'off'`.
   */
  logLevel?: LogLevel;
  /** Attach the application entity (app version and build). Default true. */
  applicationContext?: boolean;
  /** Attach the platform entity (`mobile_context`: OS, device, carrier, network). Default true. */
  platformContext?: boolean;
  /** Accepted for 2.x; no effect (reported at `logLevel` error). Default false. */
  geoLocationContext?: boolean;
  /** Attach the deep_link entity to the first screen view after `trackDeepLinkReceivedEvent`. Default true. */
  deepLinkContext?: boolean;
  /** Attach the screen entity of the current screen view to every event after it. Default true. */
  screenContext?: boolean;
  /** Accepted for 2.x; no effect: native views are not tracked (reported at `logLevel` error). Default false. */
  screenViewAutotracking?: boolean;
  /**
   * Track screen_end with the screen_summary entity before each screen view after the first, fed
   * by `trackScrollChangedEvent` and `trackListItemViewEvent`. Default true.
   */
  screenEngagementAutotracking?: boolean;
  /** Track application_install once per installation, before its first event. Default true. */
  installAutotracking?: boolean;
  /** Track uncaught JavaScript errors (React Native's global error handler) as application_error. Default true. */
  exceptionAutotracking?: boolean;
  /** Accepted for 2.x; no effect (reported at `logLevel` error). Default false. */
  diagnosticAutotracking?: boolean;
}

/**
 * A new session's `client_session` data, as given to `onSessionUpdate`
 * (`iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2`).
 */
export interface SessionState {
  /** The installation user id (the nil UUID when `userAnonymisation` is on). */
  userId: string;
  /** Id of the new session. */
  sessionId: string;
  /** Index of the new session (1 for the first session ever). */
  sessionIndex: number;
  /** Id of the session before, or null. */
  previousSessionId: string | null;
  /** Always `'SQLITE'`. */
  storageMechanism: string;
  /** `eid` of the event that started the session. */
  firstEventId: string;
  /** That event's time, ISO-8601 UTC with milliseconds. */
  firstEventTimestamp: string;
  /** 1: the snapshot is taken at the session's first event. */
  eventIndex: number;
}

/** Session timeouts, in seconds (fractions allowed), and the session callback. */
export interface SessionConfiguration {
  /** Inactivity timeout in the foreground. Default 1800. */
  foregroundTimeout?: number;
  /** Inactivity timeout in the background. Default 1800. */
  backgroundTimeout?: number;
  /** Continue the stored session after an app restart when within the foreground timeout. Default false. */
  continueSessionOnRestart?: boolean;
  /**
   * Called once per new session, in session order, with its `client_session`
   * data, before the Promise of the call whose event started it resolves.
   */
  onSessionUpdate?: (session: SessionState) => void;
}

/** Batching of the emitter. */
export interface EmitterConfiguration {
  /** Maximum events per request. Default 25. */
  emitRange?: number;
  /** Maximum POST body in bytes. Default 40000. Larger events are rejected by `track*`. */
  byteLimitPost?: number;
  /** Maximum GET request URL in bytes, percent-encoded as sent. Default 40000. Larger events are rejected by `track*`. */
  byteLimitGet?: number;
  /** Retry failed requests. Default true; false drops the events of a failed request (counted as rejected). */
  retryFailedRequests?: boolean;
  /** Per HTTP status: `true` retries it, `false` drops its events. Overrides 400/401/403/410/422 (never retried) and the rest (retried). */
  customRetryForStatusCodes?: Record<number, boolean>;
  /** The most events kept while they cannot be sent; the oldest are dropped first. Default 1000. */
  maxEventStoreSize?: number;
  /** Seconds an event is kept while it cannot be sent. Default 2592000 (30 days). */
  maxEventStoreAge?: number;
  /** Send `SP-Anonymous: *` so that the collector does not keep the IP address and network user id. Default false. */
  serverAnonymisation?: boolean;
  /** Accepted for 2.x; no effect (reported at `logLevel` error). */
  bufferOption?: BufferOption;
  /** Accepted for 2.x; no effect (reported at `logLevel` error). */
  threadPoolSize?: number;
}

/** A screen's width and height, in pixels. */
export type ScreenSize = [number, number];

/**
 * The subject: user and device fields sent with every event. `null` leaves a
 * field out (or, in `setSubjectData`, clears it); `timezone`, `language` and
 * `screenResolution` default to the platform's.
 */
export interface SubjectConfiguration {
  /** Sent as `uid`. */
  userId?: string | null;
  /** Sent as `tnuid`; a UUID. */
  networkUserId?: string | null;
  /** Sent as `duid`; a UUID. */
  domainUserId?: string | null;
  /** Sent as `ua`, instead of none. */
  useragent?: string | null;
  /** Sent as `ip`. */
  ipAddress?: string | null;
  /** Sent as `tz`, an IANA time zone such as `'Europe/London'`. */
  timezone?: string | null;
  /** Sent as `lang`, a BCP 47 tag such as `'en-GB'`. */
  language?: string | null;
  /** Sent as `res`, `'WxH'`. */
  screenResolution?: ScreenSize | null;
  /** Sent as `vp`, `'WxH'`. */
  screenViewport?: ScreenSize | null;
  /** Sent as `cd`, an integer. */
  colorDepth?: number | null;
}

/** The legal basis of the processing (gdpr entity). */
export type Basis =
  | 'consent'
  | 'contract'
  | 'legal_obligation'
  | 'legitimate_interests'
  | 'public_task'
  | 'vital_interests';

/** The gdpr entity (`iglu:com.snowplowanalytics.snowplow/gdpr/jsonschema/1-0-0`) attached to every event. */
export interface GdprConfiguration {
  basisForProcessing: Basis;
  /** At most 255 characters. */
  documentId?: string | null;
  /** At most 16 characters. */
  documentVersion?: string | null;
  /** At most 4096 characters. */
  documentDescription?: string | null;
}

/** Entities attached to every event, under a tag they are removed by. */
export interface GlobalContext {
  /** Adding the same tag again replaces its entities. */
  tag: string;
  globalContexts: SelfDescribing[];
}

/** The global contexts a tracker starts with. */
export type GCConfiguration = GlobalContext[];

/** Where the tracker keeps its SQLite databases. */
export interface StorageConfiguration {
  /** A directory; default: the app's files directory (mobile) or the per-user data directory (Node). */
  directory?: string;
}

/** The optional configurations of `createTracker`. */
export interface TrackerControllerConfiguration {
  trackerConfig?: TrackerConfiguration;
  sessionConfig?: SessionConfiguration;
  emitterConfig?: EmitterConfiguration;
  subjectConfig?: SubjectConfiguration;
  gdprConfig?: GdprConfiguration;
  gcConfig?: GCConfiguration;
  storage?: StorageConfiguration;
}

/** A self-describing JSON: an event body or an entity. */
export interface SelfDescribing<T extends Record<string, unknown> = Record<string, unknown>> {
  /** An Iglu URI, `iglu:vendor/name/jsonschema/1-0-0`. */
  schema: string;
  /** The data, an object. */
  data: T;
}

/** An entity attached to one event. */
export type EventContext = SelfDescribing;

/** A screen view (`iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0`). */
export interface ScreenViewProps {
  /** Screen name (required). */
  name: string;
  /** Screen view id, a UUID; generated when absent. */
  id?: string;
  type?: string;
  previousName?: string;
  previousId?: string;
  previousType?: string;
  transitionType?: string;
}

/** A structured event (`se_*` fields). */
export interface StructuredProps {
  category: string;
  action: string;
  label?: string;
  property?: string;
  value?: number;
}

/** A page view (`e=pv`: `url`, `page`, `refr`). */
export interface PageViewProps {
  /** The page URL (required), at most 4096 characters. */
  pageUrl: string;
  /** At most 2000 characters. */
  pageTitle?: string;
  /** At most 4096 characters. */
  referrer?: string;
}

/** A timing event (`iglu:com.snowplowanalytics.snowplow/timing/jsonschema/1-0-0`). */
export interface TimingProps {
  category: string;
  variable: string;
  /** The time measured, a finite number, sent as given. */
  timing: number;
  label?: string;
}

/**
 * A consent document, sent as a
 * `iglu:com.snowplowanalytics.snowplow/consent_document/jsonschema/1-0-0` entity
 * (`documentId` as `id`, `documentDescription` as `description`).
 */
export interface ConsentDocument {
  /** At most 36 characters. */
  documentId: string;
  /** At most 36 characters. */
  version: string;
  /** At most 60 characters. */
  name?: string;
  /** At most 10000 characters. */
  documentDescription?: string;
}

/** Consent granted (`consent_granted/jsonschema/1-0-0`) to a document. */
export interface ConsentGrantedProps extends ConsentDocument {
  /** When the consent expires: an RFC 3339 date-time such as `'2022-01-01T00:00:00Z'` (`Date.prototype.toISOString()`). */
  expiry: string;
}

/** Consent withdrawn (`consent_withdrawn/jsonschema/1-0-0`) for a document. */
export interface ConsentWithdrawnProps extends ConsentDocument {
  /** Whether the user withdraws consent to all data collection. */
  all: boolean;
  /** Other documents the withdrawal applies to, each sent as one more consent_document entity (not in 2.x). */
  documents?: ConsentDocument[];
}

/**
 * A scroll view's position changed
 * (`iglu:com.snowplowanalytics.mobile/scroll_changed/jsonschema/1-0-0`). Pixels; fractions are
 * cut toward zero, as 2.x did. Offsets within ±2147483647, sizes 0 to 2147483647.
 */
export interface ScrollChangedProps {
  yOffset?: number;
  xOffset?: number;
  viewHeight?: number;
  viewWidth?: number;
  contentHeight?: number;
  contentWidth?: number;
}

/** An item of a list was viewed (`iglu:com.snowplowanalytics.mobile/list_item_view/jsonschema/1-0-0`). */
export interface ListItemViewProps {
  /** Index of the item, 0 to 65535 (fractions cut toward zero). */
  index: number;
  /** Items in the list, 0 to 65535. */
  itemsCount?: number;
}

/** An item of an ecommerce transaction, tracked as its own `e=ti` event. */
export interface EcommerceItem {
  /** At most 255 characters. */
  sku: string;
  price: number;
  /** An integer within ±2147483647 (fractions cut toward zero). */
  quantity: number;
  name?: string;
  category?: string;
  /** At most 3 characters; the transaction's currency when absent. */
  currency?: string;
}

/** An ecommerce transaction (`e=tr`), tracked with one `e=ti` event per item. */
export interface EcommerceTransactionProps {
  /** At most 255 characters; also each item's `ti_id`. */
  orderId: string;
  totalValue: number;
  /** At most 1000 items. */
  items: EcommerceItem[];
  affiliation?: string;
  taxValue?: number;
  shipping?: number;
  city?: string;
  state?: string;
  country?: string;
  /** At most 3 characters (an ISO 4217 code). */
  currency?: string;
}

/**
 * A deep link received (`iglu:com.snowplowanalytics.mobile/deep_link_received/jsonschema/1-0-0`);
 * `url` and `referrer` are also sent as `url` and `refr`.
 */
export interface DeepLinkReceivedProps {
  /** The link: a URI (RFC 3986, percent-encoded), at most 4096 characters. */
  url: string;
  /** A URI, at most 4096 characters. */
  referrer?: string;
}

/** What raised a message notification. */
export type Trigger = 'push' | 'location' | 'calendar' | 'timeInterval' | 'other';

/** An attachment of a message notification. */
export interface MessageNotificationAttachmentProps {
  identifier: string;
  type: string;
  /** A URI, at most 1024 characters. */
  url: string;
}

/**
 * A push or local notification
 * (`iglu:com.snowplowanalytics.mobile/message_notification/jsonschema/1-0-0`). Strings at most
 * 1024 characters, `body` 4096.
 */
export interface MessageNotificationProps {
  title: string;
  body: string;
  trigger: Trigger;
  action?: string;
  attachments?: MessageNotificationAttachmentProps[];
  bodyLocArgs?: string[];
  bodyLocKey?: string;
  category?: string;
  contentAvailable?: boolean;
  group?: string;
  icon?: string;
  /** 0 to 10000. */
  notificationCount?: number;
  /** An RFC 3339 date-time. */
  notificationTimestamp?: string;
  sound?: string;
  subtitle?: string;
  tag?: string;
  threadIdentifier?: string;
  titleLocArgs?: string[];
  titleLocKey?: string;
}

/** Delivery counts since the tracker's database was created (`getDeliveryStats()`). */
export interface DeliveryStats {
  /** Events stored and not sent yet. */
  queued: number;
  /** Events the collector received. */
  sent: number;
  /** Events dropped, by reason. */
  dropped: {
    /** Over `emitterConfig.maxEventStoreSize` or older than `maxEventStoreAge`, oldest first. */
    storeLimit: number;
    /** Refused by the collector for good (400, 401, 403, 410, 422, or `customRetryForStatusCodes`), or failed with retries off. */
    rejected: number;
    /** Too large for the collector (413) even alone in a request. */
    oversized: number;
  };
  /** The last delivery error, or null after a successful request. */
  lastError: string | null;
}

/**
 * The `onMessage` handler of a `react-native-webview` WebView that receives
 * the events of Snowplow's WebView tracker (`getWebViewCallback()`).
 */
export type WebViewMessageHandler = (message: { nativeEvent: { data: string } }) => void;

/** App state names, as React Native's AppState reports them. */
export type AppStateName = 'active' | 'background' | 'inactive' | 'unknown' | 'extension';

/** The tracker `createTracker` returns. Every method returns a Promise. */
export interface ReactNativeTracker {
  /** Tracks a self-describing event; resolves once it is stored. */
  readonly trackSelfDescribingEvent: <T extends Record<string, unknown> = Record<string, unknown>>(
    argmap: SelfDescribing<T>,
    contexts?: EventContext[],
  ) => Promise<void>;
  /** Tracks a screen view; resolves once it is stored. */
  readonly trackScreenViewEvent: (argmap: ScreenViewProps, contexts?: EventContext[]) => Promise<void>;
  /** Tracks a structured event; resolves once it is stored. */
  readonly trackStructuredEvent: (argmap: StructuredProps, contexts?: EventContext[]) => Promise<void>;
  /** Tracks a page view; resolves once it is stored. */
  readonly trackPageViewEvent: (argmap: PageViewProps, contexts?: EventContext[]) => Promise<void>;
  /** Tracks a timing event; resolves once it is stored. */
  readonly trackTimingEvent: (argmap: TimingProps, contexts?: EventContext[]) => Promise<void>;
  /** Tracks consent granted, with its consent_document entity; resolves once it is stored. */
  readonly trackConsentGrantedEvent: (argmap: ConsentGrantedProps, contexts?: EventContext[]) => Promise<void>;
  /** Tracks consent withdrawn, with its consent_document entities; resolves once it is stored. */
  readonly trackConsentWithdrawnEvent: (argmap: ConsentWithdrawnProps, contexts?: EventContext[]) => Promise<void>;
  /** Tracks a scroll change; resolves once it is stored. */
  readonly trackScrollChangedEvent: (argmap: ScrollChangedProps, contexts?: EventContext[]) => Promise<void>;
  /** Tracks a list item view; resolves once it is stored. */
  readonly trackListItemViewEvent: (argmap: ListItemViewProps, contexts?: EventContext[]) => Promise<void>;
  /** Tracks a deep link received; resolves once it is stored. */
  readonly trackDeepLinkReceivedEvent: (argmap: DeepLinkReceivedProps, contexts?: EventContext[]) => Promise<void>;
  /** Tracks a message notification; resolves once it is stored. */
  readonly trackMessageNotificationEvent: (argmap: MessageNotificationProps, contexts?: EventContext[]) => Promise<void>;
  /**
   * Tracks a transaction (`e=tr`) and one event per item (`e=ti`), each with `contexts`; resolves
   * once all are stored, and stores none if any is refused.
   */
  readonly trackEcommerceTransactionEvent: (argmap: EcommerceTransactionProps, contexts?: EventContext[]) => Promise<void>;
  /** Attaches `gc.globalContexts` to every later event, under `gc.tag` (replacing that tag's). */
  readonly addGlobalContexts: (gc: GlobalContext) => Promise<void>;
  /** Stops attaching the global contexts of `tag`. */
  readonly removeGlobalContexts: (tag: string) => Promise<void>;
  /** Sets `uid`; null clears it. */
  readonly setUserId: (newUid: string | null) => Promise<void>;
  /** Sets `tnuid` (a UUID); null clears it. */
  readonly setNetworkUserId: (newNuid: string | null) => Promise<void>;
  /** Sets `duid` (a UUID); null clears it. */
  readonly setDomainUserId: (newDuid: string | null) => Promise<void>;
  /** Sets `ip`; null clears it. */
  readonly setIpAddress: (newIp: string | null) => Promise<void>;
  /** Sets `ua`; null clears it. */
  readonly setUseragent: (newUagent: string | null) => Promise<void>;
  /** Sets `tz`; null clears it (the platform's is only the default at creation). */
  readonly setTimezone: (newTz: string | null) => Promise<void>;
  /** Sets `lang`; null clears it. */
  readonly setLanguage: (newLang: string | null) => Promise<void>;
  /** Sets `res`; null clears it. */
  readonly setScreenResolution: (newRes: ScreenSize | null) => Promise<void>;
  /** Sets `vp`; null clears it. */
  readonly setScreenViewport: (newView: ScreenSize | null) => Promise<void>;
  /** Sets `cd`; null clears it. */
  readonly setColorDepth: (newColorD: number | null) => Promise<void>;
  /** Sets each subject field present in `config`; null clears that field, an absent one is unchanged. */
  readonly setSubjectData: (config: SubjectConfiguration) => Promise<void>;
  /** The installation user id (also before any event). */
  readonly getSessionUserId: () => Promise<string | undefined>;
  /** The current session id; undefined before the first event of this run. */
  readonly getSessionId: () => Promise<string | undefined>;
  /** The current session index; undefined before the first event of this run. */
  readonly getSessionIndex: () => Promise<number | undefined>;
  /** Whether the app is in the background. */
  readonly getIsInBackground: () => Promise<boolean | undefined>;
  /** Background transitions in the current session. */
  readonly getBackgroundIndex: () => Promise<number | undefined>;
  /** Foreground transitions in the current session. */
  readonly getForegroundIndex: () => Promise<number | undefined>;
  /** Starts a new session at the next event. */
  readonly startNewSession: () => Promise<void>;
  /** Pauses the session check: no new session starts (and the inactivity clock stops) until resumed. */
  readonly pauseSessionChecking: () => Promise<void>;
  /** Resumes the session check. */
  readonly resumeSessionChecking: () => Promise<void>;
  /** Sends every stored event; rejects if the collector could not take them (they stay stored). */
  readonly flush: () => Promise<void>;
  /** What was sent and what could not be, since the tracker's database was created. */
  readonly getDeliveryStats: () => Promise<DeliveryStats>;
}
