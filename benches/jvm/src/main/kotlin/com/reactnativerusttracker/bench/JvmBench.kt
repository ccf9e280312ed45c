// Issue 10, point 3: a track call through the generated Kotlin bindings on the
// JVM, JNA included: the path the Android module takes
// (android/src/main/java/com/reactnativerusttracker/RustTrackerModule.kt hands
// trackStructuredEvent / trackScreenViewEvent to the bindings' `callTracker`
// with an `Answer` that settles the Promise later, from the core's threads).
//
// Prerequisites, from the repository root:
//   npm run bindings                      # generates bindings/kotlin (and builds target/debug)
//   cargo build --release -p tracker-ffi  # target/release/libtracker_ffi.so, used when present
// Run (from the repository root):
//   mvn -B -q -f benches/jvm/pom.xml compile exec:java -Dexec.args="--events 50000"
//
// Options (all optional):
//   --events N          timed track calls (default 50000)
//   --warmup N          untimed calls first, every answer awaited (default 5000)
//   --kind struct|screen  trackStructuredEvent (default) or trackScreenViewEvent
//   --collector URL     the collector endpoint; default: a closed loopback port, so
//                       nothing is delivered and each answer means "committed"
//                       (what a track call's answer means anyway)
//   --library PATH      libtracker_ffi.so to load; default target/release/ when
//                       present, else target/debug/ (the RESULT line says which)
//
// From ONE thread, as React Native's module thread does, the bench calls
// `callTracker(namespace, method, argsJson, answer)` N times without waiting
// for any answer, timing each call with System.nanoTime (the time the caller
// is blocked; the arguments JSON is built before the clock starts, as
// JavaScript builds it before the module is called), then waits until every
// answer arrived. Events are those of the runner protocol
// (struct: category "bench", action "track", label "event <i>", property "p",
// value i; screen: name "Screen <i % 20>", type "feed", id a v4 UUID made
// before timing). The tracker has the defaults (session entity on) except its
// storage directory (a fresh temp dir, deleted at the end) and
// emitterConfig.maxEventStoreSize (large enough that nothing is dropped).
//
// Progress goes to stderr; stdout gets one line:
//   RESULT {"part":"jvm","kind":..,"events":N,"warmup":..,
//           "blocked_us":{"mean":..,"p50":..,"p99":..,"max":..},
//           "calls_ms":<first call -> last call returned>,
//           "answered_ms":<first call -> every answer arrived>,"events_per_s":<N / answered>,
//           "rejected":..,"cpu_ms":<process CPU during the timed part, all threads>,
//           "gc_ms":<JVM GC time then>,"gcs":<collections then>,"collector":..,"library":"<path>","profile":"release|debug"}
// The JVM is Maven's (exec:java): JIT with its defaults; set MAVEN_OPTS to change it.

package com.reactnativerusttracker.bench

import com.reactnativerusttracker.core.Answer
import com.reactnativerusttracker.core.PlatformFacts
import com.reactnativerusttracker.core.callTracker
import com.reactnativerusttracker.core.createTracker
import com.reactnativerusttracker.core.removeAllTrackers
import com.reactnativerusttracker.core.setAppState
import java.io.File
import java.lang.management.ManagementFactory
import java.net.InetAddress
import java.net.ServerSocket
import java.nio.file.Files
import java.util.UUID
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicReference
import kotlin.system.exitProcess

private fun log(msg: String) = System.err.println("[jvmbench] $msg")

private class Options(
    val events: Int,
    val warmup: Int,
    val kind: String,
    val collector: String?,
    val library: String?,
)

private fun parse(args: Array<String>): Options {
    var events = 50_000
    var warmup = 5_000
    var kind = "struct"
    var collector: String? = null
    var library: String? = null
    var i = 0
    fun value(): String = args.getOrNull(++i) ?: usage("${args[i - 1]} needs a value")
    while (i < args.size) {
        when (args[i]) {
            "--events" -> events = value().toIntOrNull()?.takeIf { it > 0 } ?: usage("--events: a positive integer")
            "--warmup" -> warmup = value().toIntOrNull()?.takeIf { it >= 0 } ?: usage("--warmup: an integer >= 0")
            "--kind" -> kind = value().takeIf { it == "struct" || it == "screen" } ?: usage("--kind: struct or screen")
            "--collector" -> collector = value()
            "--library" -> library = value()
            else -> usage("unknown argument ${args[i]}")
        }
        i++
    }
    return Options(events, warmup, kind, collector, library)
}

