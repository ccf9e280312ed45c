package com.reactnativerusttracker.jvmtests

import com.reactnativerusttracker.core.getSessionInfo
import com.reactnativerusttracker.core.removeAllTrackers
import com.reactnativerusttracker.core.setAppState
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.nio.file.Path
import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import java.util.concurrent.atomic.AtomicInteger

val UUID_V4 = Regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
const val SCREEN_VIEW = "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0"
const val BACKGROUND = "iglu:com.snowplowanalytics.snowplow/application_background/jsonschema/1-0-0"
const val FOREGROUND = "iglu:com.snowplowanalytics.snowplow/application_foreground/jsonschema/1-0-0"
const val CONTEXTS = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"
const val UNSTRUCT = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
const val CLIENT_SESSION = "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2"

/** Keys payload_data 1-0-4 allows in an event. */
val ALLOWED_KEYS: Set<String> = (
    "tna aid p dtm tz e tid eid tv duid nuid uid vid ip res url page refr fp ctype cookie lang f_pdf f_qt " +
        "f_realp f_wma f_dir f_fla f_java f_gears f_ag cd ds cs vp mac pp_mix pp_max pp_miy pp_may ad_ba ad_ca " +
        "ad_ad ad_uid tr_id tr_af tr_tt tr_tx tr_sh tr_ci tr_st tr_co tr_cu ti_id ti_sk ti_nm ti_na ti_ca ti_pr " +
        "ti_qu ti_cu sa sn st sp se_ca se_ac se_la se_pr se_va ue_na ue_pr ue_px co cx ua tnuid stm sid ttm"
    ).split(' ').toSet()

private val counter = AtomicInteger()

/** A namespace no other test of this JVM (or a concurrent one) uses. */
fun uniqueNamespace(prefix: String): String = "jvm_${prefix}_${ProcessHandle.current().pid()}_${counter.incrementAndGet()}"

/** A JSON object from pairs; nested maps and lists become objects and arrays, `null` stays an explicit null. */
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

/** The `track*` argument JSON. */
fun argsJson(event: Any?, contexts: Any? = null): String =
    JSONObject().apply {
        put("event", event ?: JSONObject.NULL)
        contexts?.let { put("contexts", it) }
    }.toString()

fun screenView(name: String): String = argsJson(obj("name" to name))

/** The six getters, as `getSessionInfo` reports them. */
data class SessionInfo(
    val userId: String,
    val sessionId: String?,
    val sessionIndex: Int?,
    val isInBackground: Boolean,
    val backgroundIndex: Int,
    val foregroundIndex: Int,
) {
    companion object {
        fun parse(json: String): SessionInfo {
            val o = JSONObject(json)
            assertTrue(o.keySet() == setOf("userId", "sessionId", "sessionIndex", "isInBackground", "backgroundIndex", "foregroundIndex"), "getSessionInfo keys: $json")
            return SessionInfo(
                userId = o.getString("userId"),
                sessionId = if (o.isNull("sessionId")) null else o.getString("sessionId"),
                sessionIndex = if (o.isNull("sessionIndex")) null else o.getInt("sessionIndex"),
                isInBackground = o.getBoolean("isInBackground"),
                backgroundIndex = o.getInt("backgroundIndex"),
                foregroundIndex = o.getInt("foregroundIndex"),
            )
        }
    }
}

suspend fun info(namespace: String): SessionInfo = SessionInfo.parse(getSessionInfo(namespace))

private val ISO_MS: DateTimeFormatter = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC)

/** An epoch-ms `dtm` as ISO-8601 UTC with milliseconds, like JavaScript's toISOString. */
fun iso(dtm: String): String = ISO_MS.format(Instant.ofEpochMilli(dtm.toLong()))

/**
 * Common set-up of the test classes. The core's registry and app state are
 * process-global: each test uses its own namespaces and temp directory,
 * starts in the foreground and leaves no tracker behind.
 */
abstract class TrackerTestBase {
    @TempDir
    lateinit var dir: Path

    private val collectors = mutableListOf<Collector>()

    protected fun collector(): Collector = Collector.start().also { collectors += it }

    @BeforeEach
    fun checkLibraryAndForeground() {
        val libDir = System.getProperty("jna.library.path")
        val lib = File(libDir ?: ".", System.mapLibraryName("tracker_ffi"))
        assertTrue(lib.isFile, "$lib missing: run `node scripts/bindings.js` first")
        runBlocking { setAppState("active") }
    }

    @AfterEach
    fun removeTrackersAndCollectors() {
        runBlocking {
            removeAllTrackers()
            // With no tracker left this only resets the process-wide state.
            setAppState("active")
        }
        collectors.forEach { it.close() }
    }
}
