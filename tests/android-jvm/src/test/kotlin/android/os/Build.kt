// Test stand-in for android.os.Build. Robolectric's android-all has the real
// class, but its static initializer reads system properties through native
// code that only exists on a device (or under Robolectric's runtime), so on a
// plain JVM the class cannot even load. This class comes first on the test
// classpath, ahead of android-all; the module is compiled against the real
// one and reads the same static fields. Only the fields the module reads.

package android.os

object Build {
  @JvmField var MANUFACTURER: String = "Google"
  @JvmField var MODEL: String = "Pixel 8"

  object VERSION {
    @JvmField var RELEASE: String = "14"
    @JvmField var SDK_INT: Int = 34
  }
}
