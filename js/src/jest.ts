/**
 * `react-native-rust-tracker/jest`: the tracker for an app's Jest tests.
 *
 * Importing it never throws, never needs Rust or a native module, and has no
 * side effects. It has every export of the package (`createTracker`,
 * `removeTracker`, `removeAllTrackers`, `getAllTrackers`,
 * `getWebViewCallback`, `setAppState`, `TrackerError`, every type) with the
 * same typed API: it is the package's own API layer (api.ts `makeApi`, which
 * encodes the arguments and shapes the results exactly as on a device) over
 * an in-memory fake of the native surface instead of the Rust core. On top
 * of that it exports what tests need: `trackedEvents()`,
 * `clearTrackedEvents()`, `resetTrackerMock()`, `realCore()`,
 * `realCoreAvailable()` (and `MOCK_HELPERS`, their names). tests/jest checks
 * that its other exports and a tracker's methods are exactly the real
 * entries', types.ts's and the core's method table.
 *
 * SETUP (one line; an app's Jest runs the package's React Native entry, which
 * needs the native module):
 *
 *   // in a test file, or once for every test in a `setupFiles` file of jest.config.js:
 *   jest.mock('react-native-rust-tracker', () => require('react-native-rust-tracker/jest'));
 *
 *   // or in jest.config.js:
 *   moduleNameMapper: { '^react-native-rust-tracker$': 'react-native-rust-tracker/jest' },
 *
 * Then, in a test:
 *
 *   import { trackedEvents, resetTrackerMock } from 'react-native-rust-tracker/jest';
 *   afterEach(() => resetTrackerMock());
 *   ...
 *   expect(trackedEvents().map((e) => e.method)).toEqual(['trackScreenViewEvent']);
 *
 * THE FAKE IS A TEST DOUBLE, NOT THE CORE. What it decides is its own
 * approximation, kept simple on purpose, and says nothing about what the Rust
 * core decides:
 * - It validates nothing of the tracker's rules: every configuration and
 *   every event is accepted (the core refuses unknown keys, missing fields,
 *   values out of range). Its only refusals: a call on a removed tracker
 *   (`UNKNOWN_TRACKER`), a method name it does not know (`UNKNOWN_METHOD`),
 *   an app state name it does not know (`INVALID_ARGUMENT`), and a value
 *   JSON cannot carry (NaN, Infinity, a function, ...), which can never
 *   work: `INVALID_EVENT` for an event, `INVALID_ARGUMENT` for another call,
 *   and `INVALID_CONFIG` for every call of a tracker created with one.
 * - It records one event per `track*` call (an ecommerce transaction is one
 *   event, not the core's transaction and item events), a WebView message
 *   that names no trackers or this one, an uncaught error unless
 *   `exceptionAutotracking` is false, and `applicationBackground` /
 *   `applicationForeground` on `setAppState` unless `lifecycleAutotracking`
 *   is false. No install, screen_end or other automatic event; nothing is
 *   sent anywhere; `getDeliveryStats()` counts every event as sent.
 * - Sessions follow the core's rules closely enough for component tests: a
 *   user id per namespace, stable until `resetTrackerMock()` (also across
 *   `removeTracker` and `createTracker` again, like the core's database); no
 *   session id or index until the tracker's first event, which starts a
 *   session (index 1 for a namespace's first, one more for each next) and
 *   calls `onSessionUpdate`; `startNewSession()` gives a new session at the
 *   next event; `pauseSessionChecking()` keeps the session; the
 *   foreground/background timeouts use `Date.now()` (Jest's modern fake
 *   timers move it); `setAppState('background' | 'active')` moves every
 *   tracker, and trackers created later, and counts the background and
 *   foreground indexes of the current session (reset by a new session);
 *   `'inactive'`, `'unknown'` and `'extension'` change nothing.
 * - State lives in this module: each Jest test file has its own (Jest's
 *   module registry); within a file, `resetTrackerMock()` starts again.
 * - It does not follow React Native's `AppState`: tests call `setAppState`.
 *
 * THE REAL CORE IN JEST, where the Node addon is available (a checkout of
 * react-native-rust-tracker built by `npm install`, or the environment
 * variable RN_RUST_TRACKER_ADDON naming a built `tracker_node.node`; the npm
 * package does not ship the addon):
 *
 *   jest.mock('react-native-rust-tracker', () => jest.requireActual('react-native-rust-tracker/jest').realCore());
 *
 * gives the package's Node entry: the same API over the Rust core, which
 * validates, stores (set `storage.directory` to a temporary directory) and
 * sends events to `networkConfig.endpoint`, so a test can use a local
 * collector. `realCoreAvailable()` says whether the addon is there
 * (`(realCoreAvailable() ? describe : describe.skip)(...)`). The addon is a
 * native module loaded once per Jest worker: its trackers outlive a test
 * file's module registry, so remove them (`removeAllTrackers()`) in
 * `afterAll`, and use namespaces of their own per test file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { makeApi, type NativeSurface } from './api';
import type {
  EventContext,
  ReactNativeTracker,
  SessionState,
  SubjectConfiguration,
  TrackerControllerConfiguration,
} from './types';

export { TrackerError } from './api';
export type * from './types';

/** The tracker methods that track an event (`trackScreenViewEvent`, ...). */
export type TrackMethodName = {
  [K in keyof ReactNativeTracker]: K extends `track${string}Event` ? K : never;
}[keyof ReactNativeTracker];

