// Shared by the module's tests: a fake Android Context, a recording Promise,
// the module's replies parsed, and the set-up of a module with a loopback
// collector (the collector itself is tests/kotlin-testing's, shared with
// tests/jvm).

package com.reactnativerusttracker

import android.content.Context
import android.content.ContextWrapper
import android.content.pm.PackageManager
import android.content.res.Resources
import com.facebook.react.bridge.BridgeReactContext
import com.facebook.react.bridge.Promise
import com.facebook.react.bridge.ReactApplicationContext
import com.reactnativerusttracker.testing.Collector
import java.io.File
import java.lang.reflect.Proxy
import java.nio.file.Path
import java.util.UUID
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import org.json.JSONObject
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.io.TempDir

/**
 * The app's Context as far as React Native and the module use it: the
 * application context (ReactApplicationContext wraps it), the files directory
 * and the package name; and, with a [device] (Device.kt), the package
 * manager, resources and system services the module reads its facts from.
 * Without one, every such read fails (the context has no base), as a read of
 * a fact may on a real device: the module must leave those facts out.
 */
class FakeAppContext(private val files: File, private val pkg: String, private val device: FakeDevice? = null) :
  ContextWrapper(null) {
  override fun getApplicationContext(): Context = this

  override fun getFilesDir(): File = files

  override fun getPackageName(): String = pkg

  override fun getPackageManager(): PackageManager? = if (device == null) super.getPackageManager() else device.packageManager

  override fun getResources(): Resources? = if (device == null) super.getResources() else device.resources

  override fun getSystemService(name: String): Any? = if (device == null) super.getSystemService(name) else device.services[name]
}

/** A React context over a [FakeAppContext]. */
fun reactContext(filesDir: Path, packageName: String = "com.example.app", device: FakeDevice? = null): ReactApplicationContext =
  BridgeReactContext(FakeAppContext(filesDir.toFile(), packageName, device))

/**
 * The trackerConfig keys of a test that counts the app's own events: 2.x's
 * application_install and screen_end events (on by default) turned off.
 */
const val ONLY_APP_EVENTS = """"trackerConfig":{"installAutotracking":false,"screenEngagementAutotracking":false}"""

/** A namespace of its own per test: the core's registry is process-wide. */
fun uniqueNamespace(prefix: String = "android_jvm"): String =
  prefix + "_" + UUID.randomUUID().toString().replace("-", "").take(12)

/** How a Promise was settled. */
sealed interface Outcome {
  data class Resolved(val value: Any?) : Outcome

  data class Rejected(val code: String?, val message: String?, val cause: Throwable?) : Outcome
}

/** The order in which Promises are settled, across every Promise of the JVM. */
private val settleOrder = AtomicLong()

/**
 * A Promise that records how, when (in the order of all settlements) and how many times it was settled.
 *
 * It implements Promise by delegation to a dynamic proxy rather than by
 * overriding each `reject` overload: the overloads' Kotlin signatures differ
 * across React Native versions (0.76's `code: String`, 0.87's `code: String?`),
 * and this class must compile against every react-android of the matrix
 * (tests/android-jvm/matrix.json). The proxy reads each call by its parameter
 * types: the Throwable, if any, is the cause; of the String parameters, the
 * first is the code and the second the message, except the lone String of the
 * deprecated `reject(message)`; with no message, the cause's message.
 */
class RecordingPromise private constructor(val what: String, private val recorder: Recorder) :
  Promise by recorder.promise() {
  constructor(what: String = "call") : this(what, Recorder())

  val settlements: AtomicInteger get() = recorder.settlements
  val order: Long get() = recorder.order
  val isSettled: Boolean get() = recorder.outcome.isDone

  /** The outcome once settled (a hang guard, not a timing assertion). */
  fun await(): Outcome {
    val o = recorder.outcome.get(60, TimeUnit.SECONDS)
    assertEquals(1, settlements.get(), "$what: the promise is settled once")
    return o
  }

  private class Recorder {
    val outcome = CompletableFuture<Outcome>()
    val settlements = AtomicInteger()
    @Volatile var order: Long = -1

    fun settle(o: Outcome) {
      order = settleOrder.incrementAndGet()
      settlements.incrementAndGet()
      outcome.complete(o)
    }

    fun promise(): Promise =
      Proxy.newProxyInstance(Promise::class.java.classLoader, arrayOf(Promise::class.java)) { proxy, method, args ->
        val params = method.parameterTypes
        val values = args ?: emptyArray()
        when (method.name) {
          "resolve" -> settle(Outcome.Resolved(values[0]))
          "reject" -> {
            val strings = params.indices.filter { params[it] == String::class.java }.map { values[it] as String? }
            val cause = params.indices.firstOrNull { Throwable::class.java.isAssignableFrom(params[it]) }?.let { values[it] as Throwable? }
            val lone = params.size == 1 && strings.size == 1 // reject(message)
            val code = if (lone) null else strings.getOrNull(0)
            val message = if (lone) strings[0] else if (strings.size >= 2) strings[1] else cause?.message
            settle(Outcome.Rejected(code, message, cause))
          }
          "toString" -> "RecordingPromise"
          "hashCode" -> System.identityHashCode(proxy)
          "equals" -> proxy === values[0]
          else -> throw UnsupportedOperationException("Promise.${method.name}")
        }
      } as Promise
  }
}

