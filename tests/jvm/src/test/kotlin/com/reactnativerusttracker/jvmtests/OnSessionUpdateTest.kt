package com.reactnativerusttracker.jvmtests

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * `sessionConfig.onSessionUpdate`: the app's callback cannot cross the FFI,
 * so the core puts each new session in the reply of the call that started
 * it. These tests make the calls one after another without waiting, as
 * React Native does, and check which replies carry sessions, what they
 * carry, and that each arrives before the reply of any later call.
 */
class OnSessionUpdateTest : TrackerTestBase() {

    private val sessionKeys = setOf(
        "userId", "sessionId", "sessionIndex", "previousSessionId", "storageMechanism", "firstEventId", "firstEventTimestamp", "eventIndex",
    )

    /** Screen view a, screen view b, startNewSession, screen view c, screen view d, getSessionId: made without waiting. */
    private fun sequence(namespace: String): List<PendingCall> = listOf(
        startCall(namespace, "trackScreenViewEvent", screenView("a")),
        startCall(namespace, "trackScreenViewEvent", screenView("b")),
        startCall(namespace, "startNewSession"),
        startCall(namespace, "trackScreenViewEvent", screenView("c")),
        startCall(namespace, "trackScreenViewEvent", screenView("d")),
        startCall(namespace, "getSessionId"),
    )

    @Test
    fun `with onSessionUpdate the calls that start sessions carry them, once each, in order, answered before any later call`() {
        val collector = collector()
        val namespace = uniqueNamespace("update")
        // The test orders the app's screen views and their sessions: no install or screen_end events among them.
        val created = create(namespace, configJson(collector.url, dir, tracker = onlyAppEvents(), session = obj("onSessionUpdate" to true)))
        assertNull(created.sessions, "creating starts no session")
        val caller = Thread.currentThread()

        val calls = sequence(namespace)
        val replies = calls.map { it.await() }
        val carrying = replies.indices.filter { replies[it].sessions != null }
        assertEquals(listOf(0, 3), carrying, "only the first event and the first event after startNewSession carry a session: ${replies.map { it.json }}")
        val reported = carrying.flatMap { replies[it].sessions!! }
        assertEquals(listOf(namespace, namespace), reported.map { it.namespace })
        val (first, second) = reported.map { it.session }
        assertEquals(listOf(1, 2), listOf(first, second).map { it.getInt("sessionIndex") }, "once per session, in session order")

        // Each such answer comes before the answer of any call made after it.
        for (i in carrying) {
            for (j in i + 1 until calls.size) {
                assertTrue(calls[i].order < calls[j].order, "reply ${calls[i].what} (#${calls[i].order}) before reply ${calls[j].what} (#${calls[j].order})")
            }
            assertNotEquals(caller, calls[i].thread, "answered from the core's thread, not the caller's")
        }

        val userId = call(namespace, "getSessionUserId").value as String
        assertNull(first.stringOrNull("previousSessionId"))
        assertEquals(first.getString("sessionId"), second.getString("previousSessionId"), "previousSessionId links the sessions")
        assertNotEquals(first.getString("sessionId"), second.getString("sessionId"))
        assertEquals(second.getString("sessionId"), replies[5].value, "getSessionId, called last, sees the second session")
        for (s in listOf(first, second)) {
            assertEquals(sessionKeys, s.keySet(), "client_session fields of $s")
            assertEquals(userId, s.getString("userId"))
            assertTrue(UUID_V4.matches(s.getString("sessionId")))
            assertEquals("SQLITE", s.getString("storageMechanism"))
            assertEquals(1, s.getInt("eventIndex"))
        }

        // What the replies carried is the entity the session's first event carried.
        call(namespace, "flush")
        val events = collector.waitFor(4)
        assertEquals(listOf("a", "b", "c", "d"), events.map { it.data!!.getString("name") })
        for ((s, e) in listOf(first to events[0], second to events[2])) {
            assertTrue(s.similar(e.session), "reported $s\n sent     ${e.session}")
            assertEquals(e["eid"], s.getString("firstEventId"))
            assertEquals(iso(e["dtm"]), s.getString("firstEventTimestamp"))
        }

        // Later calls in the same sessions carry nothing more.
        assertNull(call(namespace, "trackScreenViewEvent", screenView("e")).sessions)
        assertTrue(remove(namespace))
    }

