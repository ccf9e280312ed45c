// The Android TurboModule "RustTracker": a pass-through to the Rust core.
//
// Every method hands its strings to the matching UniFFI binding and settles the
// Promise with the answer. The core validates, fills in defaults and decides;
// nothing is checked or changed here. The only platform inputs are the two
// defaults the core asks for: the app id (package name) and a storage directory
// inside the app's files directory.
//
// The bindings (com.reactnativerusttracker.core, generated from
// crates/tracker-ffi) are suspend functions; they run on a scope owned by the
// module, cancelled when React Native invalidates it.

package com.reactnativerusttracker

import com.facebook.react.bridge.Promise
import com.facebook.react.bridge.ReactApplicationContext
// Aliased: inside this type, its own methods would shadow the bindings' names.
import com.reactnativerusttracker.core.createTracker as coreCreateTracker
import com.reactnativerusttracker.core.flush as coreFlush
import com.reactnativerusttracker.core.getSessionInfo as coreGetSessionInfo
import com.reactnativerusttracker.core.removeAllTrackers as coreRemoveAllTrackers
import com.reactnativerusttracker.core.removeTracker as coreRemoveTracker
import com.reactnativerusttracker.core.setAppState as coreSetAppState
import com.reactnativerusttracker.core.startNewSession as coreStartNewSession
import com.reactnativerusttracker.core.trackScreenViewEvent as coreTrackScreenViewEvent
import com.reactnativerusttracker.core.trackSelfDescribingEvent as coreTrackSelfDescribingEvent
import com.reactnativerusttracker.core.trackStructuredEvent as coreTrackStructuredEvent
import java.io.File
import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch

class RustTrackerModule(reactContext: ReactApplicationContext) :
  NativeRustTrackerSpec(reactContext) {

  private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

  override fun getName(): String = NAME

  override fun createTracker(trackerNamespace: String, configJson: String, promise: Promise) {
    forward(promise) {
      val context = reactApplicationContext
      val storageDirectory = File(context.filesDir, STORAGE_DIRECTORY).absolutePath
      coreCreateTracker(trackerNamespace, configJson, context.packageName, storageDirectory, null)
      null
    }
  }

  override fun removeTracker(trackerNamespace: String, promise: Promise) {
    forward(promise) { coreRemoveTracker(trackerNamespace) }
  }

  override fun removeAllTrackers(promise: Promise) {
    forward(promise) {
      coreRemoveAllTrackers()
      null
    }
  }

  override fun trackScreenViewEvent(trackerNamespace: String, argsJson: String, promise: Promise) {
    forward(promise) {
      coreTrackScreenViewEvent(trackerNamespace, argsJson)
      null
    }
  }

  override fun trackSelfDescribingEvent(trackerNamespace: String, argsJson: String, promise: Promise) {
    forward(promise) {
      coreTrackSelfDescribingEvent(trackerNamespace, argsJson)
      null
    }
  }

  override fun trackStructuredEvent(trackerNamespace: String, argsJson: String, promise: Promise) {
    forward(promise) {
      coreTrackStructuredEvent(trackerNamespace, argsJson)
      null
    }
  }

  override fun getSessionInfo(trackerNamespace: String, promise: Promise) {
    // A JSON string made by the core; the TypeScript layer parses it.
    forward(promise) { coreGetSessionInfo(trackerNamespace) }
  }

  override fun startNewSession(trackerNamespace: String, promise: Promise) {
    forward(promise) {
      coreStartNewSession(trackerNamespace)
      null
    }
  }

  override fun flush(trackerNamespace: String, promise: Promise) {
    forward(promise) {
      coreFlush(trackerNamespace)
      null
    }
  }

  override fun setAppState(state: String, promise: Promise) {
    forward(promise) {
      coreSetAppState(state)
      null
    }
  }

  override fun invalidate() {
    super.invalidate()
    scope.cancel()
  }

  /**
   * Runs [call] on the module's scope and settles [promise] with its result
   * (null for the void methods). A failure rejects with the error's type name
   * in SCREAMING_SNAKE (TrackerException.InvalidConfig gives INVALID_CONFIG,
   * the same codes as the core's TrackerError::code) and the core's message.
   * Cancellation (the module being invalidated) settles nothing.
   */
  private fun forward(promise: Promise, call: suspend () -> Any?) {
    scope.launch {
      val result = try {
        call()
      } catch (e: CancellationException) {
        throw e
      } catch (e: Throwable) {
        promise.reject(errorCode(e), e.message, e)
        return@launch
      }
      promise.resolve(result)
    }
  }

  private fun errorCode(e: Throwable): String =
    e.javaClass.simpleName.replace(CAMEL_HUMP, "\$1_\$2").uppercase()

  companion object {
    const val NAME = "RustTracker"
    private const val STORAGE_DIRECTORY = "react-native-rust-tracker"
    private val CAMEL_HUMP = Regex("([a-z0-9])([A-Z])")
  }
}
