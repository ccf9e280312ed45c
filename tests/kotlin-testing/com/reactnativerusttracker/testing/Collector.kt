// The loopback collector of the JVM test projects, tests/jvm and
// tests/android-jvm: both poms compile this directory with their tests, so
// that one collector serves both and a fix to it lands once.

package com.reactnativerusttracker.testing

import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.URLDecoder
import java.nio.charset.StandardCharsets.UTF_8
import java.util.Base64
import java.util.concurrent.CountDownLatch
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import org.json.JSONArray
import org.json.JSONObject

const val POST_PATH = "/com.snowplowanalytics.snowplow/tp2"
const val PAYLOAD_DATA = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4"

/** Decodes URL-safe or standard base64, with or without padding. */
fun b64(s: String): String = String(Base64.getUrlDecoder().decode(s.replace('+', '-').replace('/', '_')), UTF_8)

/** One received event, with its self-describing body and its entities decoded. */
class ReceivedEvent(val raw: JSONObject) {
  private val ue: JSONObject? =
    when {
      raw.has("ue_px") -> JSONObject(b64(raw.getString("ue_px")))
      raw.has("ue_pr") -> JSONObject(raw.getString("ue_pr"))
      else -> null
    }
  private val co: JSONObject? =
    when {
      raw.has("cx") -> JSONObject(b64(raw.getString("cx")))
      raw.has("co") -> JSONObject(raw.getString("co"))
      else -> null
    }
  /** The schema of the contexts wrapper (cx/co), if any. */
  val contextsSchema: String? = co?.getString("schema")
  /** The schema of the unstruct_event wrapper (ue_px/ue_pr), if any. */
  val wrapperSchema: String? = ue?.getString("schema")
  /** The self-describing event's own schema and data. */
  val schema: String? = ue?.getJSONObject("data")?.getString("schema")
  val data: JSONObject? = ue?.getJSONObject("data")?.getJSONObject("data")
  val entities: List<JSONObject> =
    co?.getJSONArray("data")?.let { a -> (0 until a.length()).map { a.getJSONObject(it) } } ?: emptyList()
  /** The client_session entity's data. */
  val session: JSONObject? =
    entities.firstOrNull { it.getString("schema").contains("/client_session/") }?.getJSONObject("data")

  operator fun get(key: String): String = raw.getString(key)

  override fun toString() = "ReceivedEvent(${raw.optString("e")} $schema $data session=$session)"
}

/** One request as it arrived, with whether the collector was failing at the time. */
data class ReceivedRequest(val method: String, val path: String, val body: String, val failed: Boolean)

/**
 * A loopback collector written for the tests: it speaks the Snowplow tracker
 * protocol (POST /com.snowplowanalytics.snowplow/tp2 with a payload_data body,
 * GET /i with one event in the query), keeps every event it receives decoded,
 * in arrival order, can be told to fail every request with an HTTP status, and
 * can hold the next request unanswered until the test releases it (as
 * tests/collector.js's hold() does).
 */
