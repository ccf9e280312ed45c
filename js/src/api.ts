/**
 * The tracker API over the fixed native surface (the TurboModule on React
 * Native, the Node-API addon on Node). Shared by both entries so they cannot
 * diverge.
 *
 * Each method hands its call to the native surface at once, synchronously, so
 * calls reach the Rust core in the order the app made them; the core
 * validates and decides. This layer only encodes arguments as JSON, names
 * each tracker method (the core's table, crates/tracker-core/src/method.rs,
 * knows what each takes and answers), hands the sessions a reply carries to
 * `onSessionUpdate`, prints the log lines it carries, and shapes results.
 *
 * Two kinds of events reach every live tracker at once, and the core of each
 * decides whether to track them: messages of Snowplow's WebView tracker
 * (`getWebViewCallback()`), and uncaught JavaScript errors (React Native's
 * global error handler, chained to the previous one when the first tracker is
 * created; `trackerConfig.exceptionAutotracking`).
 */
import type { Spec } from './NativeRustTracker';
import type {
  AppStateName,
  DeliveryStats,
  NetworkConfiguration,
  ReactNativeTracker,
  SessionState,
  TrackerControllerConfiguration,
  WebViewMessageHandler,
} from './types';

/** The native methods the API needs: the TurboModule spec, minus codegen's base type. */
export type NativeSurface = Omit<Spec, 'getConstants'>;

/**
 * A failed call: `code` is the core's stable error code (`INVALID_CONFIG`,
 * `INVALID_EVENT`, `INVALID_ARGUMENT`, `UNKNOWN_TRACKER`, `STORAGE`,
 * `NETWORK`, `SHUT_DOWN`, `UNKNOWN_METHOD`, `INTERNAL`), `method` the method that failed,
 * and the message the core's, naming the method and the field.
 *
 * Two kinds of failure never reach the core and have codes of their own:
 * arguments JSON cannot encode (a circular object) are `INVALID_ARGUMENT`, and
 * a native module that is missing or refuses its arguments keeps its own code,
 * or `NATIVE_ERROR`.
 */
export class TrackerError extends Error {
  constructor(readonly code: string, readonly method: string, message: string) {
    super(message.startsWith(`${method}: `) ? message : `${method}: ${message}`);
    this.name = 'TrackerError';
  }
}

/** What every native call resolves with (as JSON). */
interface Reply {
  value: unknown;
  sessions?: { namespace: string; session: SessionState }[];
  /** Lines the core asks to put in the app's log (it applies `trackerConfig.logLevel`). */
  log?: string[];
}

const PREFIX = '[react-native-rust-tracker]';

/** Prints the log lines of a reply to a call on `namespace`'s tracker. */
function printLog(namespace: string, reply: Reply | null | undefined): void {
  const lines = reply?.log;
  if (!Array.isArray(lines)) return;
  for (const line of lines) console.warn(`${PREFIX} ${namespace}: ${String(line)}`);
}

/** React Native's global error handler (the `ErrorUtils` global). */
type GlobalHandler = (error: unknown, isFatal?: boolean) => void;
interface ErrorUtilsLike {
  getGlobalHandler(): GlobalHandler | undefined;
  setGlobalHandler(handler: GlobalHandler): void;
}

/** React Native's `ErrorUtils`, when this JavaScript runtime has one. */
function errorUtils(): ErrorUtilsLike | undefined {
  const eu = (globalThis as { ErrorUtils?: Partial<ErrorUtilsLike> }).ErrorUtils;
  if (eu && typeof eu.getGlobalHandler === 'function' && typeof eu.setGlobalHandler === 'function') {
    return eu as ErrorUtilsLike;
  }
  return undefined;
}

