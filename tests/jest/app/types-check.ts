/**
 * Type-checked (tsc --noEmit, Node16 resolution: the exports map's `types`)
 * in the temporary app: the mock's types, by package name, are the real
 * API's, plus its helpers; a recorded event narrows on `method`.
 */
import * as real from 'react-native-rust-tracker';
import * as mock from 'react-native-rust-tracker/jest';
import { createTracker, trackedEvents, realCore, type ReactNativeTracker, type TrackedEvent } from 'react-native-rust-tracker/jest';

// The mock can stand wherever the real module is expected (every export, compatible types).
export const asReal: typeof real = mock;
// And the real core, as realCore() gives it.
export const core: typeof real = realCore();

const tracker: ReactNativeTracker = createTracker('x', { endpoint: 'https://collector.example' });
export const pending: Promise<string | undefined> = tracker.getSessionId();

export function names(): string[] {
  const events: TrackedEvent[] = trackedEvents('x');
  const out: string[] = [];
  for (const e of events) {
    if (e.method === 'trackScreenViewEvent') out.push(e.argmap.name);
    if (e.method === 'applicationBackground') out.push(String(e.argmap.backgroundIndex));
    if (e.session) out.push(e.session.sessionId);
  }
  return out;
}
