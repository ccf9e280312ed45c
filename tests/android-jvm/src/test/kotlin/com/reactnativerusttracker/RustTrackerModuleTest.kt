// The Android TurboModule on a plain JVM: RustTrackerModule (compiled against
// the real react-android classes and the codegen spec) over a fake Android
// Context, calling the real core through the generated bindings and JNA.
//
// Run by scripts/android-jvm.js (tests/android-jvm/pom.xml).

package com.reactnativerusttracker

import com.facebook.react.bridge.Promise
import com.facebook.react.bridge.ReactApplicationContext
import com.facebook.react.bridge.ReactMethod
import com.facebook.react.module.model.ReactModuleInfo
import com.facebook.react.turbomodule.core.interfaces.TurboModule
import com.reactnativerusttracker.testing.Collector
import java.lang.reflect.Modifier
import java.nio.file.Files
import java.nio.file.Path
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

class RustTrackerModuleTest {
  @TempDir lateinit var filesDir: Path

  private lateinit var context: ReactApplicationContext
  private lateinit var module: RustTrackerModule
  private val collectors = mutableListOf<Collector>()

  private val namespace = uniqueNamespace()

  /** Loopback, a port nobody listens on: sending fails at once and the events stay stored. */
  private val deadConfig = """{"networkConfig":{"endpoint":"http://127.0.0.1:9"}}"""

  @BeforeEach
  fun setUp() {
    context = reactContext(filesDir)
    module = RustTrackerModule(context)
    assertEquals("""{"value":null}""", resolvedReply(call { module.setAppState("active", it) }).json)
  }

  @AfterEach
  fun tearDown() {
    resolvedReply(call { module.removeAllTrackers(it) })
    resolvedReply(call { module.setAppState("active", it) })
    module.invalidate()
    collectors.forEach { it.close() }
  }

  private fun collector() = Collector.start().also { collectors += it }

  /** Calls a module method with a fresh Promise and waits until it is settled (exactly once). */
  private fun call(method: (Promise) -> Unit): Outcome = RecordingPromise().also(method).await()

  private fun callTracker(name: String, argsJson: String = "[]", ns: String = namespace): Outcome =
    call { module.callTracker(ns, name, argsJson, it) }

  private fun value(outcome: Outcome): Any? = resolvedReply(outcome).value

  private fun createTracker(config: String = deadConfig) =
    assertEquals("""{"value":null}""", resolvedReply(call { module.createTracker(namespace, config, it) }).json)

  @Test
  fun `the module is the codegen spec's TurboModule named RustTracker, with the five methods of the fixed surface`() {
    assertEquals("RustTracker", module.name)
    assertEquals(NativeRustTrackerSpec.NAME, module.name)
    assertInstanceOf(NativeRustTrackerSpec::class.java, module)
    assertInstanceOf(TurboModule::class.java, module)
    val methods =
      NativeRustTrackerSpec::class.java.declaredMethods
        .filter { it.isAnnotationPresent(ReactMethod::class.java) }
        .onEach { assertTrue(Modifier.isAbstract(it.modifiers), "${it.name} is left to the module") }
        .associate { m -> m.name to m.parameterTypes.map { it.simpleName } }
    assertEquals(
      mapOf(
        "createTracker" to listOf("String", "String", "Promise"),
        "callTracker" to listOf("String", "String", "String", "Promise"),
        "removeTracker" to listOf("String", "Promise"),
        "removeAllTrackers" to listOf("Promise"),
        "setAppState" to listOf("String", "Promise"),
      ),
      methods,
    )
  }

  @Test
  fun `a string the bindings cannot encode is a rejected Promise, not an exception on React Native's thread`() {
    createTracker()
    // A lone surrogate has no UTF-8 form: the call never reaches the core.
    val bad = rejection(callTracker("trackScreenViewEvent", "[{\"name\":\"\uD800\"}]"), "NATIVE_ERROR")
    assertTrue(!bad.message.isNullOrEmpty(), "the binding's own words: ${bad.message}")
    assertEquals("NATIVE_ERROR", rejection(call { module.createTracker("ns\uDC00", deadConfig, it) }, "NATIVE_ERROR").code)
    assertEquals("NATIVE_ERROR", rejection(call { module.setAppState("\uD800", it) }, "NATIVE_ERROR").code)
    // The tracker is untouched.
    assertNull(value(callTracker("trackScreenViewEvent", """[{"name":"fine"}]""")))
    assertEquals(1, value(callTracker("getSessionIndex")))
  }

