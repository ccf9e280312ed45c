// Every error code of the core, through the Android module: each scenario of
// tests/fixtures/error-codes.json rejects its Promise with exactly the
// fixture's code and message, as tests/node/error-codes.test.js checks on
// Node. Nothing on either side maps or rewrites an error, so the two agree.

package com.reactnativerusttracker

import com.facebook.react.bridge.Promise
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

class ErrorCodesTest : ModuleTestBase() {
  @TempDir lateinit var dir: Path

  /** What a scenario works with: its namespace and temporary directory. */
  private class Scenario(val namespace: String, val dir: Path)

  private fun start(what: String, call: (Promise) -> Unit): RecordingPromise = RecordingPromise(what).also(call)

  private fun resolve(what: String, call: (Promise) -> Unit): Reply = resolvedReply(start(what, call).await(), what)

  private fun create(ns: String, config: String) = resolve("createTracker") { module.createTracker(ns, config, it) }

  private fun working(s: Scenario) = create(s.namespace, """{"networkConfig":{"endpoint":"${collector.url}"}}""")

  /** Each scenario: returns the Promise it ends in, which must be rejected. */
  private val scenarios: Map<String, (Scenario) -> RecordingPromise> =
    mapOf(
      "bad-endpoint" to { s ->
        // createTracker itself rejects, with the same code.
        start("createTracker") { module.createTracker(s.namespace, """{"networkConfig":{"endpoint":"ftp://collector"}}""", it) }
          .await()
          .let { rejection(it, "INVALID_CONFIG", "bad-endpoint createTracker") }
        start("getSessionId") { module.callTracker(s.namespace, "getSessionId", "[]", it) }
      },
      "screen-view-without-name" to { s ->
        working(s)
        start("trackScreenViewEvent") { module.callTracker(s.namespace, "trackScreenViewEvent", "[{}]", it) }
      },
      "bad-app-state" to { _ -> start("setAppState") { module.setAppState("sideways", it) } },
      "getter-with-argument" to { s ->
        working(s)
        start("getSessionId") { module.callTracker(s.namespace, "getSessionId", "[1]", it) }
      },
      "never-created" to { s -> start("getSessionId") { module.callTracker(s.namespace, "getSessionId", "[]", it) } },
      "unknown-method" to { s ->
        working(s)
        start("explode") { module.callTracker(s.namespace, "explode", "[]", it) }
      },
      "directory-under-a-file" to { s ->
        Files.writeString(s.dir.resolve("a-file"), "not a directory")
        val config =
          JSONObject()
            .put("networkConfig", JSONObject().put("endpoint", "http://127.0.0.1:9"))
            .put("storage", JSONObject().put("directory", s.dir.resolve("a-file").resolve("sub").toString()))
        // createTracker is answered once the database is opened: it rejects too.
        start("createTracker") { module.createTracker(s.namespace, config.toString(), it) }
          .await()
          .let { rejection(it, "STORAGE", "directory-under-a-file createTracker") }
        start("trackScreenViewEvent") { module.callTracker(s.namespace, "trackScreenViewEvent", """[{"name":"x"}]""", it) }
      },
      "dead-collector" to { s ->
        create(s.namespace, """{"networkConfig":{"endpoint":"http://127.0.0.1:9"},$ONLY_APP_EVENTS}""")
        resolve("trackScreenViewEvent") { module.callTracker(s.namespace, "trackScreenViewEvent", """[{"name":"x"}]""", it) }
        start("flush") { module.callTracker(s.namespace, "flush", "[]", it) }
      },
      "removed-during-flush" to { s ->
        val held = collector.hold()
        working(s)
        resolve("trackScreenViewEvent") { module.callTracker(s.namespace, "trackScreenViewEvent", """[{"name":"x"}]""", it) }
        val flushed = start("flush") { module.callTracker(s.namespace, "flush", "[]", it) }
        held.awaitArrival()
        assertFalse(flushed.isSettled, "the flush waits for the held request")
        // The removal does not wait for the held request.
        val removed = start("removeTracker") { module.removeTracker(s.namespace, it) }
        assertEquals(true, resolvedReply(removed.await(), "removeTracker").value)
        held.release()
        flushed
      },
    )

  /** tests/fixtures/error-codes.json, found from the working directory (Maven runs in tests/android-jvm). */
  private fun fixture(): File =
    generateSequence(File(System.getProperty("user.dir")).absoluteFile) { it.parentFile }
      .map { File(it, "tests/fixtures/error-codes.json") }
      .firstOrNull { it.isFile } ?: throw AssertionError("tests/fixtures/error-codes.json not found above ${System.getProperty("user.dir")}")

  @Test
  fun `each error code - the same code and message as the shared fixture`() {
    val cases = JSONObject(fixture().readText()).getJSONArray("cases")
    val all = (0 until cases.length()).map { cases.getJSONObject(it) }
    assertEquals(
      listOf("INVALID_ARGUMENT", "INVALID_CONFIG", "INVALID_EVENT", "NETWORK", "SHUT_DOWN", "STORAGE", "UNKNOWN_METHOD", "UNKNOWN_TRACKER"),
      all.map { it.getString("code") }.toSortedSet().toList(),
      "the fixture covers every code of the core",
    )
    assertEquals(scenarios.keys, all.map { it.getString("scenario") }.toSet(), "one scenario here per case of the fixture")
    for (c in all) {
      val scenario = c.getString("scenario")
      val namespace = uniqueNamespace(scenario.replace('-', '_'))
      val caseDir = Files.createDirectory(dir.resolve(scenario))
      val promise = scenarios.getValue(scenario)(Scenario(namespace, caseDir))
      val r = rejection(promise.await(), c.getString("code"), scenario)
      val expected = c.getString("message").replace("{namespace}", namespace).replace("{dir}", caseDir.toString())
      assertEquals(c.getString("code") to expected, r.code to r.message, scenario)
      assertNull(r.cause, "$scenario: the core's code and message, nothing else")
      println("[ErrorCodesTest] $scenario: ${r.code} ${r.message}")
    }
  }
}
