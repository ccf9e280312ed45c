package com.reactnativerusttracker.jvmtests

import com.reactnativerusttracker.core.ClientSession
import com.reactnativerusttracker.core.SessionObserver
import com.reactnativerusttracker.core.createTracker
import com.reactnativerusttracker.core.flush
import com.reactnativerusttracker.core.removeTracker
import com.reactnativerusttracker.core.startNewSession
import com.reactnativerusttracker.core.trackScreenViewEvent
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.Collections

/** Records every session it is given, with the thread that called it. */
class RecordingObserver : SessionObserver {
    val sessions: MutableList<ClientSession> = Collections.synchronizedList(mutableListOf())
    val threads: MutableList<Thread> = Collections.synchronizedList(mutableListOf())

    override fun onSessionUpdate(session: ClientSession) {
        threads += Thread.currentThread()
        sessions += session
    }
}

/** A callback from Rust to Kotlin: the SessionObserver of createTracker. */
class SessionObserverTest : TrackerTestBase() {

    @Test
    fun `a SessionObserver receives each new session once, in order, before the call that started it returns`() = runBlocking {
        val collector = collector()
        val namespace = uniqueNamespace("observer")
        val observer = RecordingObserver()
        createTracker(namespace, configJson(collector.url, dir), null, null, observer)
        assertEquals(0, observer.sessions.size, "no session before the first event")

        trackScreenViewEvent(namespace, screenView("one"))
        assertEquals(1, observer.sessions.size, "the first event starts session 1")
        trackScreenViewEvent(namespace, screenView("two"))
        startNewSession(namespace)
        assertEquals(1, observer.sessions.size, "neither a second event nor startNewSession starts a session")
        trackScreenViewEvent(namespace, screenView("three"))
        assertEquals(2, observer.sessions.size, "the event after startNewSession starts session 2")
        trackScreenViewEvent(namespace, screenView("four"))

        val (first, second) = observer.sessions
        val userId = info(namespace).userId
        assertEquals(1u, first.sessionIndex)
        assertEquals(2u, second.sessionIndex)
        assertNull(first.previousSessionId)
        assertEquals(first.sessionId, second.previousSessionId, "previousSessionId links the sessions")
        assertNotEquals(first.sessionId, second.sessionId)
        for (s in listOf(first, second)) {
            assertEquals(userId, s.userId)
            assertTrue(UUID_V4.matches(s.sessionId))
            assertEquals("SQLITE", s.storageMechanism)
            assertEquals(1u, s.eventIndex)
        }
        assertEquals(info(namespace).sessionId, second.sessionId)
        assertTrue(observer.threads.none { it == Thread.currentThread() }, "called from the core's thread, not the caller's: ${observer.threads}")

        // What the observer got is the entity the session's first event carried.
        flush(namespace)
        val events = collector.waitFor(4)
        for ((s, e) in listOf(first to events[0], second to events[2])) {
            val entity = e.session!!
            assertEquals(s.sessionId, entity.getString("sessionId"))
            assertEquals(s.sessionIndex.toInt(), entity.getInt("sessionIndex"))
            assertEquals(s.previousSessionId, if (entity.isNull("previousSessionId")) null else entity.getString("previousSessionId"))
            assertEquals(e["eid"], s.firstEventId)
            assertEquals(iso(e["dtm"]), s.firstEventTimestamp)
            assertEquals(s.firstEventTimestamp, entity.getString("firstEventTimestamp"))
        }

        // No more calls after the tracker is gone.
        assertTrue(removeTracker(namespace))
        assertEquals(2, observer.sessions.size)
    }

    @Test
    fun `each tracker calls its own observer`() = runBlocking {
        val collector = collector()
        val a = uniqueNamespace("obsA")
        val b = uniqueNamespace("obsB")
        val observerA = RecordingObserver()
        val observerB = RecordingObserver()
        createTracker(a, configJson(collector.url, dir), null, null, observerA)
        createTracker(b, configJson(collector.url, dir), null, null, observerB)
        trackScreenViewEvent(a, screenView("a1"))
        startNewSession(a)
        trackScreenViewEvent(a, screenView("a2"))
        trackScreenViewEvent(b, screenView("b1"))
        assertEquals(listOf(1u, 2u), observerA.sessions.map { it.sessionIndex })
        assertEquals(listOf(1u), observerB.sessions.map { it.sessionIndex })
        assertEquals(info(b).sessionId, observerB.sessions[0].sessionId)
    }
}
