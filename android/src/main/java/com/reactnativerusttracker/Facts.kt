// What Android says about the device, the app and the user's settings, read
// when a tracker is created and handed to the core as they are. Nothing is
// decided here: which entity or payload field a fact becomes, and what is
// left out when a fact is missing, is the core's (crates/tracker-core).
//
// Every read is cheap (no disk, no network; at most one call to a system
// service) and guarded on its own: a read that fails (a missing permission, a
// service the device does not have, an API the OS lacks) leaves that one fact
// null, and creating the tracker goes on.

package com.reactnativerusttracker

import android.app.ActivityManager
import android.content.Context
import android.content.pm.PackageInfo
import android.content.res.Configuration
import android.net.ConnectivityManager
import android.net.NetworkCapabilities
import android.os.Build
import android.telephony.TelephonyManager
import com.reactnativerusttracker.core.PlatformFacts
import java.util.Locale
import java.util.TimeZone

/** The facts of this device and app, now, for the core's createTracker. */
internal fun platformFacts(context: Context): PlatformFacts {
  val metrics = read { context.resources.displayMetrics }
  val app = read { context.packageManager.getPackageInfo(context.packageName, 0) }
  val connectivity = read { context.getSystemService(Context.CONNECTIVITY_SERVICE) as? ConnectivityManager }
  val networkType = connectivity?.let { read { networkType(it) } }
  return PlatformFacts(
    appId = context.packageName,
    filesDirectory = context.filesDir.absolutePath,
    osType = "android",
    osVersion = read { Build.VERSION.RELEASE }.nonEmpty(),
    deviceManufacturer = read { Build.MANUFACTURER }.nonEmpty(),
    deviceModel = read { Build.MODEL }.nonEmpty(),
    appVersion = read { app?.versionName }.nonEmpty(),
    appBuild = app?.let { read { versionCode(it) } },
    language = read { Locale.getDefault().toLanguageTag() }.nonEmpty()?.takeUnless { it == "und" },
    timezone = read { TimeZone.getDefault().id }.nonEmpty(),
    screenWidth = read { metrics?.widthPixels }?.takeIf { it > 0 }?.toUInt(),
    screenHeight = read { metrics?.heightPixels }?.takeIf { it > 0 }?.toUInt(),
    scale = read { metrics?.density }?.takeIf { it > 0f }?.toDouble(),
    isPortrait =
      when (read { context.resources.configuration.orientation }) {
        Configuration.ORIENTATION_PORTRAIT -> true
        Configuration.ORIENTATION_LANDSCAPE -> false
        else -> null
      },
    carrier = read { (context.getSystemService(Context.TELEPHONY_SERVICE) as? TelephonyManager)?.networkOperatorName }.nonEmpty(),
    networkType = networkType,
    networkTechnology = if (networkType == "mobile") read { networkTechnology(connectivity) }.nonEmpty() else null,
    physicalMemory = read { totalMemory(context) }?.takeIf { it > 0 }?.toULong(),
    // The size of the data partition the app's files are on: what
    // StatFs(path).totalBytes reports (both are statvfs's f_blocks * f_frsize).
    totalStorage = read { context.filesDir.totalSpace }?.takeIf { it > 0 }?.toULong(),
  )
}

/**
 * The value of [fact], or null when reading it fails. A LinkageError is a
 * failed read too: a class, method or native library this device's Android
 * does not have.
 */
private inline fun <T> read(fact: () -> T?): T? =
  try {
    fact()
  } catch (e: Exception) {
    null
  } catch (e: LinkageError) {
    null
  }

private fun String?.nonEmpty(): String? = this?.takeIf { it.isNotBlank() }

/** `longVersionCode` from API 28 on, `versionCode` before. */
private fun versionCode(info: PackageInfo): String =
  if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
    info.longVersionCode.toString()
  } else {
    @Suppress("DEPRECATION")
    info.versionCode.toString()
  }

/**
 * `wifi`, `mobile` or `offline`, as mobile_context names them; null for a
 * network that is none of these (ethernet, ...) and when the app lacks
 * ACCESS_NETWORK_STATE (a SecurityException).
 */
private fun networkType(cm: ConnectivityManager): String? {
  val network = cm.activeNetwork ?: return "offline"
  val capabilities = cm.getNetworkCapabilities(network) ?: return "offline"
  return when {
    capabilities.hasTransport(NetworkCapabilities.TRANSPORT_WIFI) -> "wifi"
    capabilities.hasTransport(NetworkCapabilities.TRANSPORT_CELLULAR) -> "mobile"
    else -> null
  }
}

/**
 * The mobile network's technology (`LTE`, `NR`, ...) as the active network
 * names it; the replacement (TelephonyManager.getDataNetworkType) needs
 * READ_PHONE_STATE, a runtime permission.
 */
@Suppress("DEPRECATION")
private fun networkTechnology(cm: ConnectivityManager?): String? = cm?.activeNetworkInfo?.subtypeName

private fun totalMemory(context: Context): Long? {
  val am = context.getSystemService(Context.ACTIVITY_SERVICE) as? ActivityManager ?: return null
  return ActivityManager.MemoryInfo().also { am.getMemoryInfo(it) }.totalMem
}
