// Calls keep their order through the Android module, as React Native makes
// them: from one thread (the JS thread), one after another, without waiting
// for any Promise. Every getter must see exactly the calls made before it, and
// the events must reach the collector in call order, with times that never go
// backwards and no session other than those the calls asked for.

package com.reactnativerusttracker

import com.facebook.react.bridge.Promise
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test

class OrderingTest : ModuleTestBase() {
  private val namespace = uniqueNamespace("ordering")

  // The module's surface, in one place: the four calls of a round and the getter's index.

  private fun track(label: String, p: Promise) =
    module.callTracker(namespace, "trackStructuredEvent", """[{"category":"ordering","action":"track","label":"$label"}]""", p)

  private fun startNewSession(p: Promise) = module.callTracker(namespace, "startNewSession", "[]", p)

  private fun getSessionIndex(p: Promise) = module.callTracker(namespace, "getSessionIndex", "[]", p)

  private fun flush(p: Promise) = module.callTracker(namespace, "flush", "[]", p)

  /** The index a resolved getSessionIndex reports. */
  private fun sessionIndexOf(outcome: Outcome): Int? = resolvedReply(outcome, "getSessionIndex").value as Int?

  /** Runs after [ModuleTestBase]'s set-up: the collector and the module are there. */
  @BeforeEach
  fun createTracker() {
    val created = RecordingPromise("createTracker")
    module.createTracker(namespace, """{"networkConfig":{"endpoint":"${collector.url}"},$ONLY_APP_EVENTS}""", created)
    assertInstanceOfResolved(created.await(), "createTracker")
  }

  private fun assertInstanceOfResolved(outcome: Outcome, what: String) =
    assertTrue(outcome is Outcome.Resolved, "$what: expected a resolved promise, got $outcome")

  /** One call as made, with its Promise. */
  private class Made(val round: Int, val what: String, val promise: RecordingPromise)

  /** What in-order execution gives: the session of each event and the index each getter reads. */
  private class Model {
    var sessionIndex = 0
    var newSessionAsked = false
    var eventIndex = 0

    /** An event: the first one starts session 1, the first after startNewSession the next. Returns (session, eventIndex). */
    fun event(): Pair<Int, Int> {
      if (sessionIndex == 0 || newSessionAsked) {
        sessionIndex++
        newSessionAsked = false
        eventIndex = 0
      }
      eventIndex++
      return sessionIndex to eventIndex
    }

    fun startNewSession() {
      newSessionAsked = true
    }
  }

