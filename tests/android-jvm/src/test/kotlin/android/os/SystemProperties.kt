// Test stand-in for android.os.SystemProperties (hidden API), whose real
// methods are native: an empty property store, every read answering its
// default. Framework classes that read a property in their static
// initializer (DisplayMetrics: the device density) can then load on a plain
// JVM. Comes first on the test classpath, ahead of android-all.

package android.os

object SystemProperties {
  @JvmStatic fun get(key: String?): String = ""

  @JvmStatic fun get(key: String?, def: String?): String? = def

  @JvmStatic fun getInt(key: String?, def: Int): Int = def

  @JvmStatic fun getLong(key: String?, def: Long): Long = def

  @JvmStatic fun getBoolean(key: String?, def: Boolean): Boolean = def
}