/** String(value), or a placeholder for a value that refuses to become one. */
function text(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The application_error fields of what was thrown: its message and stack, as the runtime gives them. */
function describeError(error: unknown, isFatal: unknown): { message: string; stackTrace: string | null; isFatal: boolean } {
  let message: unknown;
  let stack: unknown;
  try {
    message = (error as { message?: unknown } | null)?.message;
    stack = (error as { stack?: unknown } | null)?.stack;
  } catch {
    // A getter that throws: described by String() below.
  }
  return {
    message: typeof message === 'string' && message !== '' ? message : text(error),
    stackTrace: typeof stack === 'string' ? stack : null,
    isFatal: isFatal === true,
  };
}

type SessionCallback = (session: SessionState) => void;

function asError(method: string, e: unknown): TrackerError {
  if (e instanceof TrackerError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  return new TrackerError(typeof code === 'string' ? code : 'NATIVE_ERROR', method, message);
}

/**
 * The marker of a value JSON cannot carry: this prefix, then its kind. The
 * core (crates/tracker-core/src/input.rs, `UNSUPPORTED_VALUE_PREFIX`) finds
 * it anywhere in a configuration or an argument and rejects the call, naming
 * the field by its path; no app string begins with a NUL and this text.
 */
const UNSUPPORTED = '\u0000rn-rust-tracker:unsupported:';

/**
 * JSON for the core. Values JSON cannot carry (NaN, Infinity, -Infinity, a
 * BigInt, a function, a symbol) become the marker above, for the core to
 * reject, instead of vanishing or turning into other values; `undefined`
 * stays JSON's (left out of objects, `null` in arrays). Nothing is decided here.
 */
function encode(method: string, value: unknown): string {
  try {
    // The usual arguments hold nothing to mark: JSON.stringify without a
    // replacer gives the same text, at about half the cost per call.
    if (plain(value, 0)) return JSON.stringify(value);
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return UNSUPPORTED + String(v);
      if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return UNSUPPORTED + typeof v;
      return v;
    });
  } catch (e) {
    throw new TrackerError('INVALID_ARGUMENT', method, `arguments cannot be encoded as JSON (${asError(method, e).message})`);
  }
}

/**
 * Whether JSON.stringify(value) alone encodes `value` as `encode` does: no
 * value to mark anywhere, no toJSON to run, no deeper than the core accepts
 * (otherwise the replacer path runs, and the core rejects what it must).
 */
