package com.reactnativerusttracker.jvmtests

import com.reactnativerusttracker.testing.Collector
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.nio.file.Files
import java.nio.file.Path

/**
 * Restarts within one JVM: removeTracker, then createTracker with the same
 * namespace on the same storage directory, as an app's next run would.
 */
class RestartTest : TrackerTestBase() {

    /** One "app run": create, read the getters, track [events] screen views, read again, flush, remove. */
    private fun run(
        namespace: String,
        collector: Collector,
        continueSession: Boolean,
        events: Int = 1,
        foregroundTimeout: Number = 360,
        filesDirectory: Path = dir,
    ): Pair<SessionInfo, SessionInfo> {
        // The directory comes from the platform's files directory (PlatformFacts), not from the config.
        val config = configJson(
            collector.url,
            // The tests count and index the runs' screen views: no install or screen_end events among them.
            tracker = onlyAppEvents(),
            session = obj("foregroundTimeout" to foregroundTimeout, "backgroundTimeout" to 15, "continueSessionOnRestart" to continueSession),
        )
        create(namespace, config, facts(filesDirectory = filesDirectory))
        val before = info(namespace)
        repeat(events) { call(namespace, "trackScreenViewEvent", screenView("Screen $it")) }
        val after = info(namespace)
        call(namespace, "flush")
        assertTrue(remove(namespace), "the tracker existed")
        return before to after
    }

    /** The databases in [directory]. */
    private fun databases(directory: Path): List<String> =
        if (!Files.isDirectory(directory)) emptyList()
        else Files.list(directory).use { s -> s.map { it.fileName.toString() }.filter { it.endsWith(".sqlite") }.toList() }

    @Test
    fun `a restart keeps the user id and starts the next session by default`() {
        val collector = collector()
        val namespace = uniqueNamespace("restart")
        val (before1, first) = run(namespace, collector, continueSession = false)
        assertTrue(UUID_V4.matches(first.userId))
        assertEquals(1, first.sessionIndex)
        assertNull(before1.sessionId)
        assertEquals(
            listOf("rn-rust-tracker-$namespace.sqlite"), databases(dir.resolve(STORAGE_FOLDER)),
            "the database is in the core's folder below the platform's files directory",
        )
        assertEquals(listOf(STORAGE_FOLDER), Files.list(dir).use { s -> s.map { it.fileName.toString() }.toList() }, "nothing else in the files directory")

        val (before2, second) = run(namespace, collector, continueSession = false)
        assertEquals(first.userId, before2.userId, "user id available before any event")
        assertNull(before2.sessionId, "no stale session before the first event of a run")
        assertNull(before2.sessionIndex)
        assertEquals(first.userId, second.userId)
        assertEquals(2, second.sessionIndex)
        assertNotEquals(first.sessionId, second.sessionId)

        val events = collector.waitFor(2)
        val s1 = events[0].session!!
        val s2 = events[1].session!!
        assertEquals(first.sessionId, s1.getString("sessionId"))
        assertEquals(second.sessionId, s2.getString("sessionId"))
        assertEquals(first.sessionId, s2.getString("previousSessionId"))
        assertEquals(first.userId, s2.getString("userId"))
        assertEquals(2, s2.getInt("sessionIndex"))
        assertEquals(1, s2.getInt("eventIndex"))
        assertEquals(events[1]["eid"], s2.getString("firstEventId"))
    }

    @Test
    fun `continueSessionOnRestart continues the stored session within the foreground timeout`() {
        val collector = collector()
        val namespace = uniqueNamespace("continue")
        val (_, first) = run(namespace, collector, continueSession = true, events = 2)
        val (_, second) = run(namespace, collector, continueSession = true, events = 2)
        assertEquals(first.userId, second.userId)
        assertEquals(first.sessionId, second.sessionId)
        assertEquals(1, second.sessionIndex)
        val events = collector.waitFor(4)
        assertEquals(listOf(1, 2, 3, 4), events.map { it.session!!.getInt("eventIndex") })
        assertTrue(events.all { it.session!!.getString("sessionId") == first.sessionId })
        assertTrue(events.all { it.session!!.getString("firstEventId") == events[0]["eid"] })

        // Beyond the foreground timeout, even with continueSessionOnRestart, a new session starts.
        Thread.sleep(5) // so that the stored session is older than the zero timeout
        val (_, third) = run(namespace, collector, continueSession = true, foregroundTimeout = 0)
        assertEquals(2, third.sessionIndex)
        assertNotEquals(first.sessionId, third.sessionId)
        val last = collector.waitFor(5)[4].session!!
        assertEquals(first.sessionId, last.getString("previousSessionId"))
        assertEquals(1, last.getInt("eventIndex"))
    }

    @Test
    fun `the config's storage directory overrides the platform default`() {
        val collector = collector()
        val namespace = uniqueNamespace("override")
        val chosen = Files.createDirectory(dir.resolve("chosen"))
        val platform = Files.createDirectory(dir.resolve("platform"))
        create(namespace, configJson(collector.url, chosen), facts(filesDirectory = platform))
        call(namespace, "trackScreenViewEvent", screenView("Home"))
        assertTrue(remove(namespace))
        assertEquals(listOf("rn-rust-tracker-$namespace.sqlite"), databases(chosen), "database where storage.directory says")
        assertEquals(0L, Files.list(platform).use { it.count() }, "nothing in the platform default")
    }
}