/** What every recorded event has. */
export interface TrackedEventBase {
  /** Namespace of the tracker that tracked it. */
  namespace: string;
  /** The fake's event id (a random UUID). */
  eventId: string;
  /** `Date.now()` when it was tracked. */
  timestamp: number;
  /** The entities given with the call (`[]` when none). */
  contexts: EventContext[];
  /** The global contexts attached at that time, in the order their tags were added. */
  globalContexts: EventContext[];
  /** The subject at that time (`subjectConfig` and the `set*` calls; cleared fields are left out). */
  subject: SubjectConfiguration;
  /** The session the event belongs to, as the fake counts it; undefined while session checking was paused before any session. */
  session: SessionState | undefined;
}

/** An event of a `track*` call: `argmap` is its first argument, as the core would receive it (JSON). */
export type TrackCallEvent = {
  [K in TrackMethodName]: TrackedEventBase & {
    method: K;
    argmap: Parameters<ReactNativeTracker[K]>[0];
    automatic: false;
  };
}[TrackMethodName];

/** An event the tracker tracked on its own: lifecycle, uncaught error, WebView message. */
export type AutomaticEvent = TrackedEventBase & { automatic: true } & (
    | { method: 'applicationBackground'; argmap: { backgroundIndex: number } }
    | { method: 'applicationForeground'; argmap: { foregroundIndex: number } }
    | { method: 'trackUncaughtError'; argmap: { message: string; stackTrace: string | null; isFatal: boolean } }
    /** `argmap` is the WebView tracker's message, parsed (`{command, event, context?, trackers?}`). */
    | { method: 'trackWebViewMessage'; argmap: Record<string, unknown> }
  );