/** A new session as a reply carries it. */
data class ReportedSession(val namespace: String, val session: JSONObject)

/** The core's JSON reply, as a Promise resolves with it: `{"value": ..., "sessions"?: [...]}`. */
class Reply(val json: String, val value: Any?, val sessions: List<ReportedSession>?) {
  companion object {
    fun parse(json: String): Reply {
      val o = JSONObject(json)
      val keys = o.keys().asSequence().toSet()
      assertTrue(keys == setOf("value") || keys == setOf("value", "sessions"), "reply keys: $json")
      val sessions =
        o.optJSONArray("sessions")?.let { a ->
          assertTrue(a.length() > 0, "sessions is absent rather than empty: $json")
          (0 until a.length()).map {
            ReportedSession(a.getJSONObject(it).getString("namespace"), a.getJSONObject(it).getJSONObject("session"))
          }
        }
      return Reply(json, if (o.isNull("value")) null else o.get("value"), sessions)
    }
  }
}

/** The reply a resolved Promise carries: always the core's JSON string. */
fun resolvedReply(outcome: Outcome, what: String = "call"): Reply {
  assertInstanceOf(Outcome.Resolved::class.java, outcome, "$what: expected a resolved promise, got $outcome")
  val value = (outcome as Outcome.Resolved).value
  assertInstanceOf(String::class.java, value, "$what: resolves with the core's JSON string, got $value")
  return Reply.parse(value as String)
}

/** The rejection of a rejected Promise, with [code] and a message. */
fun rejection(outcome: Outcome, code: String, what: String = "call"): Outcome.Rejected {
  assertInstanceOf(Outcome.Rejected::class.java, outcome, "$what: expected a rejection $code, got $outcome")
  val r = outcome as Outcome.Rejected
  assertEquals(code, r.code, "$what: code of $r")
  return r
}

/** An epoch-ms `dtm` as ISO-8601 UTC with milliseconds, like JavaScript's toISOString. */
fun iso(dtm: String): String = ISO_MS.format(java.time.Instant.ofEpochMilli(dtm.toLong()))

private val ISO_MS =
  java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC)

/** The fields of a JSON object, as a map of plain values (for comparisons). */
fun JSONObject.toMap(): Map<String, Any?> = keys().asSequence().associateWith { if (isNull(it)) null else get(it) }

/**
 * Common set-up of the test classes that drive one module against a loopback
 * collector: before each test, a collector and a module over a fake app
 * context whose files directory is a fresh temporary one; after it, no tracker
 * left, the process-wide app state back in the foreground and the collector
 * stopped (the core's registry and app state are process-global).
 */
abstract class ModuleTestBase {
  @TempDir lateinit var filesDir: Path

  protected lateinit var module: RustTrackerModule
  protected lateinit var collector: Collector

  @BeforeEach
  fun startCollectorAndModule() {
    collector = Collector.start()
    module = RustTrackerModule(reactContext(filesDir))
  }

  @AfterEach
  fun removeTrackersAndStopCollector() {
    // Awaited: a tracker still removing may still write to its storage in
    // filesDir, which JUnit deletes next (a "Failed to delete temp directory"
    // error, seen in a run of the matrix).
    RecordingPromise("removeAllTrackers").also { module.removeAllTrackers(it) }.await()
    // With no tracker left this only resets the process-wide state.
    RecordingPromise("setAppState").also { module.setAppState("active", it) }.await()
    collector.close()
  }
}