class Collector
private constructor(
  private val server: HttpServer,
  private val executor: ExecutorService,
  private val waitTimeoutMs: Long,
) : AutoCloseable {
  private val lock = Object()
  private val received = mutableListOf<ReceivedEvent>()
  private val log = mutableListOf<ReceivedRequest>()
  @Volatile private var failure: Int? = null
  @Volatile private var held: Hold? = null

  /** A request held unanswered: [awaitArrival] returns once it is there, [release] lets it be answered. */
  class Hold {
    private val arrived = CountDownLatch(1)
    private val released = CountDownLatch(1)

    internal fun arrive() = arrived.countDown()

    internal fun awaitRelease() {
      // A hang guard: a test that forgets to release must not block the server forever.
      released.await(60, TimeUnit.SECONDS)
    }

    /** Blocks until the held request has arrived (a hang guard, not a timing assertion). */
    fun awaitArrival() {
      if (!arrived.await(60, TimeUnit.SECONDS)) throw AssertionError("no request reached the collector to hold")
    }

    fun release() = released.countDown()
  }

  val url: String
    get() = "http://127.0.0.1:${server.address.port}"

  /** Every event accepted so far, in arrival order. */
  val events: List<ReceivedEvent>
    get() = synchronized(lock) { received.toList() }

  /** Every request so far, failed ones included. */
  val requests: List<ReceivedRequest>
    get() = synchronized(lock) { log.toList() }

  /** Fails every request with [status] from now on; `null` recovers. */
  fun fail(status: Int? = 500) {
    failure = status
  }

  /** Holds the next request, unanswered, until the returned [Hold] is released. */
  fun hold(): Hold = Hold().also { held = it }

  /** The events once at least [n] have arrived; fails after [timeoutMs] (a hang guard). */
  fun waitFor(n: Int, timeoutMs: Long = waitTimeoutMs): List<ReceivedEvent> {
    val deadline = System.nanoTime() + timeoutMs * 1_000_000
    synchronized(lock) {
      while (received.size < n) {
        val left = (deadline - System.nanoTime()) / 1_000_000
        if (left <= 0) throw AssertionError("collector got ${received.size} of $n events")
        lock.wait(left)
      }
      return received.toList()
    }
  }

  private fun handle(exchange: HttpExchange) {
    exchange.use { ex ->
      val body = ex.requestBody.readBytes().toString(UTF_8)
      val path = ex.requestURI.rawPath
      synchronized(lock) { held.also { held = null } }?.let { h ->
        h.arrive()
        h.awaitRelease()
      }
      val failing = failure
      synchronized(lock) { log += ReceivedRequest(ex.requestMethod, path, body, failing != null) }
      if (failing != null) return reply(ex, failing, "failing on purpose")
      val raws: List<JSONObject> =
        try {
          when {
            ex.requestMethod == "POST" && path == POST_PATH -> {
              val parsed = JSONObject(body)
              require(parsed.getString("schema") == PAYLOAD_DATA) { "not payload_data" }
              val data: JSONArray = parsed.getJSONArray("data")
              (0 until data.length()).map { data.getJSONObject(it) }
            }
            ex.requestMethod == "GET" && path == "/i" -> listOf(query(ex.requestURI.rawQuery ?: ""))
            else -> return reply(ex, 404, "not found")
          }
        } catch (e: Exception) {
          return reply(ex, 400, e.toString())
        }
      val decoded =
        try {
          raws.map(::ReceivedEvent)
        } catch (e: Exception) {
          return reply(ex, 400, "undecodable event: $e")
        }
      synchronized(lock) {
        received += decoded
        lock.notifyAll()
      }
      reply(ex, 200, "ok")
    }
  }

  private fun query(q: String): JSONObject {
    val o = JSONObject()
    for (pair in q.split('&').filter { it.isNotEmpty() }) {
      val i = pair.indexOf('=')
      val k = URLDecoder.decode(if (i < 0) pair else pair.substring(0, i), UTF_8)
      val v = if (i < 0) "" else URLDecoder.decode(pair.substring(i + 1), UTF_8)
      o.put(k, v)
    }
    return o
  }

  private fun reply(ex: HttpExchange, status: Int, text: String) {
    val bytes = text.toByteArray(UTF_8)
    ex.responseHeaders.add("Content-Type", "text/plain")
    ex.sendResponseHeaders(status, bytes.size.toLong())
    ex.responseBody.write(bytes)
  }

  override fun close() {
    held?.release()
    server.stop(0)
    executor.shutdownNow()
  }

  companion object {
    /**
     * Starts a collector on 127.0.0.1 and an ephemeral port. [waitTimeoutMs] is
     * how long [waitFor] waits when not told (tests/jvm waits 10 s, the Android
     * module's tests 30 s).
     */
    fun start(waitTimeoutMs: Long = 30_000): Collector {
      val server = HttpServer.create(InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0)
      val executor = Executors.newFixedThreadPool(2) { r -> Thread(r, "collector").apply { isDaemon = true } }
      server.executor = executor
      val collector = Collector(server, executor, waitTimeoutMs)
      server.createContext("/") { collector.handle(it) }
      server.start()
      return collector
    }
  }
}