private fun usage(why: String): Nothing {
    log(why)
    log("usage: --events N --warmup N --kind struct|screen --collector URL --library PATH")
    exitProcess(2)
}

/** The library to load: --library, else the release build when present, else the debug build. */
private fun chooseLibrary(explicit: String?): File {
    if (explicit != null) return File(explicit).absoluteFile
    val root = File(System.getProperty("bench.repoRoot") ?: ".").canonicalFile
    val name = System.mapLibraryName("tracker_ffi")
    val release = File(root, "target/release/$name")
    if (release.isFile) return release
    val debug = File(root, "target/debug/$name")
    log("$release is missing (cargo build --release -p tracker-ffi): using the debug build $debug")
    return debug
}

/** A loopback URL nothing listens on: a port bound, then closed. */
private fun closedLoopbackEndpoint(): String {
    val port = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
    return "http://127.0.0.1:$port"
}

private fun esc(s: String): String = buildString {
    for (c in s) when (c) {
        '"' -> append("\\\"")
        '\\' -> append("\\\\")
        else -> if (c < ' ') append(String.format("\\u%04x", c.code)) else append(c)
    }
}

/** One call's answer, as the Android module's PromiseAnswer but counting instead of settling a Promise. */
private class Counter(n: Int) {
    val remaining = AtomicInteger(n)
    val rejected = AtomicInteger()
    val firstRejection = AtomicReference<String?>(null)
    val lastAt = AtomicLong()
    val done = CountDownLatch(1)

    private fun settled() {
        if (remaining.decrementAndGet() == 0) {
            lastAt.set(System.nanoTime())
            done.countDown()
        }
    }

    /** A new Answer per call, as the Android module makes a PromiseAnswer per call. */
    fun answer(): Answer = CountingAnswer(this)

    fun rejected(code: String, message: String) {
        rejected.incrementAndGet()
        firstRejection.compareAndSet(null, "$code: $message")
        settled()
    }

    fun resolved() = settled()
}

private class CountingAnswer(private val counter: Counter) : Answer {
    override fun resolve(json: String) = counter.resolved()
    override fun reject(code: String, message: String) = counter.rejected(code, message)
}

/** Waits for one call's answer (set-up calls only). */
private fun await(what: String, call: (Answer) -> Unit): String {
    val latch = CountDownLatch(1)
    val out = AtomicReference<String>()
    var failed: String? = null
    call(object : Answer {
        override fun resolve(json: String) { out.set(json); latch.countDown() }
        override fun reject(code: String, message: String) { failed = "$code: $message"; latch.countDown() }
    })
    if (!latch.await(60, TimeUnit.SECONDS)) error("$what: no answer in 60 s")
    failed?.let { error("$what rejected: $it") }
    return out.get()
}