    @Test
    fun `without onSessionUpdate no reply carries sessions`() {
        val collector = collector()
        val namespace = uniqueNamespace("noupdate")
        create(namespace, configJson(collector.url, dir, session = obj("backgroundTimeout" to 0)))
        val replies = sequence(namespace).map { it.await() }
        assertEquals(List(6) { null }, replies.map { it.sessions }, replies.joinToString { it.json })
        assertEquals(List(5) { """{"value":null}""" }, replies.take(5).map { it.json })
        assertEquals(2, info(namespace).sessionIndex, "the sessions did start")
        // Nor does a lifecycle event that starts one (background timeout 0).
        appState("background")
        Thread.sleep(5) // so that the time in the background exceeds the zero timeout
        val back = appState("active")
        assertEquals("""{"value":null}""", back.json)
        assertEquals(3, info(namespace).sessionIndex, "the foreground event started session 3")
    }

    @Test
    fun `a lifecycle event that starts a session puts it in the setAppState reply, answered before any later call`() {
        val collector = collector()
        val namespace = uniqueNamespace("life")
        // The collector gets exactly the screen view, background and foreground events: no install event.
        create(namespace, configJson(collector.url, dir, tracker = onlyAppEvents(), session = obj("onSessionUpdate" to true, "backgroundTimeout" to 0)))
        val first = call(namespace, "trackScreenViewEvent", screenView("one")).sessions!!.single()
        // Going to the background continues the session (the foreground timeout has not passed).
        assertNull(appState("background").sessions)
        Thread.sleep(5) // so that the time in the background exceeds the zero timeout
        val back = startAppState("active")
        val later = startCall(namespace, "getSessionIndex")
        val reported = back.await().sessions!!.single()
        assertEquals(namespace, reported.namespace)
        assertEquals(2, reported.session.getInt("sessionIndex"))
        assertEquals(first.session.getString("sessionId"), reported.session.getString("previousSessionId"))
        assertEquals(1, reported.session.getInt("eventIndex"), "the foreground event is the session's first")
        assertEquals(2, later.await().value)
        assertTrue(back.order < later.order, "the setAppState reply (#${back.order}) comes before the reply of the later call (#${later.order})")

        call(namespace, "flush")
        // The screen view, background and foreground events.
        val fg = collector.waitFor(3).single { it.schema == FOREGROUND }
        assertTrue(reported.session.similar(fg.session), "reported the entity the foreground event carried: ${fg.session}")
    }

    @Test
    fun `setAppState reports the sessions of every tracker that asked, each with its namespace, before their later replies`() {
        val collector = collector()
        val a = uniqueNamespace("lifeA")
        val b = uniqueNamespace("lifeB")
        val quiet = uniqueNamespace("lifeQuiet")
        val session = obj("onSessionUpdate" to true, "backgroundTimeout" to 0)
        create(a, configJson(collector.url, dir, session = session))
        create(b, configJson(collector.url, dir, session = session))
        create(quiet, configJson(collector.url, dir, session = obj("backgroundTimeout" to 0)))
        val sa = call(a, "trackScreenViewEvent", screenView("a1")).sessions!!.single()
        val sb = call(b, "trackScreenViewEvent", screenView("b1")).sessions!!.single()
        assertNull(call(quiet, "trackScreenViewEvent", screenView("q1")).sessions)
        assertEquals(a to 1, sa.namespace to sa.session.getInt("sessionIndex"))
        assertEquals(b to 1, sb.namespace to sb.session.getInt("sessionIndex"))

        assertNull(appState("background").sessions)
        Thread.sleep(5) // so that the time in the background exceeds the zero timeout
        val pending = startAppState("active")
        // Later calls on each tracker: their replies follow the setAppState reply,
        // which waits for every tracker (the registry's answer gate).
        val laterA = startCall(a, "getSessionIndex")
        val laterB = startCall(b, "getSessionIndex")
        val reply = pending.await()
        assertEquals(2, laterA.await().value)
        assertEquals(2, laterB.await().value)
        for (later in listOf(laterA, laterB)) {
            assertTrue(pending.order < later.order, "the setAppState reply (#${pending.order}) comes before the later reply (#${later.order})")
        }
        val reported = reply.sessions!!.sortedBy { it.namespace }
        assertEquals(listOf(a, b).sorted(), reported.map { it.namespace }, "one session per tracker that asked: ${reply.json}")
        for (r in reported) {
            val previous = if (r.namespace == a) sa else sb
            assertEquals(2, r.session.getInt("sessionIndex"))
            assertEquals(previous.session.getString("sessionId"), r.session.getString("previousSessionId"))
            assertEquals(1, r.session.getInt("eventIndex"), "the foreground event is the session's first")
        }
        assertEquals(2, info(quiet).sessionIndex, "the quiet tracker's session started too, unreported")
    }
}
