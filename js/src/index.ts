/**
 * React Native entry (package.json `react-native`): the tracker API over the
 * `RustTracker` TurboModule.
 *
 * When the first tracker is created it reports the app's current state
 * (`AppState.currentState`: an app launched in the background, for headless
 * JS or a background fetch, starts in the background), then every change, so
 * background and foreground events and the session's background timeout work
 * as on Snowplow's native trackers. The core decides what each state means.
 * Importing this module has no side effects (Jest-friendly): the TurboModule
 * is looked up at the first call.
 */
import { AppState } from 'react-native';
import { makeApi, type NativeSurface, type TrackerApi } from './api';
import type { AppStateName } from './types';

let native: NativeSurface | undefined;
let following = false;

function surface(): NativeSurface {
  if (!native) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    native = (require('./NativeRustTracker') as { default: NativeSurface }).default;
  }
  return native;
}

function followAppState(api: TrackerApi): void {
  if (following) return;
  following = true;
  const report = (state: string | null | undefined) => {
    api.setAppState(String(state) as AppStateName).catch(() => undefined);
  };
  report(AppState.currentState);
  AppState.addEventListener('change', report);
}

const api = makeApi(surface, followAppState);

export const { createTracker, removeTracker, removeAllTrackers, setAppState, getWebViewCallback, getAllTrackers } = api;
export { TrackerError } from './api';
export type * from './types';
