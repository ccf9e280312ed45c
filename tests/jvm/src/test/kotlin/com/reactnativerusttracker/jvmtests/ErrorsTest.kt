package com.reactnativerusttracker.jvmtests

import com.reactnativerusttracker.core.TrackerException
import com.reactnativerusttracker.core.createTracker
import com.reactnativerusttracker.core.flush
import com.reactnativerusttracker.core.getSessionInfo
import com.reactnativerusttracker.core.removeTracker
import com.reactnativerusttracker.core.setAppState
import com.reactnativerusttracker.core.startNewSession
import com.reactnativerusttracker.core.trackScreenViewEvent
import com.reactnativerusttracker.core.trackSelfDescribingEvent
import com.reactnativerusttracker.core.trackStructuredEvent
import kotlinx.coroutines.runBlocking
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.nio.file.Files

/**
 * Bad input through the bindings: every invalid configuration field and
 * event argument is a Kotlin [TrackerException] of the right kind whose
 * message names it, and the tracker keeps working afterwards. Also removed
 * trackers and bad app states.
 */
class ErrorsTest : TrackerTestBase() {

    private fun assertMessage(e: Exception, prefix: String, expected: Regex, case: String) {
        val m = e.message ?: ""
        assertTrue(m.startsWith(prefix), "$case: message starts with '$prefix': $m")
        assertTrue(expected.containsMatchIn(m), "$case: message matches /$expected/: $m")
    }

    @Test
    fun `each invalid configuration field is an InvalidConfig naming it`() = runBlocking {
        val d = JSONObject.quote(dir.toString())
        val ok = """"networkConfig":{"endpoint":"http://127.0.0.1:9"}"""
        val store = """"storage":{"directory":$d}"""
        val cases = listOf(
            """{"networkConfig":{"endpoint":""},$store}""" to """networkConfig\.endpoint must be a non-empty URL""",
            """{"networkConfig":{"endpoint":"ftp://collector"},$store}""" to """networkConfig\.endpoint must use http or https""",
            """{"networkConfig":{"endpoint":"http://exa mple.com"},$store}""" to """networkConfig\.endpoint is not a valid URL""",
            """{"networkConfig":{"endpoint":42},$store}""" to """networkConfig\.endpoint: invalid type: integer `42`""",
            """{"networkConfig":{"endpoint":"c.io","method":"put"},$store}""" to """networkConfig\.method: unknown variant `put`""",
            """{"networkConfig":{"endpoint":"c.io","port":80},$store}""" to """unknown field `port`""",
            """{$store}""" to """networkConfig is required""",
            """{$ok,"trackerConfig":{"sessionContext":"yes"},$store}""" to """trackerConfig\.sessionContext: invalid type: string "yes", expected a boolean""",
            """{$ok,"trackerConfig":{"devicePlatform":"phone"},$store}""" to """trackerConfig\.devicePlatform: unknown variant `phone`""",
            """{$ok,"trackerConfig":{"appId":7},$store}""" to """trackerConfig\.appId: invalid type""",
            """{$ok,"trackerConfig":{"screenContext":true},$store}""" to """unknown field `screenContext`""",
            """{$ok,"sessionConfig":{"foregroundTimeout":-5},$store}""" to """sessionConfig\.foregroundTimeout must be a finite, non-negative number of seconds, got -5""",
            """{$ok,"sessionConfig":{"backgroundTimeout":"15"},$store}""" to """sessionConfig\.backgroundTimeout must be a number of seconds, got string "15"""",
            """{$ok,"sessionConfig":{"foregroundTimeout":1e300},$store}""" to """sessionConfig\.foregroundTimeout must be at most""",
            """{$ok,"sessionConfig":{"continueSessionOnRestart":"true"},$store}""" to """sessionConfig\.continueSessionOnRestart: invalid type""",
            """{$ok,"sessionConfig":{"onSessionUpdate":true},$store}""" to """unknown field `onSessionUpdate`""",
            """{$ok,"emitterConfig":{"emitRange":0},$store}""" to """emitterConfig\.emitRange must be at least 1""",
            """{$ok,"emitterConfig":{"emitRange":2.5},$store}""" to """emitterConfig\.emitRange: invalid type""",
            """{$ok,"emitterConfig":{"byteLimitPost":10},$store}""" to """emitterConfig\.byteLimitPost must be at least 1000 bytes, got 10""",
            """{$ok,"emitterConfig":{"byteLimitGet":-1},$store}""" to """emitterConfig\.byteLimitGet: invalid value""",
            """{$ok,"emitterConfig":{"bufferOption":"single"},$store}""" to """unknown field `bufferOption`""",
            """{$ok,"subjectConfig":{},$store}""" to """unknown field `subjectConfig`""",
            """{$ok,"storage":{"directory":""}}""" to """storage\.directory must be a non-empty path""",
            """{$ok,"storage":{"directory":5}}""" to """storage\.directory: invalid type""",
            """{$ok""" to """configuration is not valid JSON""",
            """[]""" to """configuration must be an object""",
        )
        for ((config, expected) in cases) {
            val namespace = uniqueNamespace("badcfg")
            val e = assertThrows<TrackerException.InvalidConfig>(config) {
                createTracker(namespace, config, null, dir.toString(), null)
            }
            assertMessage(e, "invalid configuration: ", Regex(expected), config)
            // No tracker was made: its later calls name the namespace as unknown.
            assertThrows<TrackerException.UnknownTracker>(config) { trackScreenViewEvent(namespace, screenView("x")) }
        }

        val empty = assertThrows<TrackerException.InvalidArgument> {
            createTracker("", """{$ok}""", null, dir.toString(), null)
        }
        assertMessage(empty, "invalid argument: ", Regex("namespace must be a non-empty string"), "empty namespace")

        // A valid tracker created afterwards works.
        val good = uniqueNamespace("good")
        createTracker(good, """{$ok}""", null, dir.toString(), null)
        trackScreenViewEvent(good, screenView("fine"))
        assertEquals(1, info(good).sessionIndex)
    }