  @Test
  fun `calls made from one thread without waiting run in call order`() {
    val model = Model()
    val made = ArrayList<Made>(ROUNDS * 4)
    val expectedIndex = HashMap<Made, Int?>()
    val expectedEvents = ArrayList<Triple<String, Int, Int>>() // label, session index, event index
    val caller = Thread.currentThread()

    // The JS thread: every call returns at once, no Promise is awaited.
    for (round in 1..ROUNDS) {
      val a = "r$round-a"
      made += Made(round, "track $a", RecordingPromise(a)).also { track(a, it.promise) }
      model.event().let { (s, e) -> expectedEvents += Triple(a, s, e) }
      made += Made(round, "startNewSession", RecordingPromise()).also { startNewSession(it.promise) }
      model.startNewSession()
      val b = "r$round-b"
      made += Made(round, "track $b", RecordingPromise(b)).also { track(b, it.promise) }
      model.event().let { (s, e) -> expectedEvents += Triple(b, s, e) }
      val getter = Made(round, "getSessionIndex", RecordingPromise("getSessionIndex")).also { getSessionIndex(it.promise) }
      made += getter
      expectedIndex[getter] = model.sessionIndex
    }
    assertEquals(caller, Thread.currentThread())

    // Every Promise settles once, and resolves.
    // Problems by kind, in the order they are checked.
    val kinds = linkedMapOf<String, MutableList<String>>()
    fun problem(kind: String, text: String) {
      kinds.getOrPut(kind) { mutableListOf() } += text
    }
    val outcomes = made.map { it to it.promise.await() }
    for ((m, outcome) in outcomes) {
      if (outcome !is Outcome.Resolved) problem("rejected", "round ${m.round}: ${m.what} was rejected: $outcome")
    }
    val rejected = kinds["rejected"]?.size ?: 0
    // Each getter reads exactly the index in-order execution gives.
    var getters = 0
    for ((m, outcome) in outcomes) {
      val want = expectedIndex[m] ?: continue
      getters++
      if (outcome !is Outcome.Resolved) continue
      val got = sessionIndexOf(outcome)
      if (got != want) problem("getSessionIndex", "round ${m.round}: getSessionIndex resolved $got, in-order execution gives $want")
    }

    // Everything reaches the collector, in call order.
    val flushed = RecordingPromise("flush")
    flush(flushed)
    assertInstanceOfResolved(flushed.await(), "flush")
    val events =
      try {
        collector.waitFor(expectedEvents.size)
      } catch (e: AssertionError) {
        problem("collector", e.message!!)
        collector.events
      }
    if (events.size != expectedEvents.size) problem("collector", "collector got ${events.size} events, ${expectedEvents.size} were tracked")
    val labels = events.map { it["se_la"] }
    if (labels != expectedEvents.map { it.first }) {
      val i = labels.indices.first { labels[it] != expectedEvents.getOrNull(it)?.first }
      problem("queue order", "queue order differs from call order from event ${i + 1}: got ${labels.subList(i, minOf(i + 4, labels.size))}, calls made ${expectedEvents.subList(i, minOf(i + 4, expectedEvents.size)).map { it.first }}")
    }
    var timeBackwards = 0
    for (i in 1 until events.size) {
      val before = events[i - 1]["dtm"].toLong()
      val now = events[i]["dtm"].toLong()
      if (now < before) {
        timeBackwards++
        problem("dtm", "event ${i + 1} (${labels[i]}) has dtm $now, before the dtm $before of event $i (${labels[i - 1]}) queued ahead of it")
      }
    }
    // The client_session of each event: the session and position in-order execution gives.
    val byLabel = expectedEvents.associateBy { it.first }
    val sessionIds = HashMap<Int, String>()
    for (e in events) {
      val label = e["se_la"]
      val (_, wantSession, wantEvent) = byLabel.getValue(label)
      val s: JSONObject? = e.session
      if (s == null) {
        problem("client_session", "$label has no client_session")
        continue
      }
      val index = s.getInt("sessionIndex")
      if (index != wantSession || s.getInt("eventIndex") != wantEvent) {
        problem("client_session", "$label: client_session ($index, event ${s.getInt("eventIndex")}), in-order execution gives ($wantSession, event $wantEvent)")
      }
      val id = s.getString("sessionId")
      val known = sessionIds.putIfAbsent(index, id)
      if (known != null && known != id) problem("client_session", "$label: session $index has two ids, $known and $id")
    }
    val sessions = model.sessionIndex
    if (sessionIds.keys != (1..sessions).toSet()) {
      problem("sessions", "sessions seen: ${sessionIds.size} (${sessionIds.keys.minOrNull()}..${sessionIds.keys.maxOrNull()}), in-order execution gives exactly 1..$sessions")
    }
    for (e in events) {
      val s = e.session ?: continue
      val index = s.getInt("sessionIndex")
      val previous = if (s.isNull("previousSessionId")) null else s.getString("previousSessionId")
      if (previous != sessionIds[index - 1]) {
        problem("sessions", "${e["se_la"]}: previousSessionId $previous is not the id of session ${index - 1}")
        break
      }
    }

    val total = kinds.values.sumOf { it.size }
    println(
      "[OrderingTest] $ROUNDS rounds (trackStructuredEvent, startNewSession, trackStructuredEvent, getSessionIndex) " +
        "= ${made.size} calls from one thread without waiting; rejected: $rejected; " +
        "getSessionIndex checked: $getters (round i expects ${expectedIndex[made[3]]}..${model.sessionIndex}: i+1); " +
        "events at the collector: ${events.size} (call order: ${"queue order" !in kinds}, dtm never backwards: ${timeBackwards == 0}, client_session of each); " +
        "sessions: ${sessionIds.size} of $sessions; problems: $total"
    )
    // The first few of each kind: a wrong getter, an event out of order, a time going back, a wrong session.
    val report = kinds.entries.joinToString("\n") { (kind, list) ->
      "$kind: ${list.size} problem(s)\n" + list.take(4).joinToString("\n") { "  $it" }
    }
    if (total > 0) report.lines().forEach { println("[OrderingTest]   $it") }
    assertTrue(kinds.isEmpty(), "$total ordering problem(s) in ${made.size} calls:\n$report")
  }

  private companion object {
    const val ROUNDS = 300
  }
}
