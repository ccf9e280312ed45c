// The Android TurboModule on a plain JVM: RustTrackerModule (compiled against
// the real react-android classes and the codegen spec) over a fake Android
// Context, calling the real core through the generated bindings and JNA.
//
// Run by scripts/android-jvm.js (tests/android-jvm/pom.xml).

package com.reactnativerusttracker

import android.content.Context
import android.content.ContextWrapper
import com.facebook.react.bridge.BridgeReactContext
import com.facebook.react.bridge.Promise
import com.facebook.react.bridge.ReactApplicationContext
import com.facebook.react.bridge.WritableMap
import com.facebook.react.turbomodule.core.interfaces.TurboModule
import com.reactnativerusttracker.core.TrackerException
import java.io.File
import java.nio.file.Path
import java.util.UUID
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import org.json.JSONObject
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * The app's Context as far as React Native and the module use it: the
 * application context (ReactApplicationContext wraps it), the files directory
 * and the package name.
 */
class FakeAppContext(private val files: File, private val pkg: String) : ContextWrapper(null) {
  override fun getApplicationContext(): Context = this

  override fun getFilesDir(): File = files

  override fun getPackageName(): String = pkg
}

/** How a Promise was settled. */
sealed interface Outcome {
  data class Resolved(val value: Any?) : Outcome

  data class Rejected(val code: String?, val message: String?, val cause: Throwable?) : Outcome
}

/** A Promise that records how it was settled, and how many times. */
class RecordingPromise : Promise {
  private val outcome = CompletableFuture<Outcome>()
  val settlements = AtomicInteger()

  private fun settle(o: Outcome) {
    settlements.incrementAndGet()
    outcome.complete(o)
  }

  fun await(): Outcome = outcome.get(10, TimeUnit.SECONDS)

  override fun resolve(value: Any?) = settle(Outcome.Resolved(value))

  override fun reject(code: String, message: String?) = settle(Outcome.Rejected(code, message, null))

  override fun reject(code: String, throwable: Throwable?) =
    settle(Outcome.Rejected(code, throwable?.message, throwable))

  override fun reject(code: String, message: String?, throwable: Throwable?) =
    settle(Outcome.Rejected(code, message, throwable))

  override fun reject(throwable: Throwable) = settle(Outcome.Rejected(null, throwable.message, throwable))

  override fun reject(throwable: Throwable, userInfo: WritableMap) =
    settle(Outcome.Rejected(null, throwable.message, throwable))

  override fun reject(code: String, userInfo: WritableMap) = settle(Outcome.Rejected(code, null, null))

  override fun reject(code: String, throwable: Throwable?, userInfo: WritableMap) =
    settle(Outcome.Rejected(code, throwable?.message, throwable))

  override fun reject(code: String, message: String?, userInfo: WritableMap) =
    settle(Outcome.Rejected(code, message, null))

  override fun reject(code: String?, message: String?, throwable: Throwable?, userInfo: WritableMap?) =
    settle(Outcome.Rejected(code, message, throwable))

  @Deprecated("Prefer passing a module-specific error code to JS.")
  override fun reject(message: String) = settle(Outcome.Rejected(null, message, null))
}

class RustTrackerModuleTest {
  @TempDir lateinit var filesDir: Path

  private lateinit var context: ReactApplicationContext
  private lateinit var module: RustTrackerModule

  /** A namespace of its own per test: the core's registry is process-wide. */
  private val namespace = "android_jvm_" + UUID.randomUUID().toString().replace("-", "").take(12)

  /** Loopback, a port nobody listens on: sending fails at once and the events stay stored. */
  private val config = """{"networkConfig":{"endpoint":"http://127.0.0.1:9"}}"""

  @BeforeEach
  fun setUp() {
    context = BridgeReactContext(FakeAppContext(filesDir.toFile(), "com.example.app"))
    module = RustTrackerModule(context)
  }

  @AfterEach
  fun tearDown() {
    call { module.removeTracker(namespace, it) }
    module.invalidate()
  }

