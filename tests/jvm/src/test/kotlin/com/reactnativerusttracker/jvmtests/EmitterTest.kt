package com.reactnativerusttracker.jvmtests

import com.reactnativerusttracker.core.TrackerException
import com.reactnativerusttracker.core.createTracker
import com.reactnativerusttracker.core.flush
import com.reactnativerusttracker.core.trackScreenViewEvent
import com.reactnativerusttracker.core.trackStructuredEvent
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Sending through the bindings: a failing collector is a Network exception and loses nothing; batches; GET. */
class EmitterTest : TrackerTestBase() {

    @Test
    fun `a failing collector makes flush throw Network, keeps the events and duplicates nothing`() = runBlocking {
        val collector = collector()
        val namespace = uniqueNamespace("outage")
        createTracker(namespace, configJson(collector.url, dir), null, null, null)

        collector.fail(500)
        trackScreenViewEvent(namespace, screenView("one"))
        val e500 = assertThrows<TrackerException.Network> { flush(namespace) }
        assertTrue(e500.message!!.startsWith("network error: collector answered HTTP 500 for 1 event(s); they stay queued"), e500.message)
        collector.fail(404)
        trackScreenViewEvent(namespace, screenView("two"))
        val e404 = assertThrows<TrackerException.Network> { flush(namespace) }
        assertTrue(e404.message!!.contains("HTTP 404"), e404.message)
        assertEquals(0, collector.events.size)

        collector.fail(null)
        trackScreenViewEvent(namespace, screenView("three"))
        flush(namespace)
        val events = collector.waitFor(3)
        flush(namespace)
        assertEquals(listOf("one", "two", "three"), events.map { it.data!!.getString("name") })
        assertEquals(listOf(1, 2, 3), events.map { it.session!!.getInt("eventIndex") })
        assertEquals(3, collector.events.size, "no duplicates after a second flush")
    }

    @Test
    fun `an unreachable endpoint is a Network error and the tracker still tracks`() = runBlocking {
        val url = collector().also { it.close() }.url // nothing listens there any more
        val namespace = uniqueNamespace("dead")
        createTracker(namespace, configJson(url, dir), null, null, null)
        trackScreenViewEvent(namespace, screenView("queued"))
        val e = assertThrows<TrackerException.Network> { flush(namespace) }
        assertTrue(e.message!!.contains("could not reach the collector"), e.message)
        trackScreenViewEvent(namespace, screenView("still tracking"))
        assertEquals(1, info(namespace).sessionIndex)
    }

    @Test
    fun `concurrent track calls are all committed, and POST batches respect emitRange and byteLimitPost`() = runBlocking {
        val collector = collector()
        collector.fail(500) // hold everything in the queue until the flush
        val namespace = uniqueNamespace("batch")
        createTracker(namespace, configJson(collector.url, dir, emitter = obj("emitRange" to 3, "byteLimitPost" to 3000)), null, null, null)
        val pad = "p".repeat(600)
        // Started together from one coroutine scope: each call resolves once its event is committed.
        (0 until 10).map { i -> async { trackScreenViewEvent(namespace, argsJson(obj("name" to "S$i", "type" to pad))) } }.awaitAll()
        collector.fail(null)
        flush(namespace)
        val events = collector.waitFor(10)
        assertEquals(10, events.size)
        assertEquals((1..10).toList(), events.map { it.session!!.getInt("eventIndex") }, "queue order is commit order")
        assertEquals((0 until 10).map { "S$it" }.toSet(), events.map { it.data!!.getString("name") }.toSet())
        val ok = collector.requests.filter { !it.failed }
        for (r in ok) {
            val n = JSONObject(r.body).getJSONArray("data").length()
            assertTrue(n in 1..3, "at most emitRange events per request, got $n")
            assertTrue(r.body.toByteArray().size <= 3000, "body within byteLimitPost: ${r.body.length}")
        }
        assertTrue(ok.size >= 4, "10 events of ~1 kB need several requests, got ${ok.size}")
    }

    @Test
    fun `GET sends one event per request to i`() = runBlocking {
        val collector = collector()
        val namespace = uniqueNamespace("get")
        createTracker(namespace, configJson(collector.url, dir, network = obj("endpoint" to collector.url, "method" to "get")), null, null, null)
        trackStructuredEvent(namespace, argsJson(obj("category" to "c & d", "action" to "a=b")))
        trackScreenViewEvent(namespace, screenView("Ünïcode ✓"))
        flush(namespace)
        val events = collector.waitFor(2)
        assertEquals(listOf("GET /i", "GET /i"), collector.requests.map { "${it.method} ${it.path}" })
        assertEquals("c & d", events[0]["se_ca"])
        assertEquals("a=b", events[0]["se_ac"])
        assertEquals("Ünïcode ✓", events[1].data!!.getString("name"))
        assertEquals(2, events[1].session!!.getInt("eventIndex"))
    }
}
