// Shared by the module's tests: a fake Android Context, a recording Promise,
// the module's replies parsed, and a loopback collector.

package com.reactnativerusttracker

import android.content.Context
import android.content.ContextWrapper
import com.facebook.react.bridge.BridgeReactContext
import com.facebook.react.bridge.Promise
import com.facebook.react.bridge.ReactApplicationContext
import com.facebook.react.bridge.WritableMap
import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import java.io.File
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.URLDecoder
import java.nio.charset.StandardCharsets.UTF_8
import java.nio.file.Path
import java.util.Base64
import java.util.UUID
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CountDownLatch
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue

/**
 * The app's Context as far as React Native and the module use it: the
 * application context (ReactApplicationContext wraps it), the files directory
 * and the package name.
 */
class FakeAppContext(private val files: File, private val pkg: String) : ContextWrapper(null) {
  override fun getApplicationContext(): Context = this

  override fun getFilesDir(): File = files

  override fun getPackageName(): String = pkg
}

/** A React context over a [FakeAppContext]. */
fun reactContext(filesDir: Path, packageName: String = "com.example.app"): ReactApplicationContext =
  BridgeReactContext(FakeAppContext(filesDir.toFile(), packageName))

/** A namespace of its own per test: the core's registry is process-wide. */
fun uniqueNamespace(prefix: String = "android_jvm"): String =
  prefix + "_" + UUID.randomUUID().toString().replace("-", "").take(12)

/** How a Promise was settled. */
sealed interface Outcome {
  data class Resolved(val value: Any?) : Outcome

  data class Rejected(val code: String?, val message: String?, val cause: Throwable?) : Outcome
}

/** The order in which Promises are settled, across every Promise of the JVM. */
private val settleOrder = AtomicLong()

/** A Promise that records how, when (in the order of all settlements) and how many times it was settled. */
class RecordingPromise(val what: String = "call") : Promise {
  private val outcome = CompletableFuture<Outcome>()
  val settlements = AtomicInteger()
  @Volatile var order: Long = -1

  private fun settle(o: Outcome) {
    order = settleOrder.incrementAndGet()
    settlements.incrementAndGet()
    outcome.complete(o)
  }

  val isSettled: Boolean get() = outcome.isDone

  /** The outcome once settled (a hang guard, not a timing assertion). */
  fun await(): Outcome {
    val o = outcome.get(60, TimeUnit.SECONDS)
    assertEquals(1, settlements.get(), "$what: the promise is settled once")
    return o
  }

  override fun resolve(value: Any?) = settle(Outcome.Resolved(value))

  override fun reject(code: String, message: String?) = settle(Outcome.Rejected(code, message, null))

  override fun reject(code: String, throwable: Throwable?) =
    settle(Outcome.Rejected(code, throwable?.message, throwable))

  override fun reject(code: String, message: String?, throwable: Throwable?) =
    settle(Outcome.Rejected(code, message, throwable))

  override fun reject(throwable: Throwable) = settle(Outcome.Rejected(null, throwable.message, throwable))

  override fun reject(throwable: Throwable, userInfo: WritableMap) =
    settle(Outcome.Rejected(null, throwable.message, throwable))

  override fun reject(code: String, userInfo: WritableMap) = settle(Outcome.Rejected(code, null, null))

  override fun reject(code: String, throwable: Throwable?, userInfo: WritableMap) =
    settle(Outcome.Rejected(code, throwable?.message, throwable))

  override fun reject(code: String, message: String?, userInfo: WritableMap) =
    settle(Outcome.Rejected(code, message, null))

  override fun reject(code: String?, message: String?, throwable: Throwable?, userInfo: WritableMap?) =
    settle(Outcome.Rejected(code, message, throwable))

  @Deprecated("Prefer passing a module-specific error code to JS.")
  override fun reject(message: String) = settle(Outcome.Rejected(null, message, null))
}

/** A new session as a reply carries it. */
data class ReportedSession(val namespace: String, val session: JSONObject)

/** The core's JSON reply, as a Promise resolves with it: `{"value": ..., "sessions"?: [...]}`. */
class Reply(val json: String, val value: Any?, val sessions: List<ReportedSession>?) {
  companion object {
    fun parse(json: String): Reply {
      val o = JSONObject(json)
      val keys = o.keys().asSequence().toSet()
      assertTrue(keys == setOf("value") || keys == setOf("value", "sessions"), "reply keys: $json")
      val sessions =
        o.optJSONArray("sessions")?.let { a ->
          assertTrue(a.length() > 0, "sessions is absent rather than empty: $json")
          (0 until a.length()).map {
            ReportedSession(a.getJSONObject(it).getString("namespace"), a.getJSONObject(it).getJSONObject("session"))
          }
        }
      return Reply(json, if (o.isNull("value")) null else o.get("value"), sessions)
    }
  }
}

/** The reply a resolved Promise carries: always the core's JSON string. */
fun resolvedReply(outcome: Outcome, what: String = "call"): Reply {
  assertInstanceOf(Outcome.Resolved::class.java, outcome, "$what: expected a resolved promise, got $outcome")
  val value = (outcome as Outcome.Resolved).value
  assertInstanceOf(String::class.java, value, "$what: resolves with the core's JSON string, got $value")
  return Reply.parse(value as String)
}

/** The rejection of a rejected Promise, with [code] and a message. */
fun rejection(outcome: Outcome, code: String, what: String = "call"): Outcome.Rejected {
  assertInstanceOf(Outcome.Rejected::class.java, outcome, "$what: expected a rejection $code, got $outcome")
  val r = outcome as Outcome.Rejected
  assertEquals(code, r.code, "$what: code of $r")
  return r
}

/** An epoch-ms `dtm` as ISO-8601 UTC with milliseconds, like JavaScript's toISOString. */
fun iso(dtm: String): String = ISO_MS.format(java.time.Instant.ofEpochMilli(dtm.toLong()))

private val ISO_MS =
  java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC)

/** The fields of a JSON object, as a map of plain values (for comparisons). */
fun JSONObject.toMap(): Map<String, Any?> = keys().asSequence().associateWith { if (isNull(it)) null else get(it) }

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

/**
 * A loopback collector for the tests: it speaks the Snowplow tracker protocol
 * (POST /com.snowplowanalytics.snowplow/tp2 with a payload_data body, GET /i),
 * keeps every event it receives decoded, in arrival order, and can hold the
 * next request unanswered until the test releases it (as tests/collector.js's
 * hold() does).
 */
class Collector private constructor(private val server: HttpServer, private val executor: ExecutorService) :
  AutoCloseable {
  private val lock = Object()
  private val received = mutableListOf<ReceivedEvent>()
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

  /** Holds the next request, unanswered, until the returned [Hold] is released. */
  fun hold(): Hold = Hold().also { held = it }

  /** The events once at least [n] have arrived; fails after [timeoutMs] (a hang guard). */
  fun waitFor(n: Int, timeoutMs: Long = 30_000): List<ReceivedEvent> {
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
    /** Starts a collector on 127.0.0.1 and an ephemeral port. */
    fun start(): Collector {
      val server = HttpServer.create(InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0)
      val executor = Executors.newFixedThreadPool(2) { r -> Thread(r, "collector").apply { isDaemon = true } }
      server.executor = executor
      val collector = Collector(server, executor)
      server.createContext("/") { collector.handle(it) }
      server.start()
      return collector
    }
  }
}
