/**
 * The native surface of react-native-rust-tracker, defined once.
 *
 * React Native's codegen turns this file into the Java/Kotlin and Objective-C
 * spec the Android and iOS modules implement; the Node addon exports the same
 * methods. Configurations and events cross as JSON strings, because the Rust
 * core parses and validates them: the platforms never decide anything.
 *
 * Importing this file looks the module up; the entries only import it lazily.
 * The first parameter is `trackerNamespace`, not `namespace`: codegen copies
 * parameter names into Objective-C++ and C++, where `namespace` is a keyword.
 */
import type { TurboModule } from 'react-native';
import { TurboModuleRegistry } from 'react-native';

/** The values behind the six session getters: the JSON `getSessionInfo` resolves with. */
export type NativeSessionInfo = {
  userId: string;
  sessionId: string | null;
  sessionIndex: number | null;
  isInBackground: boolean;
  backgroundIndex: number;
  foregroundIndex: number;
};

export interface Spec extends TurboModule {
  createTracker(trackerNamespace: string, configJson: string): Promise<void>;
  removeTracker(trackerNamespace: string): Promise<boolean>;
  removeAllTrackers(): Promise<void>;
  trackScreenViewEvent(trackerNamespace: string, argsJson: string): Promise<void>;
  trackSelfDescribingEvent(trackerNamespace: string, argsJson: string): Promise<void>;
  trackStructuredEvent(trackerNamespace: string, argsJson: string): Promise<void>;
  /** Resolves with `NativeSessionInfo` as JSON (a string crosses every bridge unchanged). */
  getSessionInfo(trackerNamespace: string): Promise<string>;
  startNewSession(trackerNamespace: string): Promise<void>;
  flush(trackerNamespace: string): Promise<void>;
  setAppState(state: string): Promise<void>;
}

export default TurboModuleRegistry.getEnforcing<Spec>('RustTracker');
