package com.reactnativerusttracker.jvmtests

import com.reactnativerusttracker.testing.ReceivedEvent
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The documented session example end to end, through the generated Kotlin
 * bindings (the five functions of the native surface, each call answered
 * through an Answer) and the real core, against the loopback collector, with the
 * timeouts scaled down (foreground 360 s, background 1 s; 1.5 s spent in the
 * background).
 */
class SessionExampleTest : TrackerTestBase() {

    @Test
    fun `documented example - screen view, background, 1,5 s, foreground gives sessions 1, 1, 2`() {
        val collector = collector()
        val namespace = uniqueNamespace("example")
        val created = create(
            namespace,
            configJson(
                collector.url, dir,
                // The example is the app's three events: no install or screen_end events among them.
                tracker = onlyAppEvents("sessionContext" to true, "appId" to "demo-app"),
                session = obj("foregroundTimeout" to 360, "backgroundTimeout" to 1.0),
            ),
        )
        assertEquals("""{"value":null}""", created.json, "createTracker answers with no value")

        val g0 = info(namespace)
        assertTrue(UUID_V4.matches(g0.userId), "user id exists before any event: ${g0.userId}")
        assertEquals(SessionInfo(g0.userId, null, null, false, 0, 0), g0, "no session before the first event")

        val tracked = call(namespace, "trackScreenViewEvent", screenView("Home"))
        assertEquals("""{"value":null}""", tracked.json, "without onSessionUpdate no reply carries the session")
        val g1 = info(namespace)
        assertTrue(UUID_V4.matches(g1.sessionId!!))
        assertEquals(g0.copy(sessionId = g1.sessionId, sessionIndex = 1), g1)

        assertEquals("""{"value":null}""", appState("background").json)
        val g2 = info(namespace)
        assertEquals(g1.copy(isInBackground = true, backgroundIndex = 1), g2)

        Thread.sleep(1500) // the scenario's time in the background, beyond the 1 s timeout
        assertEquals("""{"value":null}""", appState("active").json)
        val g3 = info(namespace)
        assertNotEquals(g1.sessionId, g3.sessionId)
        assertEquals(SessionInfo(g0.userId, g3.sessionId, 2, false, 0, 1), g3)

        assertEquals("""{"value":null}""", call(namespace, "flush").json)
        val events = collector.waitFor(3)
        assertEquals(3, events.size)
        val (sv, bg, fg) = events
        assertEquals(listOf(SCREEN_VIEW, BACKGROUND, FOREGROUND), events.map { it.schema })
        assertEquals("Home", sv.data!!.getString("name"))
        assertTrue(UUID_V4.matches(sv.data!!.getString("id")))
        assertEquals(setOf("name", "id"), sv.data!!.keySet())
        assertTrue(bg.data!!.similar(obj("backgroundIndex" to 1)), "background event data ${bg.data}")
        assertTrue(fg.data!!.similar(obj("foregroundIndex" to 1)), "foreground event data ${fg.data}")

        data class Expected(val sessionId: String?, val index: Int, val previous: String?, val first: ReceivedEvent, val eventIndex: Int)
        val expected = listOf(
            Expected(g1.sessionId, 1, null, sv, 1),
            Expected(g1.sessionId, 1, null, sv, 2),
            Expected(g3.sessionId, 2, g1.sessionId, fg, 1),
        )
        events.forEachIndexed { i, e ->
            val x = expected[i]
            val s = e.session ?: throw AssertionError("event ${i + 1} has no client_session")
            val want = obj(
                "userId" to g0.userId,
                "sessionId" to x.sessionId,
                "sessionIndex" to x.index,
                "previousSessionId" to x.previous,
                "storageMechanism" to "SQLITE",
                "firstEventId" to x.first["eid"],
                "firstEventTimestamp" to iso(x.first["dtm"]),
                "eventIndex" to x.eventIndex,
            )
            assertTrue(s.similar(want), "client_session of event ${i + 1}:\n got  $s\n want $want")
            assertTrue(s.has("previousSessionId"), "previousSessionId is sent, as null in the first session")
            assertTrue(Regex("""^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$""").matches(s.getString("firstEventTimestamp")))
            assertEquals(CONTEXTS, e.contextsSchema)
            assertEquals(UNSTRUCT, e.wrapperSchema)
            // The Home screen's entity (screenContext, on by default) on every event from its view on; client_session last.
            assertEquals(listOf(SCREEN, CLIENT_SESSION), e.entities.map { it.getString("schema") })
            val screen = e.entities[0].getJSONObject("data")
            assertTrue(screen.similar(obj("name" to "Home", "id" to sv.data!!.getString("id"))), "screen entity of event ${i + 1}: $screen")

            for (k in e.raw.keySet()) {
                assertTrue(k in ALLOWED_KEYS, "payload_data allows $k")
                assertTrue(e.raw.get(k) is String, "$k is a string")
            }
            assertEquals("ue", e["e"])
            assertTrue(UUID_V4.matches(e["eid"]))
            assertEquals(namespace, e["tna"])
            assertEquals("demo-app", e["aid"])
            assertEquals("mob", e["p"])
            assertTrue(Regex("""^rn-rust-\d+\.\d+\.\d+$""").matches(e["tv"]), e["tv"])
            assertTrue(Regex("""^\d{13}$""").matches(e["dtm"]))
            assertTrue(Regex("""^\d{13}$""").matches(e["stm"]))
            assertTrue(e["stm"].toLong() >= e["dtm"].toLong(), "sent after created")
            assertFalse(Regex("[+/=]").containsMatchIn(e["cx"] + e["ue_px"]), "URL-safe base64 without padding")
        }
        assertTrue(fg["dtm"].toLong() - bg["dtm"].toLong() > 1000, "the background gap exceeded the timeout")
    }

