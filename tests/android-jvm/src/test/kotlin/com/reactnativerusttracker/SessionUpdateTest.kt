// onSessionUpdate through the Android module: the app's callback cannot
// cross to the core, so with `sessionConfig.onSessionUpdate` the Promise of
// the call whose event started a session resolves with that session, and it
// is settled before the Promise of any later call, so the TypeScript layer
// can call the app back before it resolves later calls.

package com.reactnativerusttracker

import com.facebook.react.bridge.Promise
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class SessionUpdateTest : ModuleTestBase() {
  private val namespace = uniqueNamespace("session_update")

  private fun start(what: String, call: (Promise) -> Unit) = RecordingPromise(what).also(call)

  private fun call(method: String, argsJson: String = "[]") =
    start("$method $argsJson") { module.callTracker(namespace, method, argsJson, it) }

  /** Screen views and startNewSession from one thread, without waiting: which calls start sessions is known in advance. */
  private fun run(): List<Pair<RecordingPromise, Int?>> {
    val made = mutableListOf<Pair<RecordingPromise, Int?>>()
    var session = 0
    var askNew = true
    for (round in 1..ROUNDS) {
      for (name in listOf("r$round-a", "r$round-b")) {
        val starts = askNew
        if (starts) session++
        askNew = false
        made += call("trackScreenViewEvent", """[{"name":"$name"}]""") to (if (starts) session else null)
      }
      made += call("startNewSession") to null
      askNew = true
      made += call("getSessionIndex") to null
    }
    return made
  }

  @Test
  fun `with onSessionUpdate each session comes in the reply of the call that started it, in order, before any later reply`() {
    val created = start("createTracker") {
      module.createTracker(namespace, """{"networkConfig":{"endpoint":"${collector.url}"},"sessionConfig":{"onSessionUpdate":true},$ONLY_APP_EVENTS}""", it)
    }
    assertNull(resolvedReply(created.await()).sessions)

    val made = run()
    val replies = made.map { (p, _) -> resolvedReply(p.await(), p.what) }
    val reported = mutableListOf<ReportedSession>()
    made.forEachIndexed { i, (promise, starts) ->
      val sessions = replies[i].sessions
      if (starts == null) {
        assertNull(sessions, "${promise.what} (call ${i + 1}) starts no session: ${replies[i].json}")
        return@forEachIndexed
      }
      val s = sessions?.singleOrNull() ?: throw AssertionError("${promise.what} (call ${i + 1}) starts session $starts: ${replies[i].json}")
      assertEquals(namespace, s.namespace)
      assertEquals(starts, s.session.getInt("sessionIndex"), "${promise.what}")
      // Settled before every later call's Promise.
      for (j in i + 1 until made.size) {
        assertTrue(
          promise.order < made[j].first.order,
          "the reply carrying session $starts (${promise.what}) is settled before ${made[j].first.what} (call ${j + 1})",
        )
      }
      reported += s
    }
    assertEquals((1..ROUNDS).toList(), reported.map { it.session.getInt("sessionIndex") }, "once per session, in session order")
    for (k in 1 until reported.size) {
      assertEquals(reported[k - 1].session.getString("sessionId"), reported[k].session.getString("previousSessionId"))
    }

    // What the replies carried is what the sessions' first events carried.
    assertNull(resolvedReply(call("flush").await()).value)
    val events = collector.waitFor(ROUNDS * 2)
    for ((k, s) in reported.withIndex()) {
      val first = events[2 * k]
      assertEquals("r${k + 1}-a", first.data!!.getString("name"))
      assertEquals(first.session!!.toMap(), s.session.toMap(), "session ${k + 1}")
      assertEquals(first["eid"], s.session.getString("firstEventId"))
      assertEquals(iso(first["dtm"]), s.session.getString("firstEventTimestamp"))
    }
    println("[SessionUpdateTest] ${made.size} calls, ${reported.size} sessions reported, each in the reply of the call that started it and settled before every later reply")
  }

  @Test
  fun `without onSessionUpdate no reply carries sessions`() {
    val created = start("createTracker") { module.createTracker(namespace, """{"networkConfig":{"endpoint":"${collector.url}"},$ONLY_APP_EVENTS}""", it) }
    assertNull(resolvedReply(created.await()).sessions)
    val made = run()
    for ((p, _) in made) assertNull(resolvedReply(p.await(), p.what).sessions, p.what)
    assertEquals(ROUNDS, resolvedReply(made.last().first.await()).value, "the sessions did start")
  }

  private companion object {
    const val ROUNDS = 20
  }
}