  /** Calls a module method with a fresh Promise and waits until it is settled (exactly once). */
  private fun call(method: (Promise) -> Unit): Outcome {
    val promise = RecordingPromise()
    method(promise)
    val outcome = promise.await()
    assertEquals(1, promise.settlements.get(), "the promise is settled once")
    return outcome
  }

  private fun resolved(outcome: Outcome): Any? {
    assertInstanceOf(Outcome.Resolved::class.java, outcome, "expected a resolved promise, got $outcome")
    return (outcome as Outcome.Resolved).value
  }

  private fun rejected(outcome: Outcome, code: String): Outcome.Rejected {
    assertInstanceOf(Outcome.Rejected::class.java, outcome, "expected a rejection $code, got $outcome")
    val r = outcome as Outcome.Rejected
    assertEquals(code, r.code, "code of $r")
    assertNotNull(r.message, "message of $r")
    return r
  }

  private fun createTracker() = assertNull(resolved(call { module.createTracker(namespace, config, it) }))

  @Test
  fun `the module is the codegen spec's TurboModule named RustTracker`() {
    assertEquals("RustTracker", module.name)
    assertEquals(NativeRustTrackerSpec.NAME, module.name)
    assertInstanceOf(NativeRustTrackerSpec::class.java, module)
    assertInstanceOf(TurboModule::class.java, module)
  }

  @Test
  fun `createTracker, a screen view and the session info`() {
    createTracker()
    assertNull(resolved(call { module.trackScreenViewEvent(namespace, """{"event":{"name":"Home"}}""", it) }))

    val json = resolved(call { module.getSessionInfo(namespace, it) })
    assertInstanceOf(String::class.java, json, "getSessionInfo resolves with the core's JSON string")
    val info = JSONObject(json as String)
    assertEquals(1, info.getInt("sessionIndex"))
    assertTrue(
      Regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").matches(info.getString("sessionId")),
      "sessionId ${info.get("sessionId")}",
    )
    assertTrue(info.getString("userId").isNotEmpty())
    assertFalse(info.getBoolean("isInBackground"))
    assertEquals(0, info.getInt("backgroundIndex"))
    assertEquals(0, info.getInt("foregroundIndex"))

    // The other two event kinds and the session methods pass through as well.
    assertNull(
      resolved(
        call {
          module.trackSelfDescribingEvent(
            namespace,
            """{"event":{"schema":"iglu:com.example/e/jsonschema/1-0-0","data":{"a":1}}}""",
            it,
          )
        },
      ),
    )
    assertNull(resolved(call { module.trackStructuredEvent(namespace, """{"event":{"category":"c","action":"a"}}""", it) }))
    assertNull(resolved(call { module.startNewSession(namespace, it) }))
    assertNull(resolved(call { module.trackScreenViewEvent(namespace, """{"event":{"name":"Next"}}""", it) }))
    val next = JSONObject(resolved(call { module.getSessionInfo(namespace, it) }) as String)
    assertEquals(2, next.getInt("sessionIndex"))
    assertEquals(info.getString("userId"), next.getString("userId"))
  }

  @Test
  fun `before any event the session info has no session`() {
    createTracker()
    val info = JSONObject(resolved(call { module.getSessionInfo(namespace, it) }) as String)
    assertTrue(info.isNull("sessionId"), "sessionId of $info")
    assertTrue(info.isNull("sessionIndex"), "sessionIndex of $info")
  }

  @Test
  fun `the database lives in the app's files directory`() {
    createTracker()
    assertNull(resolved(call { module.trackScreenViewEvent(namespace, """{"event":{"name":"Home"}}""", it) }))
    val db = filesDir.resolve("react-native-rust-tracker").resolve("rn-rust-tracker-$namespace.sqlite").toFile()
    assertTrue(db.isFile, "expected $db; the directory has ${db.parentFile.list()?.toList()}")
    assertTrue(db.length() > 0)
  }

  @Test
  fun `a bad config rejects with INVALID_CONFIG naming the field`() {
    val r =
      rejected(
        call {
          module.createTracker(
            namespace,
            """{"networkConfig":{"endpoint":"http://127.0.0.1:9"},"sessionConfig":{"foregroundTimeout":-1}}""",
            it,
          )
        },
        "INVALID_CONFIG",
      )
    assertTrue(r.message!!.contains("sessionConfig.foregroundTimeout"), r.message)
    // The code is the name of the core's exception class; the exception goes along.
    assertInstanceOf(TrackerException.InvalidConfig::class.java, r.cause)
    assertEquals(r.cause!!.message, r.message)
  }