    @Test
    fun `an unusable storage directory is a Storage error`() = runBlocking {
        val blocker = Files.writeString(dir.resolve("a-file"), "not a directory")
        val e = assertThrows<TrackerException.Storage> {
            createTracker(uniqueNamespace("nodir"), configJson("c.io", blocker.resolve("sub")), null, null, null)
        }
        assertMessage(e, "storage error: ", Regex("""cannot create .*a-file/sub"""), "storage")
    }

    @Test
    fun `each invalid event argument is an InvalidEvent naming it, and the tracker keeps working`() = runBlocking {
        val collector = collector()
        val namespace = uniqueNamespace("badevent")
        createTracker(namespace, configJson(collector.url, dir), null, null, null)
        val huge = "x".repeat(1_000_000)
        val iglu = "iglu:com.acme/x/jsonschema/1-0-0"
        fun ctx(vararg entity: JSONObject) = JSONArray().apply { entity.forEach { put(it) } }
        val sv: suspend (String) -> Unit = { trackScreenViewEvent(namespace, it) }
        val sd: suspend (String) -> Unit = { trackSelfDescribingEvent(namespace, it) }
        val st: suspend (String) -> Unit = { trackStructuredEvent(namespace, it) }
        val cases: List<Triple<suspend (String) -> Unit, String, String>> = listOf(
            Triple(sv, argsJson(null), """screenView event must be an object, got null"""),
            Triple(sv, argsJson(obj()), """screenView\.name is required"""),
            Triple(sv, argsJson(obj("name" to "")), """screenView\.name must be a non-empty string"""),
            Triple(sv, argsJson(obj("name" to 5)), """screenView\.name must be a string, got number 5"""),
            Triple(sv, argsJson(obj("name" to "a", "id" to "not-a-uuid")), """screenView\.id must be a UUID"""),
            Triple(sv, argsJson(obj("name" to "a", "previousId" to "123")), """screenView\.previousId must be a UUID"""),
            Triple(sv, argsJson(obj("name" to "a", "colour" to "red")), """screenView has unknown property `colour`"""),
            Triple(sv, argsJson(obj("name" to "a"), obj()), """contexts must be an array of entities"""),
            Triple(sv, argsJson(obj("name" to "a"), ctx(obj("schema" to "iglu:a/b/jsonschema/1-0", "data" to obj()))), """contexts\[0\]\.schema must be an Iglu URI"""),
            Triple(sv, argsJson(obj("name" to "a"), ctx(obj("schema" to iglu, "data" to JSONArray()))), """contexts\[0\]\.data must be an object"""),
            Triple(sv, argsJson(obj("name" to "a"), ctx(obj("schema" to iglu, "data" to obj(), "extra" to 1))), """contexts\[0\] has unknown property `extra`"""),
            Triple(sv, argsJson(obj("name" to huge)), """over emitterConfig\.byteLimitPost \(40000\)"""),
            Triple(sv, """{"event":""", """arguments are not valid JSON"""),
            Triple(sv, """["Home"]""", """arguments must be an object"""),
            Triple(sv, """{"event":{"name":"a"},"context":[]}""", """unknown argument `context`"""),
            Triple(sd, argsJson(obj("schema" to "com.acme/x/jsonschema/1-0-0", "data" to obj())), """selfDescribing\.schema must be an Iglu URI"""),
            Triple(sd, argsJson(obj("schema" to iglu)), """selfDescribing\.data is required"""),
            Triple(sd, argsJson(obj("schema" to iglu, "data" to "str")), """selfDescribing\.data must be an object"""),
            Triple(sd, argsJson("event"), """selfDescribing must be an object"""),
            Triple(sd, argsJson(obj("schema" to iglu, "data" to obj("big" to huge))), """byteLimitPost"""),
            Triple(st, argsJson(obj("category" to "c")), """structured\.action is required"""),
            Triple(st, argsJson(obj("action" to "a")), """structured\.category is required"""),
            Triple(st, argsJson(obj("category" to "c", "action" to "a", "value" to "1")), """structured\.value must be a finite number, got string "1""""),
            Triple(st, argsJson(obj("category" to "c", "action" to "a", "label" to false)), """structured\.label must be a string, got boolean false"""),
        )
        for ((call, args, expected) in cases) {
            val case = args.take(120)
            val e = assertThrows<TrackerException.InvalidEvent>(case) { call(args) }
            assertMessage(e, "invalid event: ", Regex(expected), case)
        }
        // Nothing invalid reached the session or the queue.
        assertNull(info(namespace).sessionIndex)
        trackScreenViewEvent(namespace, screenView("after errors"))
        flush(namespace)
        val events = collector.waitFor(1)
        assertEquals(1, events.size)
        assertEquals("after errors", events[0].data!!.getString("name"))
        assertEquals(1, events[0].session!!.getInt("eventIndex"))
        assertEquals(1, collector.requests.size, "nothing else was sent")
    }

    @Test
    fun `a removed tracker is UnknownTracker, an unknown app state is InvalidArgument, and tracking goes on`() = runBlocking {
        val namespace = uniqueNamespace("removed")
        createTracker(namespace, configJson("http://127.0.0.1:9", dir), null, null, null)
        trackScreenViewEvent(namespace, screenView("before"))
        assertTrue(removeTracker(namespace))
        assertFalse(removeTracker(namespace))
        val unknown = "no tracker with namespace '$namespace'"
        for ((what, call) in listOf<Pair<String, suspend () -> Unit>>(
            "trackScreenViewEvent" to { trackScreenViewEvent(namespace, screenView("after")) },
            "trackStructuredEvent" to { trackStructuredEvent(namespace, argsJson(obj("category" to "c", "action" to "a"))) },
            "getSessionInfo" to { getSessionInfo(namespace) },
            "startNewSession" to { startNewSession(namespace) },
            "flush" to { flush(namespace) },
        )) {
            val e = assertThrows<TrackerException.UnknownTracker>(what) { call() }
            assertTrue(e.message!!.startsWith(unknown), "$what: ${e.message}")
        }

        val bad = assertThrows<TrackerException.InvalidArgument> { setAppState("sideways") }
        assertEquals("invalid argument: app state must be 'active', 'background' or 'inactive', got \"sideways\"", bad.message)
        setAppState("inactive")

        // The same namespace can be created again and keeps working, in the foreground.
        createTracker(namespace, configJson("http://127.0.0.1:9", dir), null, null, null)
        trackScreenViewEvent(namespace, screenView("again"))
        val again = info(namespace)
        assertEquals(2, again.sessionIndex, "a new run on the same database")
        assertFalse(again.isInBackground)
    }
}
