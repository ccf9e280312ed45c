package com.reactnativerusttracker.jvmtests

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.concurrent.CountDownLatch
import kotlin.concurrent.thread

/** Sending through the bindings: a failing collector rejects flush with NETWORK and loses nothing; batches; GET. */
class EmitterTest : TrackerTestBase() {

    @Test
    fun `a failing collector rejects flush with NETWORK, keeps the events and duplicates nothing`() {
        val collector = collector()
        val namespace = uniqueNamespace("outage")
        // The test counts the queued events and their indexes: no install or screen_end events among them.
        create(namespace, configJson(collector.url, dir, tracker = onlyAppEvents()))

        collector.fail(500)
        call(namespace, "trackScreenViewEvent", screenView("one"))
        val e500 = rejects("NETWORK", "HTTP 500") { call(namespace, "flush") }
        assertTrue(e500.message == "flush: network error: collector answered HTTP 500; 1 event(s) stay queued and will be retried", e500.message)
        collector.fail(404)
        call(namespace, "trackScreenViewEvent", screenView("two"))
        val e404 = rejects("NETWORK", "HTTP 404") { call(namespace, "flush") }
        assertTrue(e404.message.startsWith("flush: network error: collector answered HTTP 404"), e404.message)
        assertEquals(0, collector.events.size)

        collector.fail(null)
        call(namespace, "trackScreenViewEvent", screenView("three"))
        assertEquals("""{"value":null}""", call(namespace, "flush").json)
        val events = collector.waitFor(3)
        call(namespace, "flush")
        assertEquals(listOf("one", "two", "three"), events.map { it.data!!.getString("name") })
        assertEquals(listOf(1, 2, 3), events.map { it.session!!.getInt("eventIndex") })
        assertEquals(3, collector.events.size, "no duplicates after a second flush")
    }

    @Test
    fun `an unreachable endpoint is NETWORK and the tracker still tracks`() {
        val url = collector().also { it.close() }.url // nothing listens there any more
        val namespace = uniqueNamespace("dead")
        // The test counts the queued events: no install event among them.
        create(namespace, configJson(url, dir, tracker = onlyAppEvents()))
        call(namespace, "trackScreenViewEvent", screenView("queued"))
        val e = rejects("NETWORK", "dead") { call(namespace, "flush") }
        assertTrue(e.message.startsWith("flush: network error: could not reach the collector at $url"), e.message)
        assertTrue(e.message.endsWith("1 event(s) stay queued and will be retried"), e.message)
        call(namespace, "trackScreenViewEvent", screenView("still tracking"))
        assertEquals(1, info(namespace).sessionIndex)
    }

    @Test
    fun `concurrent track calls are all committed, and POST batches respect emitRange and byteLimitPost`() {
        val collector = collector()
        collector.fail(500) // hold everything in the queue until the flush
        val namespace = uniqueNamespace("batch")
        // The test counts and orders the ten screen views: no install or screen_end events among them.
        create(namespace, configJson(collector.url, dir, tracker = onlyAppEvents(), emitter = obj("emitRange" to 3, "byteLimitPost" to 3000)))
        // The padding goes in transitionType, which only the screen view carries: a `type` is repeated
        // in the screen entity and the next view's previousType, and would triple each event's size.
        val pad = "p".repeat(600)
        // Ten threads released together, each making one call; each answer comes once its event is committed.
        val go = CountDownLatch(1)
        val calls = arrayOfNulls<PendingCall>(10)
        val threads = (0 until 10).map { i ->
            thread(name = "caller-$i") {
                go.await()
                calls[i] = startCall(namespace, "trackScreenViewEvent", args(obj("name" to "S$i", "transitionType" to pad)))
            }
        }
        go.countDown()
        threads.forEach { it.join() }
        calls.forEach { assertEquals("""{"value":null}""", it!!.await().json) }
        collector.fail(null)
        call(namespace, "flush")
        val events = collector.waitFor(10)
        assertEquals(10, events.size)
        assertEquals((1..10).toList(), events.map { it.session!!.getInt("eventIndex") }, "queue order is commit order")
        assertEquals((0 until 10).map { "S$it" }.toSet(), events.map { it.data!!.getString("name") }.toSet())
        val dtms = events.map { it["dtm"].toLong() }
        assertEquals(dtms.sorted(), dtms, "event times follow queue order")
        val ok = collector.requests.filter { !it.failed }
        for (r in ok) {
            val n = JSONObject(r.body).getJSONArray("data").length()
            assertTrue(n in 1..3, "at most emitRange events per request, got $n")
            assertTrue(r.body.toByteArray().size <= 3000, "body within byteLimitPost: ${r.body.length}")
        }
        assertTrue(ok.size >= 4, "10 events of ~1 kB need several requests, got ${ok.size}")
    }

    @Test
    fun `GET sends one event per request to i`() {
        val collector = collector()
        val namespace = uniqueNamespace("get")
        // The test counts the requests, one per event: no install or screen_end events among them.
        create(namespace, configJson(collector.url, dir, tracker = onlyAppEvents(), network = obj("endpoint" to collector.url, "method" to "get")))
        call(namespace, "trackStructuredEvent", args(obj("category" to "c & d", "action" to "a=b")))
        call(namespace, "trackScreenViewEvent", screenView("Ünïcode ✓"))
        call(namespace, "flush")
        val events = collector.waitFor(2)
        assertEquals(listOf("GET /i", "GET /i"), collector.requests.map { "${it.method} ${it.path}" })
        assertEquals("c & d", events[0]["se_ca"])
        assertEquals("a=b", events[0]["se_ac"])
        assertEquals("Ünïcode ✓", events[1].data!!.getString("name"))
        assertEquals(2, events[1].session!!.getInt("eventIndex"))
    }
}