  @Test
  fun `createTracker, events and the getters resolve with the core's JSON replies`() {
    createTracker()
    val userId = value(callTracker("getSessionUserId")) as String
    assertTrue(UUID.matches(userId), "user id before any event: $userId")
    assertNull(value(callTracker("getSessionId")), "no session before the first event")
    assertNull(value(callTracker("getSessionIndex")))

    assertEquals("""{"value":null}""", resolvedReply(callTracker("trackScreenViewEvent", """[{"name":"Home"}]""")).json)
    val sessionId = value(callTracker("getSessionId")) as String
    assertTrue(UUID.matches(sessionId), "sessionId $sessionId")
    assertEquals(1, value(callTracker("getSessionIndex")))
    assertEquals(userId, value(callTracker("getSessionUserId")))
    assertEquals(false, value(callTracker("getIsInBackground")))
    assertEquals(0, value(callTracker("getBackgroundIndex")))
    assertEquals(0, value(callTracker("getForegroundIndex")))

    // The other two event kinds and the session methods pass through as well.
    assertNull(
      value(
        callTracker(
          "trackSelfDescribingEvent",
          """[{"schema":"iglu:com.acme/thing/jsonschema/1-0-0","data":{"a":1}}, [{"schema":"iglu:com.acme/ctx/jsonschema/1-0-0","data":{"b":2}}]]""",
        )
      )
    )
    assertNull(value(callTracker("trackStructuredEvent", """[{"category":"c","action":"a"}]""")))
    assertNull(value(callTracker("startNewSession")))
    assertNull(value(callTracker("trackScreenViewEvent", """[{"name":"Next"}]""")))
    assertEquals(2, value(callTracker("getSessionIndex")))
    assertEquals(userId, value(callTracker("getSessionUserId")))

    // App state goes to every tracker.
    assertEquals("""{"value":null}""", resolvedReply(call { module.setAppState("background", it) }).json)
    assertEquals(true, value(callTracker("getIsInBackground")))
    assertEquals(1, value(callTracker("getBackgroundIndex")))
  }

  @Test
  fun `the database lives in the app's files directory, and the package name is the default app id`() {
    val collector = collector()
    createTracker("""{"networkConfig":{"endpoint":"${collector.url}"},$ONLY_APP_EVENTS}""")
    assertNull(value(callTracker("trackScreenViewEvent", """[{"name":"Home"}]""")))
    val folder = filesDir.resolve("react-native-rust-tracker")
    val db = folder.resolve("rn-rust-tracker-$namespace.sqlite").toFile()
    assertTrue(db.isFile, "expected $db; the directory has ${db.parentFile.list()?.toList()}")
    assertTrue(db.length() > 0)
    assertEquals(listOf("react-native-rust-tracker"), Files.list(filesDir).use { s -> s.map { it.fileName.toString() }.toList() })

    assertNull(value(callTracker("flush")))
    val event = collector.waitFor(1).single()
    assertEquals("com.example.app", event["aid"])
    assertEquals(namespace, event["tna"])
    assertEquals("Home", event.data!!.getString("name"))
  }

  @Test
  fun `a bad config rejects with INVALID_CONFIG naming the field, and so does every later call`() {
    val r =
      rejection(
        call {
          module.createTracker(
            namespace,
            """{"networkConfig":{"endpoint":"http://127.0.0.1:9"},"sessionConfig":{"foregroundTimeout":-1}}""",
            it,
          )
        },
        "INVALID_CONFIG",
      )
    val reason = "invalid configuration: sessionConfig.foregroundTimeout must be a finite, non-negative number of seconds, got -1"
    assertEquals("createTracker: $reason", r.message)
    assertNull(r.cause, "the core's code and message, nothing else")
    assertEquals("trackScreenViewEvent: $reason", rejection(callTracker("trackScreenViewEvent", """[{"name":"Home"}]"""), "INVALID_CONFIG").message)
    assertEquals("getSessionId: $reason", rejection(callTracker("getSessionId"), "INVALID_CONFIG").message)
  }

  @Test
  fun `a bad event rejects with INVALID_EVENT, bad arguments with INVALID_ARGUMENT, an unknown method with UNKNOWN_METHOD`() {
    createTracker()
    assertEquals(
      "trackScreenViewEvent: invalid event: screenView.name is required",
      rejection(callTracker("trackScreenViewEvent", "[{}]"), "INVALID_EVENT").message,
    )
    assertEquals(
      "getSessionId: invalid argument: getSessionId takes at most 0 argument(s), got 1",
      rejection(callTracker("getSessionId", "[1]"), "INVALID_ARGUMENT").message,
    )
    assertTrue(
      rejection(callTracker("trackScreenViewEvent", """{"event":{"name":"Home"}}"""), "INVALID_ARGUMENT")
        .message!!
        .startsWith("trackScreenViewEvent: invalid argument: arguments must be a JSON array"),
    )
    assertEquals("explode: unknown tracker method \"explode\"", rejection(callTracker("explode"), "UNKNOWN_METHOD").message)
    // None of it reached the session.
    assertNull(value(callTracker("getSessionIndex")))
  }

