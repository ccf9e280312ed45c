package com.reactnativerusttracker.jvmtests

import com.reactnativerusttracker.core.Answer
import com.reactnativerusttracker.core.PlatformFacts
import com.reactnativerusttracker.core.callTracker
import com.reactnativerusttracker.core.createTracker
import com.reactnativerusttracker.core.removeAllTrackers
import com.reactnativerusttracker.core.removeTracker
import com.reactnativerusttracker.core.setAppState
import com.reactnativerusttracker.testing.Collector
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.nio.file.Path
import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong

val UUID_V4 = Regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
const val SCREEN_VIEW = "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0"
const val BACKGROUND = "iglu:com.snowplowanalytics.snowplow/application_background/jsonschema/1-0-0"
const val FOREGROUND = "iglu:com.snowplowanalytics.snowplow/application_foreground/jsonschema/1-0-0"
const val CONTEXTS = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"
const val UNSTRUCT = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
const val SCREEN = "iglu:com.snowplowanalytics.mobile/screen/jsonschema/1-0-0"
const val CLIENT_SESSION = "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2"

/** The folder the core keeps its databases in, below the platform's files directory. */
const val STORAGE_FOLDER = "react-native-rust-tracker"

/** Keys payload_data 1-0-4 allows in an event. */
val ALLOWED_KEYS: Set<String> = (
    "tna aid p dtm tz e tid eid tv duid nuid uid vid ip res url page refr fp ctype cookie lang f_pdf f_qt " +
        "f_realp f_wma f_dir f_fla f_java f_gears f_ag cd ds cs vp mac pp_mix pp_max pp_miy pp_may ad_ba ad_ca " +
        "ad_ad ad_uid tr_id tr_af tr_tt tr_tx tr_sh tr_ci tr_st tr_co tr_cu ti_id ti_sk ti_nm ti_na ti_ca ti_pr " +
        "ti_qu ti_cu sa sn st sp se_ca se_ac se_la se_pr se_va ue_na ue_pr ue_px co cx ua tnuid stm sid ttm"
    ).split(' ').toSet()

/** Every tracker method of the core's table (crates/tracker-core/src/method.rs). */
val TRACKER_METHODS = listOf(
    "trackScreenViewEvent", "trackSelfDescribingEvent", "trackStructuredEvent",
    "getSessionUserId", "getSessionId", "getSessionIndex", "getIsInBackground", "getBackgroundIndex", "getForegroundIndex",
    "startNewSession", "pauseSessionChecking", "resumeSessionChecking", "flush",
)

private val counter = AtomicInteger()

/** A namespace no other test of this JVM (or a concurrent one) uses. */
fun uniqueNamespace(prefix: String): String = "jvm_${prefix}_${ProcessHandle.current().pid()}_${counter.incrementAndGet()}"

/** A JSON object from pairs; `null` stays an explicit null. */
fun obj(vararg pairs: Pair<String, Any?>): JSONObject =
    JSONObject().apply { for ((k, v) in pairs) put(k, v ?: JSONObject.NULL) }

/** The `createTracker` configuration JSON. */
fun configJson(
    endpoint: String,
    directory: Path? = null,
    tracker: JSONObject? = null,
    session: JSONObject? = null,
    emitter: JSONObject? = null,
    network: JSONObject = obj("endpoint" to endpoint),
): String = JSONObject().apply {
    put("networkConfig", network)
    tracker?.let { put("trackerConfig", it) }
    session?.let { put("sessionConfig", it) }
    emitter?.let { put("emitterConfig", it) }
    directory?.let { put("storage", obj("directory" to it.toString())) }
}.toString()

/**
 * The trackerConfig of a test that counts or orders the app's own events:
 * 2.x's application_install and screen_end events (on by default in the core)
 * turned off, with [more] keys added. The same opt-out as the Android
 * module's tests (ONLY_APP_EVENTS in tests/android-jvm).
 */
fun onlyAppEvents(vararg more: Pair<String, Any?>): JSONObject =
    obj("installAutotracking" to false, "screenEngagementAutotracking" to false, *more)

/** The `callTracker` argument array: the JavaScript arguments as they were passed. */
fun args(vararg values: Any?): String = JSONArray().apply { values.forEach { put(it ?: JSONObject.NULL) } }.toString()

fun screenView(name: String): String = args(obj("name" to name))

/** The order in which answers arrive, across every call of the JVM. */
private val settleOrder = AtomicLong()

/** A rejection, as the core gave it. */
class Rejection(val code: String, override val message: String) : Exception("$code: $message")

/**
 * The caller's end of one call: an [Answer] that records how, when (in the
 * order of all answers) and on which thread it was settled, and how often.
 */
class PendingCall(val what: String) : Answer {
    private val outcome = CompletableFuture<String>()
    val settlements = AtomicInteger()
    /** The position of this answer among all answers of the JVM. */
    @Volatile var order: Long = -1
    @Volatile var thread: Thread? = null

    private fun settled() {
        thread = Thread.currentThread()
        order = settleOrder.incrementAndGet()
        settlements.incrementAndGet()
    }

    override fun resolve(json: String) {
        settled()
        outcome.complete(json)
    }

    override fun reject(code: String, message: String) {
        settled()
        outcome.completeExceptionally(Rejection(code, message))
    }

    val isSettled: Boolean get() = outcome.isDone

    /** The reply once it arrives (a hang guard, not a timing assertion); a rejection is thrown. */
    fun await(): Reply {
        val json = try {
            outcome.get(60, TimeUnit.SECONDS)
        } catch (e: ExecutionException) {
            throw e.cause!!
        }
        assertEquals(1, settlements.get(), "$what: answered exactly once")
        return Reply.parse(json)
    }

