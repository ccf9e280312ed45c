// The Android TurboModule "RustTracker": a pass-through to the Rust core.
//
// The native surface is fixed (js/src/NativeRustTracker.ts): five methods,
// strings in, and each call handed to the matching UniFFI binding at once, on
// the thread React Native calls the module on. The bindings only enqueue, so
// nothing here waits on the disk or the network, and calls reach the core in
// the order JavaScript made them. The core settles the Promise later, from
// its own threads, through PromiseAnswer: resolved with its JSON reply, or
// rejected with its error code and message. Tracker methods are called by
// name, so this file does not change when the tracker's API grows.
//
// The only platform inputs are facts (PlatformFacts.kt): the package name and
// the files directory (the core decides the app id default and the storage
// folder), and the device, the app and the user's settings, read once per
// createTracker (the core decides which entities and payload fields they
// become).

package com.reactnativerusttracker

import com.facebook.react.bridge.Promise
import com.facebook.react.bridge.ReactApplicationContext
import com.reactnativerusttracker.core.Answer
// Aliased: inside this type, its own methods would shadow the bindings' names.
import com.reactnativerusttracker.core.callTracker as coreCallTracker
import com.reactnativerusttracker.core.createTracker as coreCreateTracker
import com.reactnativerusttracker.core.removeAllTrackers as coreRemoveAllTrackers
import com.reactnativerusttracker.core.removeTracker as coreRemoveTracker
import com.reactnativerusttracker.core.setAppState as coreSetAppState

class RustTrackerModule(reactContext: ReactApplicationContext) :
  NativeRustTrackerSpec(reactContext) {

  override fun getName(): String = NAME

  override fun createTracker(trackerNamespace: String, configJson: String, promise: Promise) {
    val facts = platformFacts(reactApplicationContext)
    handOver(promise) { coreCreateTracker(trackerNamespace, configJson, facts, it) }
  }

  override fun callTracker(trackerNamespace: String, method: String, argsJson: String, promise: Promise) {
    handOver(promise) { coreCallTracker(trackerNamespace, method, argsJson, it) }
  }

  override fun removeTracker(trackerNamespace: String, promise: Promise) {
    handOver(promise) { coreRemoveTracker(trackerNamespace, it) }
  }

  override fun removeAllTrackers(promise: Promise) {
    handOver(promise) { coreRemoveAllTrackers(it) }
  }

  override fun setAppState(state: String, promise: Promise) {
    handOver(promise) { coreSetAppState(state, it) }
  }

  companion object {
    const val NAME = "RustTracker"
  }
}

/**
 * Hands a call to the core with [promise] as its answer. A call the bindings
 * cannot even make (a string with a lone surrogate cannot be encoded as
 * UTF-8) never reaches the core: its Promise is rejected with the binding's
 * own words, under the code TypeScript uses for failures outside the core,
 * instead of the exception escaping into React Native's module thread.
 */
private inline fun handOver(promise: Promise, call: (Answer) -> Unit) {
  try {
    call(PromiseAnswer(promise))
  } catch (e: Exception) {
    promise.reject("NATIVE_ERROR", e.message ?: e.toString())
  }
}

/** Settles a React Native Promise with the core's answer, as it is. */
private class PromiseAnswer(private val promise: Promise) : Answer {
  override fun resolve(json: String) = promise.resolve(json)

  override fun reject(code: String, message: String) = promise.reject(code, message)
}
