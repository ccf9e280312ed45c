// The platform facts on Android: the module reads them from the device when a
// tracker is created (Facts.kt) and hands them to the core as they are; the
// core builds the application entity, the platform entity (mobile_context)
// and the tz, lang and res payload fields from them. A fact the device does
// not give is left out, and the tracker works all the same.

package com.reactnativerusttracker

import android.content.res.Configuration
import com.reactnativerusttracker.testing.ReceivedEvent
import java.util.Locale
import java.util.TimeZone
import org.json.JSONObject
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test

class PlatformFactsTest : ModuleTestBase() {
  private val namespace = uniqueNamespace("platform_facts")
  private val packageName = "com.example.app"

  private lateinit var locale: Locale
  private lateinit var timeZone: TimeZone

  @BeforeEach
  fun setLocaleAndTimeZone() {
    locale = Locale.getDefault()
    timeZone = TimeZone.getDefault()
    Locale.setDefault(Locale.forLanguageTag("en-GB"))
    TimeZone.setDefault(TimeZone.getTimeZone("Europe/London"))
  }

  @AfterEach
  fun restoreLocaleAndTimeZone() {
    Locale.setDefault(locale)
    TimeZone.setDefault(timeZone)
  }

  /** A module over [device], with a tracker sending to the collector; the one screen view it tracks, as received. */
  private fun screenViewOn(device: FakeDevice?): ReceivedEvent {
    val module = RustTrackerModule(reactContext(filesDir, packageName, device))
    val created = RecordingPromise("createTracker").also {
      module.createTracker(namespace, """{"networkConfig":{"endpoint":"${collector.url}"}}""", it)
    }
    resolvedReply(created.await(), "createTracker")
    val tracked = RecordingPromise("trackScreenViewEvent").also {
      module.callTracker(namespace, "trackScreenViewEvent", """[{"name":"Home"}]""", it)
    }
    resolvedReply(tracked.await(), "trackScreenViewEvent")
    resolvedReply(RecordingPromise("flush").also { module.callTracker(namespace, "flush", "[]", it) }.await(), "flush")
    // Besides the screen view, the core may track others first (application_install).
    val deadline = System.nanoTime() + 30_000_000_000L
    while (true) {
      collector.events.firstOrNull { it.schema?.contains("/screen_view/") == true }?.let { return it }
      assertTrue(System.nanoTime() < deadline, "no screen view received: ${collector.events}")
      Thread.sleep(20)
    }
  }

  private fun ReceivedEvent.entity(schema: String): JSONObject? =
    entities.filter { it.getString("schema") == schema }.also { assertTrue(it.size <= 1, "one $schema at most: $it") }
      .firstOrNull()?.getJSONObject("data")

  @Test
  fun `the facts the module reads become the application and platform entities and the tz, lang and res fields`() {
    val memory = 8L * 1024 * 1024 * 1024
    val device =
      FakeDevice(
        packageManager = packageManager(packageName, versionName = "2.3.1", versionCode = 4021),
        resources = resources(widthPixels = 1080, heightPixels = 2400, density = 2.625f, Configuration.ORIENTATION_PORTRAIT),
        services = services(operatorName = "Example Mobile", totalMem = memory),
      )
    val event = screenViewOn(device)

    val application = event.entity(APPLICATION) ?: throw AssertionError("no application entity: ${event.entities}")
    assertEquals(mapOf("version" to "2.3.1", "build" to "4021"), application.toMap())

    val platform = event.entity(MOBILE_CONTEXT) ?: throw AssertionError("no platform entity: ${event.entities}")
    val storage = filesDir.toFile().totalSpace
    val expected =
      mutableMapOf<String, Any?>(
        "osType" to "android",
        "osVersion" to "14",
        "deviceManufacturer" to "Google",
        "deviceModel" to "Pixel 8",
        "carrier" to "Example Mobile",
        "physicalMemory" to memory,
        "isPortrait" to true,
        "resolution" to "1080x2400",
        "scale" to 2.625,
        "language" to "en-GB",
      )
    if (storage > 0) expected["totalStorage"] = storage
    assertEquals(expected.keys, platform.keySet(), "the platform entity's fields: $platform")
    for ((k, v) in expected) {
      when (v) {
        is String -> assertEquals(v, platform.getString(k), k)
        is Boolean -> assertEquals(v, platform.getBoolean(k), k)
        is Long -> assertEquals(v, platform.getLong(k), k)
        is Double -> assertEquals(v, platform.getDouble(k), k)
      }
    }

    assertEquals("Europe/London", event["tz"])
    assertEquals("en-GB", event["lang"])
    assertEquals("1080x2400", event["res"])
  }

  @Test
  fun `a fact whose read fails is left out and the tracker works without it`() {
    val device =
      FakeDevice(
        // The package manager does not know the app: no version, no build.
        packageManager = packageManagerWithoutPackages(),
        resources = BrokenResources(),
        services = emptyMap(),
      )
    val event = screenViewOn(device)

    assertNull(event.entity(APPLICATION), "no application entity without a version and build: ${event.entities}")
    val platform = event.entity(MOBILE_CONTEXT) ?: throw AssertionError("no platform entity: ${event.entities}")
    assertEquals("android", platform.getString("osType"))
    assertEquals("Pixel 8", platform.getString("deviceModel"))
    for (k in listOf("carrier", "physicalMemory", "isPortrait", "resolution", "scale", "networkType")) {
      assertFalse(platform.has(k), "$k is left out: $platform")
    }
    assertFalse(event.raw.has("res"), "no res without the display: ${event.raw}")
    assertEquals("Europe/London", event["tz"])
    assertEquals("en-GB", event["lang"])
  }

  @Test
  fun `a context whose every read fails still creates a working tracker`() {
    // No base context: the package manager, resources and services all throw.
    val event = screenViewOn(null)
    assertNull(event.entity(APPLICATION))
    assertEquals("Home", event.data!!.getString("name"))
  }

  private fun JSONObject.keySet(): Set<String> = keys().asSequence().toSet()

  companion object {
    const val APPLICATION = "iglu:com.snowplowanalytics.mobile/application/jsonschema/1-0-0"
    const val MOBILE_CONTEXT = "iglu:com.snowplowanalytics.snowplow/mobile_context/jsonschema/1-0-3"
  }
}