    /** The rejection once it arrives; fails if the call resolved. */
    fun awaitRejection(): Rejection = try {
        val r = await()
        throw AssertionError("$what: expected a rejection, resolved with ${r.json}")
    } catch (e: Rejection) {
        assertEquals(1, settlements.get(), "$what: answered exactly once")
        e
    }
}

/** A new session as a reply carries it. */
data class ReportedSession(val namespace: String, val session: JSONObject)

/**
 * The core's JSON reply: `{"value": ..., "sessions"?: [...], "log"?: [...]}`;
 * `log` only at a `logLevel` of `error` or more (docs/events.md, unknown keys).
 */
class Reply(val json: String, val value: Any?, val sessions: List<ReportedSession>?, val log: List<String>? = null) {
    companion object {
        fun parse(json: String): Reply {
            val o = JSONObject(json)
            assertTrue("value" in o.keySet() && setOf("value", "sessions", "log").containsAll(o.keySet()), "reply keys: $json")
            val sessions = o.optJSONArray("sessions")?.let { a ->
                assertTrue(a.length() > 0, "sessions is absent rather than empty: $json")
                (0 until a.length()).map { ReportedSession(a.getJSONObject(it).getString("namespace"), a.getJSONObject(it).getJSONObject("session")) }
            }
            val log = o.optJSONArray("log")?.let { a ->
                assertTrue(a.length() > 0, "log is absent rather than empty: $json")
                (0 until a.length()).map { a.getString(it) }
            }
            return Reply(json, if (o.isNull("value")) null else o.get("value"), sessions, log)
        }
    }
}

/** Platform facts: the app id and the files directory (both may be absent). */
fun facts(appId: String? = null, filesDirectory: Path? = null) = PlatformFacts(appId, filesDirectory?.toString())

// The five functions of the native surface, without waiting ...

fun startCreate(namespace: String, config: String, facts: PlatformFacts = facts()) =
    PendingCall("createTracker($namespace)").also { createTracker(namespace, config, facts, it) }

fun startCall(namespace: String, method: String, argsJson: String = "[]") =
    PendingCall("$method($argsJson)").also { callTracker(namespace, method, argsJson, it) }

fun startRemove(namespace: String) = PendingCall("removeTracker($namespace)").also { removeTracker(namespace, it) }

fun startAppState(state: String) = PendingCall("setAppState($state)").also { setAppState(state, it) }

// ... and waiting for the reply (a rejection is thrown as [Rejection]).

fun create(namespace: String, config: String, facts: PlatformFacts = facts()): Reply = startCreate(namespace, config, facts).await()

fun call(namespace: String, method: String, argsJson: String = "[]"): Reply = startCall(namespace, method, argsJson).await()

fun remove(namespace: String): Boolean = startRemove(namespace).await().value as Boolean

fun appState(state: String): Reply = startAppState(state).await()

fun removeAll(): Reply = PendingCall("removeAllTrackers").also { removeAllTrackers(it) }.await()

/** Runs [block] and returns the rejection it must end in, with [code]. */
fun rejects(code: String, case: String, block: () -> Unit): Rejection {
    val e = try {
        block()
        throw AssertionError("$case: expected a rejection $code, the call resolved")
    } catch (e: Rejection) {
        e
    }
    assertEquals(code, e.code, "$case: code of '${e.message}'")
    return e
}

/** The six getters, each read by its own call. */
data class SessionInfo(
    val userId: String,
    val sessionId: String?,
    val sessionIndex: Int?,
    val isInBackground: Boolean,
    val backgroundIndex: Int,
    val foregroundIndex: Int,
)

/** Calls the six getters one after another without waiting, then reads their replies. */
fun info(namespace: String): SessionInfo {
    val calls = listOf(
        "getSessionUserId", "getSessionId", "getSessionIndex", "getIsInBackground", "getBackgroundIndex", "getForegroundIndex",
    ).map { startCall(namespace, it) }
    val v = calls.map { p -> p.await().also { assertEquals(null, it.sessions, "a getter starts no session") }.value }
    return SessionInfo(v[0] as String, v[1] as String?, v[2] as Int?, v[3] as Boolean, v[4] as Int, v[5] as Int)
}

private val ISO_MS: DateTimeFormatter = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC)

/** An epoch-ms `dtm` as ISO-8601 UTC with milliseconds, like JavaScript's toISOString. */
fun iso(dtm: String): String = ISO_MS.format(Instant.ofEpochMilli(dtm.toLong()))

/** The JSON null of org.json as Kotlin null. */
fun JSONObject.stringOrNull(key: String): String? = if (isNull(key)) null else getString(key)

/**
 * Common set-up of the test classes. The core's registry and app state are
 * process-global: each test uses its own namespaces and temp directory,
 * starts in the foreground and leaves no tracker behind.
 */
abstract class TrackerTestBase {
    @TempDir
    lateinit var dir: Path

    private val collectors = mutableListOf<Collector>()

    protected fun collector(): Collector = Collector.start(waitTimeoutMs = 10_000).also { collectors += it }

    @BeforeEach
    fun checkLibraryAndForeground() {
        val libDir = System.getProperty("jna.library.path")
        val lib = File(libDir ?: ".", System.mapLibraryName("tracker_ffi"))
        assertTrue(lib.isFile, "$lib missing: run `node scripts/bindings.js` first")
        appState("active")
    }

    @AfterEach
    fun removeTrackersAndCollectors() {
        removeAll()
        // With no tracker left this only resets the process-wide state.
        appState("active")
        collectors.forEach { it.close() }
    }
}
