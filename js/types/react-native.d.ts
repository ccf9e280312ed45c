// The few React Native types this library's sources use, so the library
// compiles without installing react-native itself. Apps get the real ones.
declare module 'react-native' {
  export interface TurboModule {}
  export const TurboModuleRegistry: {
    getEnforcing<T extends TurboModule>(name: string): T;
    get<T extends TurboModule>(name: string): T | null;
  };
  export type AppStateStatus = 'active' | 'background' | 'inactive' | 'unknown' | 'extension';
  export const AppState: {
    currentState: AppStateStatus;
    addEventListener(type: 'change', listener: (state: AppStateStatus) => void): { remove(): void };
  };
}