  @Test
  fun `removeTracker resolves true then false, and the removed tracker rejects with UNKNOWN_TRACKER`() {
    createTracker()
    assertEquals("""{"value":true}""", resolvedReply(call { module.removeTracker(namespace, it) }).json)
    assertEquals("""{"value":false}""", resolvedReply(call { module.removeTracker(namespace, it) }).json)
    val unknown = "no tracker with namespace '$namespace': it was never created or has been removed"
    assertEquals("trackScreenViewEvent: $unknown", rejection(callTracker("trackScreenViewEvent", """[{"name":"Home"}]"""), "UNKNOWN_TRACKER").message)
    assertEquals("getSessionIndex: $unknown", rejection(callTracker("getSessionIndex"), "UNKNOWN_TRACKER").message)
    assertEquals("flush: $unknown", rejection(callTracker("flush"), "UNKNOWN_TRACKER").message)
  }

  @Test
  fun `setAppState with an unknown state rejects with INVALID_ARGUMENT, the states that move nothing resolve`() {
    val r = rejection(call { module.setAppState("sideways", it) }, "INVALID_ARGUMENT")
    assertEquals("setAppState: invalid argument: app state must be 'active', 'background' or 'inactive', got \"sideways\"", r.message)
    for (state in listOf("inactive", "unknown", "extension")) {
      assertEquals("""{"value":null}""", resolvedReply(call { module.setAppState(state, it) }).json, state)
    }
  }

  @Test
  fun `flush rejects with NETWORK when the collector is unreachable`() {
    createTracker()
    assertNull(value(callTracker("trackScreenViewEvent", """[{"name":"Home"}]""")))
    val r = rejection(callTracker("flush"), "NETWORK")
    assertTrue(r.message!!.startsWith("flush: network error: could not reach the collector at http://127.0.0.1:9"), r.message)
  }

  @Test
  fun `a call returns before its Promise is settled - flush waits for the collector, not the caller`() {
    val collector = collector()
    createTracker("""{"networkConfig":{"endpoint":"${collector.url}"},$ONLY_APP_EVENTS}""")
    val held = collector.hold()
    val track = RecordingPromise("track")
    module.callTracker(namespace, "trackScreenViewEvent", """[{"name":"Home"}]""", track)
    val flush = RecordingPromise("flush")
    module.callTracker(namespace, "flush", "[]", flush)
    // Both calls have returned; the collector holds the request the flush waits for.
    held.awaitArrival()
    assertFalse(flush.isSettled, "flush is settled only once the collector answers")
    held.release()
    assertNull(resolvedReply(track.await()).value)
    assertNull(resolvedReply(flush.await()).value)
    assertEquals("Home", collector.waitFor(1).single().data!!.getString("name"))
  }

  @Test
  fun `removeAllTrackers resolves and every tracker is gone`() {
    createTracker()
    val other = uniqueNamespace()
    assertEquals("""{"value":null}""", resolvedReply(call { module.createTracker(other, deadConfig, it) }).json)
    assertEquals("""{"value":null}""", resolvedReply(call { module.removeAllTrackers(it) }).json)
    rejection(callTracker("getSessionIndex"), "UNKNOWN_TRACKER")
    rejection(callTracker("getSessionIndex", ns = other), "UNKNOWN_TRACKER")
  }

  @Test
  fun `a new module instance (a reload) reaches the same tracker`() {
    createTracker()
    assertNull(value(callTracker("trackScreenViewEvent", """[{"name":"Home"}]""")))
    module.invalidate()
    module = RustTrackerModule(context)
    assertEquals(1, value(callTracker("getSessionIndex")))
  }

  @Test
  fun `the package gives the module for its name and describes it as a TurboModule`() {
    val pkg = RustTrackerPackage()
    val made = pkg.getModule("RustTracker", context)
    assertInstanceOf(RustTrackerModule::class.java, made)
    assertNull(pkg.getModule("SomethingElse", context))

    val infos = pkg.getReactModuleInfoProvider().getReactModuleInfos()
    assertEquals(setOf("RustTracker"), infos.keys)
    val info = infos.getValue("RustTracker")
    // ReactModuleInfo's members are Kotlin functions in one react-android and
    // properties in another (0.76: name() and isTurboModule; 0.87: name and
    // isTurboModule); the JVM methods are the same in both, so read those.
    fun read(method: String): Any? = ReactModuleInfo::class.java.getMethod(method).invoke(info)
    assertEquals("RustTracker", read("name"))
    assertEquals(RustTrackerModule::class.java.name, read("className"))
    assertEquals(true, read("isTurboModule"), "isTurboModule")
    assertEquals(false, read("isCxxModule"), "isCxxModule")
    assertEquals(false, read("needsEagerInit"), "needsEagerInit")
    assertEquals(false, read("canOverrideExistingModule"), "canOverrideExistingModule")
    // The class really is one, as React Native checks it.
    assertTrue(ReactModuleInfo.classIsTurboModule(RustTrackerModule::class.java))
    (made as RustTrackerModule).invalidate()
  }

  private companion object {
    val UUID = Regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
  }
}