  @Test
  fun `a bad event rejects with INVALID_EVENT naming the field`() {
    createTracker()
    val r = rejected(call { module.trackScreenViewEvent(namespace, """{"event":{}}""", it) }, "INVALID_EVENT")
    assertTrue(r.message!!.contains("screenView.name"), r.message)
    assertInstanceOf(TrackerException.InvalidEvent::class.java, r.cause)
  }

  @Test
  fun `removeTracker resolves true then false, and the removed tracker rejects with UNKNOWN_TRACKER`() {
    createTracker()
    assertEquals(true, resolved(call { module.removeTracker(namespace, it) }))
    assertEquals(false, resolved(call { module.removeTracker(namespace, it) }))
    val r = rejected(call { module.trackScreenViewEvent(namespace, """{"event":{"name":"Home"}}""", it) }, "UNKNOWN_TRACKER")
    assertTrue(r.message!!.contains(namespace), r.message)
    rejected(call { module.getSessionInfo(namespace, it) }, "UNKNOWN_TRACKER")
    rejected(call { module.flush(namespace, it) }, "UNKNOWN_TRACKER")
  }

  @Test
  fun `setAppState with an unknown state rejects with INVALID_ARGUMENT`() {
    val r = rejected(call { module.setAppState("sideways", it) }, "INVALID_ARGUMENT")
    assertTrue(r.message!!.contains("sideways"), r.message)
    // `inactive` changes nothing and resolves.
    assertNull(resolved(call { module.setAppState("inactive", it) }))
  }

  @Test
  fun `flush rejects with NETWORK when the collector is unreachable`() {
    createTracker()
    assertNull(resolved(call { module.trackScreenViewEvent(namespace, """{"event":{"name":"Home"}}""", it) }))
    rejected(call { module.flush(namespace, it) }, "NETWORK")
  }

  @Test
  fun `the package gives the module for its name and describes it as a TurboModule`() {
    val pkg = RustTrackerPackage()
    val made = pkg.getModule("RustTracker", context)
    assertInstanceOf(RustTrackerModule::class.java, made)
    assertNull(pkg.getModule("SomethingElse", context))

    val infos = pkg.reactModuleInfoProvider.getReactModuleInfos()
    assertEquals(setOf("RustTracker"), infos.keys)
    val info = infos.getValue("RustTracker")
    assertEquals("RustTracker", info.name())
    assertEquals(RustTrackerModule::class.java.name, info.className())
    assertTrue(info.isTurboModule, "isTurboModule")
    assertFalse(info.isCxxModule, "isCxxModule")
    assertFalse(info.needsEagerInit(), "needsEagerInit")
    assertFalse(info.canOverrideExistingModule(), "canOverrideExistingModule")
    // The class really is one, as React Native checks it.
    assertTrue(com.facebook.react.module.model.ReactModuleInfo.classIsTurboModule(RustTrackerModule::class.java))
    (made as RustTrackerModule).invalidate()
  }

  @Test
  fun `an invalidated module settles nothing more and the tracker goes on`() {
    createTracker()
    module.invalidate()
    val late = RecordingPromise()
    module.trackScreenViewEvent(namespace, """{"event":{"name":"Home"}}""", late)
    Thread.sleep(200)
    assertEquals(0, late.settlements.get(), "a call after invalidate() is dropped")
    // A new module instance (React Native makes one on reload) reaches the same tracker.
    module = RustTrackerModule(context)
    assertNull(resolved(call { module.trackScreenViewEvent(namespace, """{"event":{"name":"Home"}}""", it) }))
  }

  @Test
  fun `removeAllTrackers resolves`() {
    createTracker()
    assertSame(null, resolved(call { module.removeAllTrackers(it) }))
    rejected(call { module.getSessionInfo(namespace, it) }, "UNKNOWN_TRACKER")
  }
}
