/**
 * The app's one tracker, created when the app starts (at module scope, as
 * most apps do). On a device the events go to the collector below: run one
 * on your computer and, on an Android emulator, `adb reverse tcp:9090 tcp:9090`.
 */
import { createTracker } from 'react-native-rust-tracker';

export const COLLECTOR_ENDPOINT = 'http://localhost:9090';

export const tracker = createTracker(
  'example',
  { endpoint: COLLECTOR_ENDPOINT },
  {
    trackerConfig: { appId: 'rust-tracker-example', screenViewAutotracking: false },
    sessionConfig: { foregroundTimeout: 1800, backgroundTimeout: 1800 },
  },
);
