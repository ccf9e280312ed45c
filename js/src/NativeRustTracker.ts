/**
 * The native surface of react-native-rust-tracker, defined once, and fixed.
 *
 * React Native's codegen turns this file into the Java/Kotlin and Objective-C
 * spec the Android and iOS modules implement; the Node addon exports the same
 * methods. It does not grow with the tracker's API: tracker methods are
 * called by name through `callTracker`, and their table lives in the Rust
 * core (crates/tracker-core/src/method.rs). Everything crosses as JSON
 * strings, because the core parses, validates and decides.
 *
 * Every method resolves with the core's JSON reply, `{"value": ...}` plus
 * `"sessions": [{"namespace", "session"}]` when the call started a session,
 * or rejects with the core's error `code` and `message`.
 *
 * Importing this file looks the module up; the entries only import it lazily.
 * The first parameter is `trackerNamespace`, not `namespace`: codegen copies
 * parameter names into Objective-C++ and C++, where `namespace` is a keyword.
 */
import type { TurboModule } from 'react-native';
import { TurboModuleRegistry } from 'react-native';

export interface Spec extends TurboModule {
  createTracker(trackerNamespace: string, configJson: string): Promise<string>;
  callTracker(trackerNamespace: string, method: string, argsJson: string): Promise<string>;
  removeTracker(trackerNamespace: string): Promise<string>;
  removeAllTrackers(): Promise<string>;
  setAppState(state: string): Promise<string>;
}

export default TurboModuleRegistry.getEnforcing<Spec>('RustTracker');
