package com.reactnativerusttracker.jvmtests

import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.nio.file.Files

/**
 * Bad input through the bindings: every invalid configuration field and
 * event argument is a rejection with the right code whose message names the
 * method, then the field, and the tracker keeps working afterwards. Also bad
 * argument arrays, unknown methods, removed trackers, bad app states and a
 * tracker removed while a call of it waits.
 */
class ErrorsTest : TrackerTestBase() {

    private fun assertMessage(e: Rejection, prefix: String, expected: Regex, case: String) {
        val m = e.message
        assertTrue(m.startsWith(prefix), "$case: message starts with '$prefix': $m")
        assertTrue(expected.containsMatchIn(m), "$case: message matches /$expected/: $m")
    }

    @Test
    fun `each invalid configuration field is INVALID_CONFIG naming it, for the creation and every later call`() {
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
            """{$ok,"trackerConfig":{"screenContext":"yes"},$store}""" to """trackerConfig.screenContext: invalid type: string \"yes\", expected a boolean""",
            """{$ok,"sessionConfig":{"foregroundTimeout":-5},$store}""" to """sessionConfig\.foregroundTimeout must be a finite, non-negative number of seconds, got -5""",
            """{$ok,"sessionConfig":{"backgroundTimeout":"15"},$store}""" to """sessionConfig\.backgroundTimeout must be a number of seconds, got string "15"""",
            """{$ok,"sessionConfig":{"foregroundTimeout":1e300},$store}""" to """sessionConfig\.foregroundTimeout must be at most""",
            """{$ok,"sessionConfig":{"continueSessionOnRestart":"true"},$store}""" to """sessionConfig\.continueSessionOnRestart: invalid type""",
            // A function cannot cross as JSON: the TypeScript layer sends `true` for it, and nothing else passes.
            """{$ok,"sessionConfig":{"onSessionUpdate":false},$store}""" to """sessionConfig\.onSessionUpdate must be a function, got boolean false""",
            """{$ok,"sessionConfig":{"onSessionUpdate":"[function]"},$store}""" to """sessionConfig\.onSessionUpdate must be a function""",
            """{$ok,"emitterConfig":{"emitRange":0},$store}""" to """emitterConfig\.emitRange must be at least 1""",
            """{$ok,"emitterConfig":{"emitRange":2.5},$store}""" to """emitterConfig\.emitRange: invalid type""",
            """{$ok,"emitterConfig":{"byteLimitPost":10},$store}""" to """emitterConfig\.byteLimitPost must be at least 1000 bytes, got 10""",
            """{$ok,"emitterConfig":{"byteLimitGet":-1},$store}""" to """emitterConfig\.byteLimitGet: invalid value""",
            """{$ok,"emitterConfig":{"bufferOption":"huge"},$store}""" to """emitterConfig.bufferOption: unknown variant `huge`""",
            // subjectConfig is a 2.x key now; an unknown key of the configuration, at any level, stays an error.
            """{$ok,"subjectConfig":{"userID":"u"},$store}""" to """subjectConfig has unknown key "userID"""",
            """{$ok,"subjectConfiguration":{},$store}""" to """unknown field `subjectConfiguration`""",
            """{$ok,"storage":{"directory":""}}""" to """storage\.directory must be a non-empty path""",
            """{$ok,"storage":{"directory":5}}""" to """storage\.directory: invalid type""",
            """{$ok""" to """configuration is not valid JSON""",
            """[]""" to """configuration must be an object""",
        )
        for ((config, expected) in cases) {
            val namespace = uniqueNamespace("badcfg")
            val e = rejects("INVALID_CONFIG", config) { create(namespace, config) }
            assertMessage(e, "createTracker: invalid configuration: ", Regex(expected), config)
            // The namespace keeps the creation error: every later call gets it, under its own name.
            val later = rejects("INVALID_CONFIG", config) { call(namespace, "trackScreenViewEvent", screenView("x")) }
            assertEquals("trackScreenViewEvent: " + e.message.removePrefix("createTracker: "), later.message, config)
            val getter = rejects("INVALID_CONFIG", config) { call(namespace, "getSessionId") }
            assertEquals("getSessionId: " + e.message.removePrefix("createTracker: "), getter.message, config)
        }

