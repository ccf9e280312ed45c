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
 * `onSessionUpdate`, and shapes results.
 */
import type { Spec } from './NativeRustTracker';
import type {
  AppStateName,
  DeliveryStats,
  NetworkConfiguration,
  ReactNativeTracker,
  SessionState,
  TrackerControllerConfiguration,
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
    (json) => JSON.parse(json) as Reply,
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
}

/**
 * Builds the API over a surface obtained lazily (importing has no side
 * effects); `onCreate` runs before each tracker is created, so an entry can
 * report the app's state first.
 */
export function makeApi(surface: () => NativeSurface, onCreate: (api: TrackerApi) => void = () => undefined): TrackerApi {
  /** The `onSessionUpdate` of each namespace's current tracker, for `setAppState` replies. */
  const callbacks = new Map<string, { callback: SessionCallback }>();

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
        .then((json) => {
          // Lines the core asks to put in the app's log (trackerConfig.logLevel).
          for (const line of (JSON.parse(json) as { log?: string[] }).log ?? []) {
            console.warn(`[react-native-rust-tracker] ${namespace}: ${line}`);
          }
        })
        .catch(() => undefined);
    } catch (e) {
      unreachable = asError('createTracker', e);
    }

    function method<T>(name: string, shape: (value: unknown) => T) {
      return (...args: unknown[]): Promise<T> => {
        if (unreachable) return Promise.reject(unreachable);
        return invoke(name, () => surface().callTracker(namespace, name, encode(name, args))).then((reply) => {
          deliver(reply, own);
          return shape(reply.value);
        });
      };
    }
    const none = (): void => undefined;
    const orUndefined = <T>(v: unknown): T | undefined => (v === null ? undefined : (v as T));

    return Object.freeze({
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
    }) as ReactNativeTracker;
  }

  function removeTracker(namespace: string): Promise<boolean> {
    const entry = callbacks.get(namespace);
    return invoke('removeTracker', () => surface().removeTracker(namespace)).then((reply) => {
      // Replies to calls made before the removal have been delivered by now.
      if (callbacks.get(namespace) === entry) callbacks.delete(namespace);
      return reply.value === true;
    });
  }

  function removeAllTrackers(): Promise<boolean> {
    const before = new Map(callbacks);
    return invoke('removeAllTrackers', () => surface().removeAllTrackers()).then(() => {
      for (const [namespace, entry] of before) if (callbacks.get(namespace) === entry) callbacks.delete(namespace);
      return true;
    });
  }

  function setAppState(state: AppStateName): Promise<void> {
    return invoke('setAppState', () => surface().setAppState(state)).then((reply) => deliver(reply));
  }

  const api: TrackerApi = { createTracker, removeTracker, removeAllTrackers, setAppState };
  return api;
}