/** An event the fake recorded. Narrow on `method` for a typed `argmap`. */
export type TrackedEvent = TrackCallEvent | AutomaticEvent;

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** A random UUID v4 (Math.random: the fake needs no crypto). */
function uuid(): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(Math.random() * 4)]}${hex(3)}-${hex(12)}`;
}

/** What the fake keeps per namespace across trackers, as the core's database does. */
interface Stored {
  userId: string;
  session?: SessionState & { lastUpdate: number; anonymised: boolean };
  sent: number;
}

/** A live fake tracker. */
interface Fake {
  config: TrackerControllerConfiguration;
  newSessionRequested: boolean;
  paused: boolean;
  activeThisRun: boolean;
  inBackground: boolean;
  backgroundIndex: number;
  foregroundIndex: number;
  subject: SubjectConfiguration;
  globalContexts: Map<string, EventContext[]>;
  /** Set when the configuration had a value JSON cannot carry. */
  failed?: Error;
}

type SessionReply = { namespace: string; session: SessionState }[];

let stored = new Map<string, Stored>();
let fakes = new Map<string, Fake>();
let appInBackground = false;
let recorded: TrackedEvent[] = [];

function failure(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

function store(namespace: string): Stored {
  let s = stored.get(namespace);
  if (!s) {
    s = { userId: uuid(), sent: 0 };
    stored.set(namespace, s);
  }
  return s;
}

function anonymised(fake: Fake): boolean {
  return fake.config.trackerConfig?.userAnonymisation === true;
}

/** The session check and count of one event (the core's rules, simplified). */
function onEvent(namespace: string, fake: Fake, eventId: string, now: number, sessions: SessionReply): SessionState | undefined {
  const s = store(namespace);
  const anonymise = anonymised(fake);
  let started = false;
  if (!fake.paused) {
    const current = s.session;
    const seconds = fake.inBackground && fake.activeThisRun
      ? fake.config.sessionConfig?.backgroundTimeout ?? 1800
      : fake.config.sessionConfig?.foregroundTimeout ?? 1800;
    if (
      !current ||
      fake.newSessionRequested ||
      current.anonymised !== anonymise ||
      now < current.lastUpdate ||
      now - current.lastUpdate > seconds * 1000
    ) {
      s.session = {
        userId: anonymise ? NIL_UUID : s.userId,
        sessionId: uuid(),
        sessionIndex: current ? current.sessionIndex + 1 : 1,
        previousSessionId: anonymise ? null : current?.sessionId ?? null,
        storageMechanism: 'SQLITE',
        firstEventId: eventId,
        firstEventTimestamp: new Date(now).toISOString(),
        eventIndex: 0,
        lastUpdate: now,
        anonymised: anonymise,
      };
      fake.newSessionRequested = false;
      fake.backgroundIndex = 0;
      fake.foregroundIndex = 0;
      started = true;
    }
  }
  const session = s.session;
  if (!session) return undefined;
  fake.activeThisRun = true;
  session.eventIndex += 1;
  if (!fake.paused) session.lastUpdate = now;
  const { lastUpdate: _l, anonymised: _a, ...state } = session;
  if (started) sessions.push({ namespace, session: { ...state, eventIndex: 1 } });
  return state;
}

/** Records one event of `namespace`'s tracker; the sessions it started go to `sessions`. */
function record(
  namespace: string,
  fake: Fake,
  event: { method: TrackedEvent['method']; argmap: unknown; contexts?: unknown; automatic: boolean },
  sessions: SessionReply,
): void {
  const eventId = uuid();
  const timestamp = Date.now();
  const session = onEvent(namespace, fake, eventId, timestamp, sessions);
  const subject: SubjectConfiguration = {};
  for (const [k, v] of Object.entries(fake.subject)) if (v !== null && v !== undefined) (subject as Record<string, unknown>)[k] = v;
  recorded.push({
    namespace,
    eventId,
    timestamp,
    method: event.method,
    argmap: event.argmap,
    automatic: event.automatic,
    contexts: Array.isArray(event.contexts) ? (event.contexts as EventContext[]) : [],
    globalContexts: Array.from(fake.globalContexts.values()).flat(),
    subject,
    session,
  } as TrackedEvent);
  store(namespace).sent += 1;
}

const SUBJECT_SETTERS: Record<string, keyof SubjectConfiguration> = {
  setUserId: 'userId',
  setNetworkUserId: 'networkUserId',
  setDomainUserId: 'domainUserId',
  setIpAddress: 'ipAddress',
  setUseragent: 'useragent',
  setTimezone: 'timezone',
  setLanguage: 'language',
  setScreenResolution: 'screenResolution',
  setScreenViewport: 'screenViewport',
  setColorDepth: 'colorDepth',
};

/** One tracker method of the fake: its answer (the reply's `value`). */
function call(namespace: string, fake: Fake, method: string, args: unknown[], sessions: SessionReply): unknown {
  const s = store(namespace);
  const current = fake.activeThisRun ? s.session : undefined;
  if (/^track.*Event$/.test(method) && method !== 'trackUncaughtError') {
    record(namespace, fake, { method: method as TrackMethodName, argmap: args[0], contexts: args[1], automatic: false }, sessions);
    return null;
  }
  if (method in SUBJECT_SETTERS) {
    fake.subject[SUBJECT_SETTERS[method]] = args[0] as never;
    return null;
  }
  switch (method) {
    case 'getSessionUserId':
      return s.userId;
    case 'getSessionId':
      return current ? current.sessionId : null;
    case 'getSessionIndex':
      return current ? current.sessionIndex : null;
    case 'getIsInBackground':
      return fake.inBackground;
    case 'getBackgroundIndex':
      return fake.backgroundIndex;
    case 'getForegroundIndex':
      return fake.foregroundIndex;
    case 'startNewSession':
      fake.newSessionRequested = true;
      return null;
    case 'pauseSessionChecking':
      fake.paused = true;
      return null;
    case 'resumeSessionChecking':
      fake.paused = false;
      return null;
    case 'flush':
      return null;
    case 'getDeliveryStats':
      return { queued: 0, sent: s.sent, dropped: { storeLimit: 0, rejected: 0, oversized: 0 }, lastError: null };
    case 'setSubjectData':
      Object.assign(fake.subject, args[0] ?? {});
      return null;
    case 'addGlobalContexts': {
      const gc = (args[0] ?? {}) as { tag?: unknown; globalContexts?: unknown };
      fake.globalContexts.delete(String(gc.tag));
      fake.globalContexts.set(String(gc.tag), Array.isArray(gc.globalContexts) ? (gc.globalContexts as EventContext[]) : []);
      return null;
    }
    case 'removeGlobalContexts':
      fake.globalContexts.delete(String(args[0]));
      return null;
    case 'trackUncaughtError':
      if (fake.config.trackerConfig?.exceptionAutotracking === false) return false;
      record(namespace, fake, { method: 'trackUncaughtError', argmap: args[0], automatic: true }, sessions);
      return true;
    case 'trackWebViewMessage': {
      let message: unknown;
      try {
        message = JSON.parse(String(args[0]));
      } catch {
        throw failure('INVALID_EVENT', 'trackWebViewMessage: the fake tracker (react-native-rust-tracker/jest) got a message that is not JSON');
      }
      const names = (message as { trackers?: unknown } | null)?.trackers;
      if (Array.isArray(names) && names.length > 0 && !names.includes(namespace)) return false;
      record(namespace, fake, { method: 'trackWebViewMessage', argmap: message, automatic: true }, sessions);
      return true;
    }
    default:
      throw failure('UNKNOWN_METHOD', `${method}: the fake tracker (react-native-rust-tracker/jest) has no such method`);
  }
}

/**
 * api.ts's marker of a value JSON cannot carry (NaN, Infinity, a function,
 * ...). The core refuses a call that has one; so does the fake, so a test
 * does not pass with a call that can never work.
 */
const UNSUPPORTED = '\u0000rn-rust-tracker:unsupported:';

/** The path of the first unsupported value in `value`, if any. */
function unsupported(value: unknown, at: string): string | undefined {
  if (typeof value === 'string') return value.startsWith(UNSUPPORTED) ? `${at} (${value.slice(UNSUPPORTED.length)})` : undefined;
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = unsupported(v, Array.isArray(value) ? `${at}[${k}]` : at ? `${at}.${k}` : k);
      if (found) return found;
    }
  }
  return undefined;
}

/** Answers like the native surface: a JSON reply, or a rejection with a code. */
function answer(fn: (sessions: SessionReply) => unknown): Promise<string> {
  const sessions: SessionReply = [];
  try {
    const value = fn(sessions);
    return Promise.resolve(JSON.stringify(sessions.length ? { value, sessions } : { value }));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** The in-memory native surface: the fake's decisions, and nothing of the core's. */
const fakeSurface: NativeSurface = {
  createTracker(namespace, configJson) {
    return answer(() => {
      const config = JSON.parse(configJson) as TrackerControllerConfiguration;
      const bad = unsupported(config, '');
      fakes.set(namespace, {
        config,
        newSessionRequested: config.sessionConfig?.continueSessionOnRestart !== true,
        paused: false,
        activeThisRun: false,
        inBackground: appInBackground,
        backgroundIndex: 0,
        foregroundIndex: 0,
        subject: { ...(config.subjectConfig ?? {}) },
        globalContexts: new Map((config.gcConfig ?? []).map((gc) => [gc.tag, gc.globalContexts] as const)),
        // As the core does, a creation it refuses fails every later call of the tracker.
        failed: bad ? failure('INVALID_CONFIG', `createTracker: ${bad} cannot be sent as JSON (react-native-rust-tracker/jest fake)`) : undefined,
      });
      store(namespace);
      return null;
    });
  },
  callTracker(namespace, method, argsJson) {
    return answer((sessions) => {
      const fake = fakes.get(namespace);
      if (!fake) throw failure('UNKNOWN_TRACKER', `${method}: no tracker ${JSON.stringify(namespace)} (removed)`);
      if (fake.failed) throw fake.failed;
      const args = JSON.parse(argsJson) as unknown[];
      const bad = unsupported(args, 'arguments');
      if (bad) {
        const code = /^track/.test(method) ? 'INVALID_EVENT' : 'INVALID_ARGUMENT';
        throw failure(code, `${method}: ${bad} cannot be sent as JSON (react-native-rust-tracker/jest fake)`);
      }
      return call(namespace, fake, method, Array.isArray(args) ? args : [], sessions);
    });
  },
  removeTracker(namespace) {
    return answer(() => fakes.delete(namespace));
  },
  removeAllTrackers() {
    return answer(() => {
      fakes.clear();
      return true;
    });
  },
  setAppState(state) {
    return answer((sessions) => {
      if (state === 'inactive' || state === 'unknown' || state === 'extension') return null;
      if (state !== 'active' && state !== 'background') {
        throw failure('INVALID_ARGUMENT', `setAppState: unknown app state ${JSON.stringify(state)}`);
      }
      const toBackground = state === 'background';
      appInBackground = toBackground;
      for (const [namespace, fake] of fakes) {
        if (fake.inBackground === toBackground) continue;
        const lifecycle = fake.config.trackerConfig?.lifecycleAutotracking !== false;
        // As in the core: the lifecycle event's session check uses the state being left, then the move is counted.
        const at = recorded.length;
        if (lifecycle) {
          record(
            namespace,
            fake,
            toBackground
              ? { method: 'applicationBackground', argmap: null, automatic: true }
              : { method: 'applicationForeground', argmap: null, automatic: true },
            sessions,
          );
        }
        fake.inBackground = toBackground;
        const index = toBackground ? ++fake.backgroundIndex : ++fake.foregroundIndex;
        if (lifecycle) recorded[at].argmap = toBackground ? { backgroundIndex: index } : { foregroundIndex: index };
      }
      return null;
    });
  },
};

const api = makeApi(() => fakeSurface);

export const { createTracker, removeTracker, removeAllTrackers, setAppState, getWebViewCallback, getAllTrackers } = api;

/**
 * The events recorded so far, oldest first, of every tracker or of
 * `namespace`'s. Copies: changing them changes nothing.
 */
export function trackedEvents(namespace?: string): TrackedEvent[] {
  const events = namespace === undefined ? recorded : recorded.filter((e) => e.namespace === namespace);
  return JSON.parse(JSON.stringify(events)) as TrackedEvent[];
}

/** Forgets the events recorded so far (trackers and sessions stay). */
export function clearTrackedEvents(): void {
  recorded = [];
}

/**
 * Starts the fake again, at once: every tracker removed (as by
 * `removeAllTrackers()`), events, user ids and sessions forgotten, the app in
 * the foreground. For `afterEach`/`beforeEach`.
 */
export function resetTrackerMock(): void {
  api.removeAllTrackers().catch(() => undefined);
  fakes = new Map();
  stored = new Map();
  recorded = [];
  appInBackground = false;
}

/** Jest's module-scope `jest` object, when this module runs in Jest. */
declare const jest: { requireActual(id: string): unknown } | undefined;

/** The Node addon the Node entry loads (js/src/node.ts decides the same). */
function addonFile(): string {
  return process.env.RN_RUST_TRACKER_ADDON ?? path.join(__dirname, 'tracker_node.node');
}

/** Whether the real core can run here: the Node addon file exists (a built checkout, or RN_RUST_TRACKER_ADDON). */
export function realCoreAvailable(): boolean {
  return fs.existsSync(addonFile());
}

/**
 * The package's Node entry: the real API over the Rust core, through the Node
 * addon; for `jest.mock('react-native-rust-tracker', () =>
 * jest.requireActual('react-native-rust-tracker/jest').realCore())`. Throws,
 * naming the file, when the addon is not there.
 */
export function realCore(): typeof import('./node') {
  const file = addonFile();
  if (!fs.existsSync(file)) {
    throw new Error(
      `react-native-rust-tracker/jest realCore(): the Node addon ${file} does not exist; it is built in a checkout of ` +
        'react-native-rust-tracker by `npm install` (needs Rust), and RN_RUST_TRACKER_ADDON can name a built one',
    );
  }
  // In Jest, `jest.mock('react-native-rust-tracker', ...)` may mock this very
  // file (the name resolves to the Node entry under Node's conditions), so
  // the actual one is asked for.
  const file_ = path.join(__dirname, 'node.js');
  if (typeof jest !== 'undefined' && typeof jest.requireActual === 'function') {
    return jest.requireActual(file_) as typeof import('./node');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./node') as typeof import('./node');
}

/** The mock's own test helpers, beside the package's API (kept in step by tests/jest). */
export const MOCK_HELPERS = ['trackedEvents', 'clearTrackedEvents', 'resetTrackerMock', 'realCore', 'realCoreAvailable', 'MOCK_HELPERS'] as const;