        val empty = rejects("INVALID_ARGUMENT", "empty namespace") { create("", """{$ok}""", facts(filesDirectory = dir)) }
        assertMessage(empty, "createTracker: invalid argument: ", Regex("namespace must be a non-empty string"), "empty namespace")

        // A valid tracker created afterwards works.
        val good = uniqueNamespace("good")
        create(good, """{$ok}""", facts(filesDirectory = dir))
        call(good, "trackScreenViewEvent", screenView("fine"))
        assertEquals(1, info(good).sessionIndex)

        // A failed namespace can be created again, and then works.
        val again = uniqueNamespace("again")
        rejects("INVALID_CONFIG", "bad then good") { create(again, """{"networkConfig":{"endpoint":""}}""", facts(filesDirectory = dir)) }
        create(again, """{$ok}""", facts(filesDirectory = dir))
        call(again, "trackScreenViewEvent", screenView("fine"))
        assertEquals(1, info(again).sessionIndex)
    }

    @Test
    fun `an unusable storage directory is STORAGE, for the creation and every later call`() {
        val blocker = Files.writeString(dir.resolve("a-file"), "not a directory")
        val namespace = uniqueNamespace("nodir")
        val e = rejects("STORAGE", "storage") { create(namespace, configJson("c.io", blocker.resolve("sub"))) }
        assertEquals("createTracker: storage error: cannot create ${blocker.resolve("sub")}: Not a directory (os error 20)", e.message)
        val later = rejects("STORAGE", "storage") { call(namespace, "trackScreenViewEvent", screenView("x")) }
        assertEquals("trackScreenViewEvent: storage error: cannot create ${blocker.resolve("sub")}: Not a directory (os error 20)", later.message)
        // The same, when the platform's files directory is the unusable one.
        val viaFacts = uniqueNamespace("nofiles")
        val f = rejects("STORAGE", "files directory") { create(viaFacts, configJson("c.io"), facts(filesDirectory = blocker)) }
        assertMessage(f, "createTracker: storage error: ", Regex("""cannot create .*a-file/$STORAGE_FOLDER"""), "files directory")
    }

    @Test
    fun `each invalid event argument is INVALID_EVENT naming it, and the tracker keeps working`() {
        val collector = collector()
        val namespace = uniqueNamespace("badevent")
        // The test counts what reaches the collector: no install or screen_end events among it.
        create(namespace, configJson(collector.url, dir, tracker = onlyAppEvents()))
        val huge = "x".repeat(1_000_000)
        val iglu = "iglu:com.acme/x/jsonschema/1-0-0"
        fun ctx(vararg entity: JSONObject) = JSONArray().apply { entity.forEach { put(it) } }
        val sv = "trackScreenViewEvent"
        val sd = "trackSelfDescribingEvent"
        val st = "trackStructuredEvent"
        val cases: List<Triple<String, String, String>> = listOf(
            Triple(sv, args(null), """screenView event must be an object, got null"""),
            Triple(sv, "[]", """screenView event is required"""),
            Triple(sv, args(obj()), """screenView\.name is required"""),
            Triple(sv, args(obj("name" to "")), """screenView\.name must be a non-empty string"""),
            Triple(sv, args(obj("name" to 5)), """screenView\.name must be a string, got number 5"""),
            Triple(sv, args(obj("name" to "a", "id" to "not-a-uuid")), """screenView\.id must be a UUID"""),
            Triple(sv, args(obj("name" to "a", "previousId" to "123")), """screenView\.previousId must be a UUID"""),
            Triple(sv, args(obj("name" to "a"), obj()), """contexts must be an array of entities"""),
            Triple(sv, args(obj("name" to "a"), ctx(obj("schema" to "iglu:a/b/jsonschema/1-0", "data" to obj()))), """contexts\[0\]\.schema must be an Iglu URI"""),
            Triple(sv, args(obj("name" to "a"), ctx(obj("schema" to iglu, "data" to JSONArray()))), """contexts\[0\]\.data must be an object"""),
            Triple(sv, args(obj("name" to huge)), """screenView\.name must be at most 4096 characters, got 1000000"""),
            Triple(sv, args("Home"), """screenView event must be an object, got string"""),
            Triple(sd, args(obj("schema" to "com.acme/x/jsonschema/1-0-0", "data" to obj())), """selfDescribing\.schema must be an Iglu URI"""),
            Triple(sd, args(obj("schema" to iglu)), """selfDescribing\.data is required"""),
            Triple(sd, args(obj("schema" to iglu, "data" to "str")), """selfDescribing\.data must be an object"""),
            Triple(sd, args("event"), """selfDescribing must be an object"""),
            Triple(sd, args(obj("schema" to iglu, "data" to obj("big" to huge))), """byteLimitPost"""),
            Triple(st, args(obj("category" to "c")), """structured\.action is required"""),
            Triple(st, args(obj("action" to "a")), """structured\.category is required"""),
            Triple(st, args(obj("category" to "c", "action" to "a", "value" to "1")), """structured\.value must be a finite number, got string "1""""),
            Triple(st, args(obj("category" to "c", "action" to "a", "label" to false)), """structured\.label must be a string, got boolean false"""),
        )
        for ((method, argsJson, expected) in cases) {
            val case = "$method ${argsJson.take(120)}"
            val e = rejects("INVALID_EVENT", case) { call(namespace, method, argsJson) }
            assertMessage(e, "$method: invalid event: ", Regex(expected), case)
        }
        // Nothing invalid reached the session or the queue.
        assertNull(info(namespace).sessionIndex)
        call(namespace, "trackScreenViewEvent", screenView("after errors"))
        call(namespace, "flush")
        val events = collector.waitFor(1)
        assertEquals(1, events.size)
        assertEquals("after errors", events[0].data!!.getString("name"))
        assertEquals(1, events[0].session!!.getInt("eventIndex"))
        assertEquals(1, collector.requests.size, "nothing else was sent")

        // An unknown key inside an event argument is not an error: the key is left out and the
        // event tracked (docs/events.md, "Unknown keys in an event").
        val forgiven = listOf(
            args(obj("name" to "with colour", "colour" to "red")) to
                "trackScreenViewEvent: screenView has unknown property `colour`, ignored",
            args(obj("name" to "with extra"), ctx(obj("schema" to iglu, "data" to obj("k" to 1), "extra" to 1))) to
                "trackScreenViewEvent: contexts[0] has unknown property `extra`, ignored",
        )
        for ((argsJson, _) in forgiven) {
            assertEquals("""{"value":null}""", call(namespace, sv, argsJson).json, "no log line at the default logLevel: $argsJson")
        }
        call(namespace, "flush")
        val all = collector.waitFor(3)
        assertEquals(listOf("after errors", "with colour", "with extra"), all.map { it.data!!.getString("name") })
        assertEquals(listOf(1, 2, 3), all.map { it.session!!.getInt("eventIndex") })
        assertFalse(all[1].data!!.has("colour"), "the unknown key is left out: ${all[1].data}")
        assertTrue(
            all[2].entities[0].similar(obj("schema" to iglu, "data" to obj("k" to 1))),
            "the app's entity without its unknown key: ${all[2].entities[0]}",
        )
        // With logLevel error or more, the reply names the key for the app's log.
        val logged = uniqueNamespace("logged")
        create(logged, configJson("http://127.0.0.1:9", dir, tracker = obj("logLevel" to "error")))
        for ((argsJson, line) in forgiven) {
            val reply = call(logged, sv, argsJson)
            assertEquals(null, reply.value)
            assertEquals(listOf(line), reply.log, argsJson)
        }
        assertEquals(1, info(logged).sessionIndex, "the logged tracker tracked them")
    }

    @Test
    fun `a bad argument array is INVALID_ARGUMENT and an unknown method UNKNOWN_METHOD`() {
        val namespace = uniqueNamespace("badargs")
        create(namespace, configJson("http://127.0.0.1:9", dir))
        val cases = listOf(
            Triple("trackScreenViewEvent", """[{"name":"a"}""", """trackScreenViewEvent: invalid argument: arguments are not valid JSON"""),
            Triple("trackScreenViewEvent", """{"event":{"name":"a"}}""", """trackScreenViewEvent: invalid argument: arguments must be a JSON array, got an object"""),
            Triple("trackScreenViewEvent", """[{"name":"a"},[],1]""", """trackScreenViewEvent: invalid argument: trackScreenViewEvent takes at most 2 argument(s), got 3"""),
            Triple("getSessionId", "[1]", """getSessionId: invalid argument: getSessionId takes at most 0 argument(s), got 1"""),
            Triple("flush", "[null]", """flush: invalid argument: flush takes at most 0 argument(s), got 1"""),
            Triple("startNewSession", "", """startNewSession: invalid argument: arguments are not valid JSON"""),
        )
        for ((method, argsJson, expected) in cases) {
            val e = rejects("INVALID_ARGUMENT", "$method $argsJson") { call(namespace, method, argsJson) }
            assertTrue(e.message.startsWith(expected), "$method $argsJson: ${e.message}")
        }
        for (name in listOf("explode", "getSessionInfo", "TrackScreenViewEvent", "")) {
            val e = rejects("UNKNOWN_METHOD", name) { call(namespace, name) }
            assertEquals("$name: unknown tracker method \"$name\"", e.message)
        }
        // An unknown method is unknown whatever the namespace.
        val e = rejects("UNKNOWN_METHOD", "no tracker") { call(uniqueNamespace("none"), "explode") }
        assertEquals("explode: unknown tracker method \"explode\"", e.message)
        // The tracker is untouched.
        call(namespace, "trackScreenViewEvent", screenView("fine"))
        assertEquals(1, info(namespace).sessionIndex)
    }

    @Test
    fun `a removed tracker is UNKNOWN_TRACKER for every method, an unknown app state is INVALID_ARGUMENT, and tracking goes on`() {
        val namespace = uniqueNamespace("removed")
        create(namespace, configJson("http://127.0.0.1:9", dir))
        call(namespace, "trackScreenViewEvent", screenView("before"))
        assertTrue(remove(namespace))
        assertFalse(remove(namespace))
        for (method in TRACKER_METHODS) {
            val argsJson = if (method.startsWith("track")) args(obj("name" to "after", "category" to "c", "action" to "a")) else "[]"
            val e = rejects("UNKNOWN_TRACKER", method) { call(namespace, method, argsJson) }
            assertEquals("$method: no tracker with namespace '$namespace': it was never created or has been removed", e.message)
        }

        val bad = rejects("INVALID_ARGUMENT", "sideways") { appState("sideways") }
        assertEquals("setAppState: invalid argument: app state must be 'active', 'background' or 'inactive', got \"sideways\"", bad.message)
        // The states that move nothing resolve.
        for (state in listOf("inactive", "unknown", "extension")) assertEquals("""{"value":null}""", appState(state).json, state)

        // The same namespace can be created again and keeps working, in the foreground.
        create(namespace, configJson("http://127.0.0.1:9", dir))
        call(namespace, "trackScreenViewEvent", screenView("again"))
        val again = info(namespace)
        assertEquals(2, again.sessionIndex, "a new run on the same database")
        assertFalse(again.isInBackground)
    }

    @Test
    fun `a call still waiting when its tracker is removed is SHUT_DOWN, and the removal waits for nothing else`() {
        val collector = collector()
        val namespace = uniqueNamespace("shutdown")
        create(namespace, configJson(collector.url, dir))
        val held = collector.hold()
        call(namespace, "trackScreenViewEvent", screenView("x"))
        val flushed = startCall(namespace, "flush")
        held.awaitArrival()
        assertFalse(flushed.isSettled, "flush waits for the collector's answer")
        // The removal does not wait for the held request.
        assertEquals(true, startRemove(namespace).await().value)
        held.release()
        val e = flushed.awaitRejection()
        assertEquals("SHUT_DOWN", e.code)
        assertEquals("flush: the tracker was shut down before the call completed", e.message)
    }
}