    @Test
    fun `a short background stay keeps the session, startNewSession acts at the next event, sessionContext false leaves the entity off`() {
        val collector = collector()
        val namespace = uniqueNamespace("short")
        create(
            namespace,
            configJson(
                collector.url, dir,
                // The test counts and orders the app's four events: no install event before them.
                tracker = onlyAppEvents("sessionContext" to false, "base64Encoding" to false),
                session = obj("foregroundTimeout" to 360, "backgroundTimeout" to 60),
            ),
            facts(appId = "com.example.jvm"),
        )
        call(namespace, "trackStructuredEvent", args(obj("category" to "shop", "action" to "add", "label" to "sku-1", "property" to "p", "value" to 2)))
        val id = info(namespace).sessionId
        assertNotNull(id)
        appState("background")
        appState("background") // repeated state: ignored
        appState("active")
        val afterStay = info(namespace)
        assertEquals(SessionInfo(afterStay.userId, id, 1, false, 1, 1), afterStay)

        assertEquals("""{"value":null}""", call(namespace, "startNewSession").json)
        assertEquals(id, info(namespace).sessionId, "startNewSession takes effect at the next event")
        call(
            namespace,
            "trackSelfDescribingEvent",
            args(
                obj("schema" to "iglu:com.acme/thing/jsonschema/1-0-0", "data" to obj("n" to 1)),
                JSONArray().put(obj("schema" to "iglu:com.acme/ctx/jsonschema/1-0-0", "data" to obj("k" to "v"))),
            ),
        )
        val next = info(namespace)
        assertEquals(2, next.sessionIndex)
        assertNotEquals(id, next.sessionId)
        assertEquals(0, next.backgroundIndex, "lifecycle counters restart with the session")

        call(namespace, "flush")
        val events = collector.waitFor(4)
        assertEquals(listOf("se", "ue", "ue", "ue"), events.map { it["e"] })
        val se = events[0]
        assertEquals(listOf("shop", "add", "sku-1", "p", "2"), listOf("se_ca", "se_ac", "se_la", "se_pr", "se_va").map { se[it] })
        assertEquals(listOf(BACKGROUND, FOREGROUND), events.subList(1, 3).map { it.schema })
        assertTrue(events.all { it.session == null }, "no client_session entity")
        assertTrue(events.all { it["aid"] == "com.example.jvm" }, "the platform appId is the default aid")
        val sd = events[3]
        assertTrue(sd.raw.has("ue_pr") && sd.raw.has("co"), "plain JSON without base64")
        assertNull(sd.raw.opt("cx"))
        assertEquals(1, sd.entities.size)
        assertTrue(sd.entities[0].similar(obj("schema" to "iglu:com.acme/ctx/jsonschema/1-0-0", "data" to obj("k" to "v"))))
        assertTrue(sd.data!!.similar(JSONObject().put("n", 1)))
    }
}
