/**
 * Node entry (package.json `main`): the same API as on React Native, over the
 * Node-API addon built from crates/tracker-node.
 *
 * Node has no app lifecycle, so `setAppState('active' | 'background')` drives
 * the lifecycle of every tracker. `controllerConfig.storage.directory` sets
 * where the SQLite databases live (default: the per-user data directory, e.g.
 * `~/.local/share/react-native-rust-tracker`). Importing this module has no
 * side effects: the addon loads at the first call.
 */
import * as path from 'path';
import { makeApi, type NativeSurface } from './api';

let addon: NativeSurface | undefined;

function loadAddon(): NativeSurface {
  if (!addon) {
    const file = process.env.RN_RUST_TRACKER_ADDON ?? path.join(__dirname, 'tracker_node.node');
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      addon = require(file) as NativeSurface;
    } catch (e) {
      throw new Error(
        `the Node addon could not be loaded from ${file} (${e instanceof Error ? e.message : String(e)}); ` +
          'it is built from a checkout of react-native-rust-tracker by `npm install` (needs Rust), ' +
          'and RN_RUST_TRACKER_ADDON can point to a built one',
      );
    }
  }
  return addon;
}

const api = makeApi(loadAddon);

export const { createTracker, removeTracker, removeAllTrackers, setAppState, getWebViewCallback, getAllTrackers } = api;
export { TrackerError } from './api';
export type * from './types';