fun main(argv: Array<String>) {
    val opt = parse(argv)
    val library = chooseLibrary(opt.library)
    if (!library.isFile) {
        log("$library missing: run `npm run bindings` (debug) or `cargo build --release -p tracker-ffi` first")
        exitProcess(1)
    }
    val profile = if (library.path.contains("/release/")) "release" else "debug"
    // The bindings load this exact file (findLibraryName in the generated tracker_ffi.kt).
    System.setProperty("uniffi.component.tracker_ffi.libraryOverride", library.path)
    val endpoint = opt.collector ?: closedLoopbackEndpoint()
    val dir = Files.createTempDirectory("jvmbench-").toFile()
    log("library $library ($profile), collector $endpoint${if (opt.collector == null) " (closed port)" else ""}, storage $dir")
    log("${opt.kind}: ${opt.warmup} warm-up calls, then ${opt.events} timed calls")

    val namespace = "jvmbench_${ProcessHandle.current().pid()}"
    val method = if (opt.kind == "struct") "trackStructuredEvent" else "trackScreenViewEvent"
    val screenId = UUID.randomUUID().toString()
    fun argsJson(i: Int): String = if (opt.kind == "struct") {
        """[{"category":"bench","action":"track","label":"event $i","property":"p","value":$i}]"""
    } else {
        """[{"name":"Screen ${i % 20}","type":"feed","id":"$screenId"}]"""
    }

    val storeSize = opt.events + opt.warmup + 10_000
    val config = """{"networkConfig":{"endpoint":"${esc(endpoint)}"},""" +
        """"emitterConfig":{"maxEventStoreSize":$storeSize},""" +
        """"storage":{"directory":"${esc(dir.path)}"}}"""
    try {
        await("setAppState") { setAppState("active", it) }
        await("createTracker") { createTracker(namespace, config, PlatformFacts("com.reactnativerusttracker.bench", dir.path), it) }

        // Warm-up: the same calls, same tracker, every answer awaited before the clock starts.
        if (opt.warmup > 0) {
            val warm = Counter(opt.warmup)
            val t0 = System.nanoTime()
            for (i in 0 until opt.warmup) callTracker(namespace, method, argsJson(i), warm.answer())
            if (!warm.done.await(120, TimeUnit.SECONDS)) error("warm-up: ${warm.remaining.get()} answers missing after 120 s")
            if (warm.rejected.get() > 0) error("warm-up: ${warm.rejected.get()} rejected, first: ${warm.firstRejection.get()}")
            log("warm-up done in ${(System.nanoTime() - t0) / 1_000_000} ms")
        }
        System.gc()

        val n = opt.events
        val blocked = LongArray(n)
        val counter = Counter(n)
        val os = ManagementFactory.getOperatingSystemMXBean() as com.sun.management.OperatingSystemMXBean
        val gcs = ManagementFactory.getGarbageCollectorMXBeans()
        val gc0 = gcs.sumOf { it.collectionTime.coerceAtLeast(0) }
        val gcCount0 = gcs.sumOf { it.collectionCount.coerceAtLeast(0) }
        val cpu0 = os.processCpuTime
        val start = System.nanoTime()
        for (i in 0 until n) {
            val args = argsJson(opt.warmup + i)
            val t = System.nanoTime()
            callTracker(namespace, method, args, counter.answer())
            blocked[i] = System.nanoTime() - t
        }
        val callsEnd = System.nanoTime()
        log("calls done in ${(callsEnd - start) / 1_000_000} ms; waiting for the answers")
        val complete = counter.done.await(120, TimeUnit.SECONDS)
        val end = if (complete) counter.lastAt.get() else System.nanoTime()
        val cpu = (os.processCpuTime - cpu0) / 1_000_000
        val gc = gcs.sumOf { it.collectionTime.coerceAtLeast(0) } - gc0
        val gcCount = gcs.sumOf { it.collectionCount.coerceAtLeast(0) } - gcCount0
        if (!complete) log("only ${n - counter.remaining.get()} of $n answers after 120 s")
        if (counter.rejected.get() > 0) log("${counter.rejected.get()} calls rejected, first: ${counter.firstRejection.get()}")

        blocked.sort()
        fun us(ns: Long) = Math.round(ns / 10.0) / 100.0 // µs with two decimals
        fun pct(p: Double) = us(blocked[minOf(n - 1, Math.ceil(p * n).toInt() - 1).coerceAtLeast(0)])
        val mean = us(Math.round(blocked.average()))
        val answeredMs = (end - start) / 1e6
        val eps = if (complete) Math.round(n / ((end - start) / 1e9)) else null
        // A line break first: in quiet mode Maven's console writes an ANSI reset before
        // the first stdout byte of the run, which must not land in front of RESULT.
        println()
        println(
            "RESULT {\"part\":\"jvm\",\"kind\":\"${opt.kind}\",\"events\":$n,\"warmup\":${opt.warmup}," +
                "\"blocked_us\":{\"mean\":$mean,\"p50\":${pct(0.50)},\"p99\":${pct(0.99)},\"max\":${us(blocked[n - 1])}}," +
                "\"calls_ms\":${String.format(java.util.Locale.ROOT, "%.1f", (callsEnd - start) / 1e6)}," +
                "\"answered_ms\":${if (complete) String.format(java.util.Locale.ROOT, "%.1f", answeredMs) else "null"}," +
                "\"events_per_s\":$eps,\"rejected\":${counter.rejected.get()}," +
                "\"cpu_ms\":$cpu,\"gc_ms\":$gc,\"gcs\":$gcCount," +
                "\"collector\":\"${if (opt.collector == null) "closed-port" else esc(opt.collector)}\"," +
                "\"library\":\"${esc(library.path)}\",\"profile\":\"$profile\"}",
        )
        System.out.flush()
    } finally {
        try {
            await("removeAllTrackers") { removeAllTrackers(it) }
        } catch (e: Exception) {
            log("removeAllTrackers: ${e.message}")
        }
        dir.deleteRecursively()
    }
}
