// A device for the module to read its facts from (Facts.kt): the package
// manager, the resources and the system services a FakeAppContext hands out.
// Android's own classes where they work on a plain JVM (PackageInfo,
// DisplayMetrics, Configuration, MemoryInfo), Mockito mocks of the managers
// (abstract, or needing the system server). ConnectivityManager is left out:
// its static initializer needs native code even to be mocked, so the
// network type is not reported here (the module leaves it out, as it does on
// a device where the app lacks ACCESS_NETWORK_STATE).

package com.reactnativerusttracker

import android.app.ActivityManager
import android.content.Context
import android.content.pm.PackageInfo
import android.content.pm.PackageManager
import android.content.res.Configuration
import android.content.res.Resources
import android.telephony.TelephonyManager
import android.util.DisplayMetrics
import org.mockito.ArgumentMatchers.any
import org.mockito.ArgumentMatchers.anyInt
import org.mockito.ArgumentMatchers.anyString
import org.mockito.Mockito.doAnswer
import org.mockito.Mockito.mock
import org.mockito.Mockito.`when`

/** What a [FakeAppContext] hands out besides its files directory and package name. */
class FakeDevice(
  val packageManager: PackageManager?,
  val resources: Resources?,
  val services: Map<String, Any> = emptyMap(),
)

/** Resources with nothing but a display and a configuration. */
class FakeResources(private val metrics: DisplayMetrics, private val config: Configuration) :
  Resources(null as ClassLoader?) {
  override fun getDisplayMetrics(): DisplayMetrics = metrics

  override fun getConfiguration(): Configuration = config
}

/** Resources whose every read throws. */
class BrokenResources : Resources(null as ClassLoader?) {
  override fun getDisplayMetrics(): DisplayMetrics = throw IllegalStateException("no display")

  override fun getConfiguration(): Configuration = throw IllegalStateException("no configuration")
}

/** A package manager that knows this app's version name and code. */
fun packageManager(packageName: String, versionName: String, versionCode: Long): PackageManager {
  val info = PackageInfo().apply {
    this.packageName = packageName
    this.versionName = versionName
    longVersionCode = versionCode
  }
  return mock(PackageManager::class.java).also { `when`(it.getPackageInfo(packageName, 0)).thenReturn(info) }
}

/** A package manager that does not know any package (as for an app being updated, say). */
fun packageManagerWithoutPackages(): PackageManager =
  mock(PackageManager::class.java).also {
    `when`(it.getPackageInfo(anyString(), anyInt())).thenAnswer { call ->
      throw PackageManager.NameNotFoundException(call.getArgument<String>(0))
    }
  }

fun resources(widthPixels: Int, heightPixels: Int, density: Float, orientation: Int): Resources =
  FakeResources(
    DisplayMetrics().apply {
      this.widthPixels = widthPixels
      this.heightPixels = heightPixels
      this.density = density
    },
    Configuration().apply { this.orientation = orientation },
  )

fun telephony(operatorName: String): TelephonyManager =
  mock(TelephonyManager::class.java).also { `when`(it.networkOperatorName).thenReturn(operatorName) }

fun activityManager(totalMem: Long): ActivityManager =
  mock(ActivityManager::class.java).also {
    doAnswer { call ->
      call.getArgument<ActivityManager.MemoryInfo>(0).totalMem = totalMem
      null
    }.`when`(it).getMemoryInfo(any())
  }

/** A device with every service the module asks for (except connectivity, see above). */
fun services(operatorName: String, totalMem: Long): Map<String, Any> =
  mapOf(Context.TELEPHONY_SERVICE to telephony(operatorName), Context.ACTIVITY_SERVICE to activityManager(totalMem))
