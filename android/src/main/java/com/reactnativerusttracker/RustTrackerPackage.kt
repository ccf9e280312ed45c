// Registers the RustTracker TurboModule with React Native (found by autolinking).
// It only creates the module and describes it; the module itself forwards every
// call to the Rust core.

package com.reactnativerusttracker

import com.facebook.react.BaseReactPackage
import com.facebook.react.bridge.NativeModule
import com.facebook.react.bridge.ReactApplicationContext
import com.facebook.react.module.model.ReactModuleInfo
import com.facebook.react.module.model.ReactModuleInfoProvider

class RustTrackerPackage : BaseReactPackage() {
  override fun getModule(name: String, reactContext: ReactApplicationContext): NativeModule? =
    if (name == RustTrackerModule.NAME) RustTrackerModule(reactContext) else null

  override fun getReactModuleInfoProvider(): ReactModuleInfoProvider =
    ReactModuleInfoProvider {
      mapOf(
        RustTrackerModule.NAME to
          ReactModuleInfo(
            RustTrackerModule.NAME, // name
            RustTrackerModule::class.java.name, // className
            false, // canOverrideExistingModule
            false, // needsEagerInit
            false, // isCxxModule
            true, // isTurboModule
          ),
      )
    }
}