function plain(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value);
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'object': {
      if (value === null) return true;
      if (depth > 64 || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!plain(value[i], depth + 1)) return false;
        return true;
      }
      const record = value as Record<string, unknown>;
      for (const key in record) {
        if (Object.prototype.hasOwnProperty.call(record, key) && !plain(record[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** The core's reply to almost every call: see `NULL_REPLY` in crates/tracker-core/src/registry.rs. */
const NULL_REPLY = '{"value":null}';

/** Parses a reply of the core; the most common one without the JSON parser. */
function parseReply(json: string): Reply {
  return json === NULL_REPLY ? { value: null } : (JSON.parse(json) as Reply);
}

/**
 * Makes the native call now (a synchronous throw becomes a rejection naming
 * the method) and parses its reply.
 */
function invoke(method: string, fn: () => Promise<string>): Promise<Reply> {
  let p: Promise<string>;
  try {
    p = fn();
  } catch (e) {
    return Promise.reject(asError(method, e));
  }
  return p.then(
    (json) => parseReply(json),
    (e: unknown) => {
      throw asError(method, e);
    },
  );
}

/** Calls the app's `onSessionUpdate`; an exception in it must not fail the tracker call. */
function report(callback: SessionCallback | undefined, session: SessionState): void {
  if (!callback) return;
  try {
    callback(session);
  } catch (e) {
    console.error('[react-native-rust-tracker] onSessionUpdate threw:', e);
  }
}

/** The module-level functions of an entry. */
export interface TrackerApi {
  createTracker(
    namespace: string,
    networkConfig: NetworkConfiguration,
    controllerConfig?: TrackerControllerConfiguration,
  ): ReactNativeTracker;
  removeTracker(namespace: string): Promise<boolean>;
  removeAllTrackers(): Promise<boolean>;
  setAppState(state: AppStateName): Promise<void>;
  getWebViewCallback(): WebViewMessageHandler;
  getAllTrackers(): ReactNativeTracker[];
}

/** A tracker created and not removed: what the app got, and a way to call any core method on it. */
interface LiveTracker {
  tracker: ReactNativeTracker;
  call(name: string, args: unknown[]): Promise<unknown>;
}

/**
 * Builds the API over a surface obtained lazily (importing has no side
 * effects); `onCreate` runs before each tracker is created, so an entry can
 * report the app's state first.
 */
export function makeApi(surface: () => NativeSurface, onCreate: (api: TrackerApi) => void = () => undefined): TrackerApi {
  /** The `onSessionUpdate` of each namespace's current tracker, for `setAppState` replies. */
  const callbacks = new Map<string, { callback: SessionCallback }>();
  /** Each namespace's current tracker, in creation order, until removed. */
  const live = new Map<string, LiveTracker>();
  let errorHandlerInstalled = false;

  /** Calls `name` with `args` on every live tracker; a failure only goes to the log. */
  function callEveryTracker(name: string, args: unknown[]): void {
    for (const [namespace, entry] of Array.from(live)) {
      let pending: Promise<unknown>;
      try {
        pending = entry.call(name, args);
      } catch (e) {
        pending = Promise.reject(e);
      }
      pending.catch((e: unknown) => {
        console.warn(`${PREFIX} ${namespace}: ${asError(name, e).message}`);
      });
    }
  }

  /**
   * Chains a handler to React Native's global error handler, once: it hands
   * the error to every live tracker (whose core tracks it when its
   * `exceptionAutotracking` is on), then calls the previous handler with the
   * same arguments.
   */
  function installErrorHandler(): void {
    if (errorHandlerInstalled) return;
    const eu = errorUtils();
    if (!eu) return;
    errorHandlerInstalled = true;
    const previous = eu.getGlobalHandler();
    eu.setGlobalHandler((...args: Parameters<GlobalHandler>) => {
      try {
        callEveryTracker('trackUncaughtError', [describeError(args[0], args[1])]);
      } catch (e) {
        console.warn(`${PREFIX} trackUncaughtError: ${text(e)}`);
      }
      if (typeof previous === 'function') previous(...args);
    });
  }

  function deliver(reply: Reply, own?: SessionCallback): void {
    for (const { namespace, session } of reply.sessions ?? []) {
      report(own ?? callbacks.get(namespace)?.callback, session);
    }
  }

  function createTracker(
    namespace: string,
    networkConfig: NetworkConfiguration,
    controllerConfig: TrackerControllerConfiguration = {},
  ): ReactNativeTracker {
    onCreate(api);
    installErrorHandler();
    const { sessionConfig, ...rest } = controllerConfig;
    const onSessionUpdate = sessionConfig?.onSessionUpdate;
    const own = typeof onSessionUpdate === 'function' ? onSessionUpdate : undefined;
    // A function cannot cross as JSON: the core is told that there is one.
    const config = {
      ...rest,
      ...(sessionConfig === undefined
        ? {}
        : { sessionConfig: own ? { ...sessionConfig, onSessionUpdate: true } : sessionConfig }),
      networkConfig,
    };
    if (own) callbacks.set(namespace, { callback: own });
    else callbacks.delete(namespace);

    // A creation that never reached the core (no native module, arguments it
    // refuses) fails every method of this tracker the same way.
    let unreachable: TrackerError | undefined;
    try {
      // A failure the core answers is kept by the core, which answers every
      // later call on the namespace with it: nothing to do with it here.
      surface()
        .createTracker(namespace, encode('createTracker', config))
        .then((json) => printLog(namespace, JSON.parse(json) as Reply))
        .catch(() => undefined);
    } catch (e) {
      unreachable = asError('createTracker', e);
    }

    function method<T>(name: string, shape: (value: unknown) => T) {
      // One handler pair per call, on the native Promise itself: a track call
      // costs one Promise and one reaction, however many are in flight.
      const settled = (json: string): T => {
        const reply = parseReply(json);
        deliver(reply, own);
        printLog(namespace, reply);
        return shape(reply.value);
      };
      const failed = (e: unknown): never => {
        throw asError(name, e);
      };
      return (...args: unknown[]): Promise<T> => {
        if (unreachable) return Promise.reject(unreachable);
        let p: Promise<string>;
        try {
          p = surface().callTracker(namespace, name, encode(name, args));
        } catch (e) {
          return Promise.reject(asError(name, e));
        }
        return p.then(settled, failed);
      };
    }
    const none = (): void => undefined;
    const orUndefined = <T>(v: unknown): T | undefined => (v === null ? undefined : (v as T));

    const tracker = Object.freeze({
      trackScreenViewEvent: method('trackScreenViewEvent', none),
      trackSelfDescribingEvent: method('trackSelfDescribingEvent', none),
      trackStructuredEvent: method('trackStructuredEvent', none),
      trackPageViewEvent: method('trackPageViewEvent', none),
      trackTimingEvent: method('trackTimingEvent', none),
      trackConsentGrantedEvent: method('trackConsentGrantedEvent', none),
      trackConsentWithdrawnEvent: method('trackConsentWithdrawnEvent', none),
      trackScrollChangedEvent: method('trackScrollChangedEvent', none),
      trackListItemViewEvent: method('trackListItemViewEvent', none),
      trackDeepLinkReceivedEvent: method('trackDeepLinkReceivedEvent', none),
      trackMessageNotificationEvent: method('trackMessageNotificationEvent', none),
      trackEcommerceTransactionEvent: method('trackEcommerceTransactionEvent', none),
      getSessionUserId: method('getSessionUserId', orUndefined<string>),
      getSessionId: method('getSessionId', orUndefined<string>),
      getSessionIndex: method('getSessionIndex', orUndefined<number>),
      getIsInBackground: method('getIsInBackground', orUndefined<boolean>),
      getBackgroundIndex: method('getBackgroundIndex', orUndefined<number>),
      getForegroundIndex: method('getForegroundIndex', orUndefined<number>),
      startNewSession: method('startNewSession', none),
      pauseSessionChecking: method('pauseSessionChecking', none),
      resumeSessionChecking: method('resumeSessionChecking', none),
      flush: method('flush', none),
      getDeliveryStats: method('getDeliveryStats', (v) => v as DeliveryStats),
      addGlobalContexts: method('addGlobalContexts', none),
      removeGlobalContexts: method('removeGlobalContexts', none),
      setUserId: method('setUserId', none),
      setNetworkUserId: method('setNetworkUserId', none),
      setDomainUserId: method('setDomainUserId', none),
      setIpAddress: method('setIpAddress', none),
      setUseragent: method('setUseragent', none),
      setTimezone: method('setTimezone', none),
      setLanguage: method('setLanguage', none),
      setScreenResolution: method('setScreenResolution', none),
      setScreenViewport: method('setScreenViewport', none),
      setColorDepth: method('setColorDepth', none),
      setSubjectData: method('setSubjectData', none),
    }) as ReactNativeTracker;
    live.delete(namespace); // a namespace created again moves to the end
    live.set(namespace, { tracker, call: (name, args) => method(name, (v) => v)(...args) });
    return tracker;
  }

  function removeTracker(namespace: string): Promise<boolean> {
    live.delete(namespace);
    const entry = callbacks.get(namespace);
    return invoke('removeTracker', () => surface().removeTracker(namespace)).then((reply) => {
      // Replies to calls made before the removal have been delivered by now.
      if (callbacks.get(namespace) === entry) callbacks.delete(namespace);
      return reply.value === true;
    });
  }

  function removeAllTrackers(): Promise<boolean> {
    live.clear();
    const before = new Map(callbacks);
    return invoke('removeAllTrackers', () => surface().removeAllTrackers()).then(() => {
      for (const [namespace, entry] of before) if (callbacks.get(namespace) === entry) callbacks.delete(namespace);
      return true;
    });
  }

  function setAppState(state: AppStateName): Promise<void> {
    return invoke('setAppState', () => surface().setAppState(state)).then((reply) => deliver(reply));
  }

  /**
   * The `onMessage` handler for a `react-native-webview` WebView whose page
   * uses Snowplow's WebView tracker: each message goes, as received, to every
   * live tracker, whose core tracks the event when the message names no
   * trackers or names its namespace. Never throws; failures go to the log.
   */
  function getWebViewCallback(): WebViewMessageHandler {
    return (message) => {
      let data: unknown;
      try {
        data = message.nativeEvent.data;
      } catch (e) {
        console.warn(`${PREFIX} trackWebViewMessage: not a WebView message (${text(e)})`);
        return;
      }
      try {
        callEveryTracker('trackWebViewMessage', [data]);
      } catch (e) {
        console.warn(`${PREFIX} trackWebViewMessage: ${text(e)}`);
      }
    };
  }

  /** The trackers created and not removed, in creation order. */
  function getAllTrackers(): ReactNativeTracker[] {
    return Array.from(live.values(), (entry) => entry.tracker);
  }

  const api: TrackerApi = {
    createTracker,
    removeTracker,
    removeAllTrackers,
    setAppState,
    getWebViewCallback,
    getAllTrackers,
  };
  return api;
}
