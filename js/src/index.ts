/**
 * React Native entry (package.json `react-native`): the tracker API over the
 * `RustTracker` TurboModule.
 *
 * On the first `createTracker` it starts following `AppState` and tells the
 * core about every change, so background and foreground events and the
 * session's background timeout work as on Snowplow's native trackers.
 * Importing this module has no side effects (Jest-friendly): the TurboModule
 * is looked up at the first call.
 */
import { AppState } from 'react-native';
import { makeApi, type NativeSurface } from './api';

let native: NativeSurface | undefined;
let following = false;

function surface(): NativeSurface {
  if (!native) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    native = (require('./NativeRustTracker') as { default: NativeSurface }).default;
  }
  return native;
}

function followAppState(): void {
  if (following) return;
  following = true;
  AppState.addEventListener('change', (state) => {
    // The core decides what each state means (and ignores transitional ones).
    surface().setAppState(state).catch(() => undefined);
  });
}

const api = makeApi(surface, followAppState);

export const { createTracker, removeTracker, removeAllTrackers, setAppState } = api;
export { TrackerError } from './api';
export type * from './types';
