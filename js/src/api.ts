/**
 * The tracker API over a native surface (the TurboModule on React Native, the
 * Node-API addon on Node). Shared by both entries so they cannot diverge.
 *
 * This layer only encodes arguments as JSON, orders calls after the native
 * tracker exists, and shapes results; the Rust core validates and decides.
 */
import type { NativeSessionInfo, Spec } from './NativeRustTracker';
import type {
  AppStateName,
  EventContext,
  NetworkConfiguration,
  ReactNativeTracker,
  TrackerControllerConfiguration,
} from './types';

/** The native methods the API needs: the TurboModule spec, minus codegen's base type. */
export type NativeSurface = Omit<Spec, 'getConstants'>;

/** An error from the tracker: the method that failed and the core's message. */
export class TrackerError extends Error {
  constructor(readonly method: string, message: string) {
    super(`${method}: ${message}`);
    this.name = 'TrackerError';
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * JSON for the core. Values JSON cannot carry are encoded as strings the
 * core will reject by name (NaN, Infinity, functions) instead of vanishing.
 */
function encode(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (typeof v === 'function' || typeof v === 'symbol') return `[${typeof v}]`;
    if (typeof v === 'bigint') return v.toString();
    return v;
  });
}

/** Runs a native call, turning a synchronous throw into a rejection and naming the method. */
function call<T>(method: string, fn: () => Promise<T>): Promise<T> {
  let p: Promise<T>;
  try {
    p = fn();
  } catch (e) {
    return Promise.reject(new TrackerError(method, messageOf(e)));
  }
  return p.catch((e: unknown) => {
    throw e instanceof TrackerError ? e : new TrackerError(method, messageOf(e));
  });
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
 * effects); `onCreate` lets an entry start following the app lifecycle.
 */
export function makeApi(surface: () => NativeSurface, onCreate: () => void = () => undefined): TrackerApi {
  /** Creation of each namespace, so later calls (and removal) wait for it. */
  const pending = new Map<string, Promise<void>>();

  function createTracker(
    namespace: string,
    networkConfig: NetworkConfiguration,
    controllerConfig: TrackerControllerConfiguration = {},
  ): ReactNativeTracker {
    const ready = call('createTracker', () => {
      onCreate();
      return surface().createTracker(namespace, encode({ ...controllerConfig, networkConfig }));
    });
    ready.catch(() => undefined); // reported by every method of this tracker
    pending.set(namespace, ready.catch(() => undefined));

    const after = <T>(method: string, fn: (native: NativeSurface) => Promise<T>): Promise<T> =>
      ready.then(() => call(method, () => fn(surface())));
    const track = (method: 'trackScreenViewEvent' | 'trackSelfDescribingEvent' | 'trackStructuredEvent') =>
      (argmap: unknown, contexts?: EventContext[]): Promise<void> =>
        after(method, (n) => n[method](namespace, encode({ event: argmap, contexts })));
    const info = () =>
      after('getSessionInfo', (n) => n.getSessionInfo(namespace)).then((json) => JSON.parse(json) as NativeSessionInfo);
    const orUndefined = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

    return Object.freeze({
      trackScreenViewEvent: track('trackScreenViewEvent'),
      trackSelfDescribingEvent: track('trackSelfDescribingEvent'),
      trackStructuredEvent: track('trackStructuredEvent'),
      getSessionUserId: () => info().then((i) => orUndefined(i.userId)),
      getSessionId: () => info().then((i) => orUndefined(i.sessionId)),
      getSessionIndex: () => info().then((i) => orUndefined(i.sessionIndex)),
      getIsInBackground: () => info().then((i) => orUndefined(i.isInBackground)),
      getBackgroundIndex: () => info().then((i) => orUndefined(i.backgroundIndex)),
      getForegroundIndex: () => info().then((i) => orUndefined(i.foregroundIndex)),
      startNewSession: () => after('startNewSession', (n) => n.startNewSession(namespace)),
      flush: () => after('flush', (n) => n.flush(namespace)),
    }) as ReactNativeTracker;
  }

  async function removeTracker(namespace: string): Promise<boolean> {
    await pending.get(namespace);
    pending.delete(namespace);
    return call('removeTracker', () => surface().removeTracker(namespace));
  }

  async function removeAllTrackers(): Promise<boolean> {
    await Promise.all(pending.values());
    pending.clear();
    await call('removeAllTrackers', () => surface().removeAllTrackers());
    return true;
  }

  function setAppState(state: AppStateName): Promise<void> {
    return call('setAppState', () => surface().setAppState(state));
  }

  return { createTracker, removeTracker, removeAllTrackers, setAppState };
}
