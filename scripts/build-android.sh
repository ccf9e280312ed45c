#!/usr/bin/env bash
# Builds the Rust core (crates/tracker-ffi) for Android and generates the Kotlin
# bindings, i.e. the two build outputs android/build.gradle expects:
#   android/src/main/jniLibs/<abi>/libtracker_ffi.so   (arm64-v8a, armeabi-v7a, x86_64, x86)
#   android/src/main/java/com/reactnativerusttracker/core/tracker_ffi.kt
# Run it before `npm publish` or when working on the Android module from source.
# Everything it needs is checked first; it stops before building if anything is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JNI_LIBS="$ROOT/android/src/main/jniLibs"
# Android API level the .so files are linked against: the module's minSdk.
API_LEVEL="${ANDROID_API_LEVEL:-24}"
# 16 KB page alignment (required by Google Play for apps targeting Android 15+ devices).
PAGE_SIZE_FLAGS="-C link-arg=-Wl,-z,max-page-size=16384"
# ABI (cargo-ndk's name) and Rust target, in the same order.
ABIS=(arm64-v8a armeabi-v7a x86_64 x86)
TARGETS=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android)

usage() {
  cat <<EOF
Usage: scripts/build-android.sh [--help]

Builds crates/tracker-ffi in release for the Android ABIs ${ABIS[*]}
with cargo-ndk, linked for API level $API_LEVEL with 16 KB page alignment
(-Wl,-z,max-page-size=16384), copies each library to
android/src/main/jniLibs/<abi>/libtracker_ffi.so, then generates the Kotlin and
Swift bindings (node scripts/bindings.js).

Needs:
  - Rust with rustup and the targets:
      rustup target add ${TARGETS[*]}
  - the Android NDK, r23+ (cargo-ndk's minimum); r27+ recommended, r28+ aligns to 16 KB by default;
    found through ANDROID_NDK_HOME, ANDROID_NDK_ROOT, or the newest
    \$ANDROID_HOME/ndk/<version> (or \$ANDROID_SDK_ROOT/ndk/<version>)
  - cargo-ndk (installed with 'cargo install cargo-ndk' when missing)
  - Node 18+ (for the bindings)

Environment:
  ANDROID_NDK_HOME / ANDROID_NDK_ROOT   NDK directory
  ANDROID_API_LEVEL                     API level to link against (default 24, the minSdk)
  RUSTFLAGS                             kept; the page-size flag is appended
EOF
}

case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  "") ;;
  *) echo "build-android: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

step() { printf '\n[build-android] %s\n' "$*"; }
info() { printf '[build-android]   %s\n' "$*"; }

# ---------------------------------------------------------------- checks first
step "checking the toolchain"
# shellcheck source=scripts/rust-targets.sh
source "$(dirname "${BASH_SOURCE[0]}")/rust-targets.sh"
missing=()

for tool in cargo rustc node; do
  if command -v "$tool" >/dev/null 2>&1; then
    info "$tool: $(command -v "$tool")"
  else
    missing+=("'$tool' is not on PATH (install Rust with rustup, and Node 18+)")
  fi
done

# Rust standard libraries for the four Android targets.
check_rust_targets

# The NDK.
ndk="${ANDROID_NDK_HOME:-${ANDROID_NDK_ROOT:-}}"
if [[ -z "$ndk" ]]; then
  sdk="${ANDROID_HOME:-${ANDROID_SDK_ROOT:-}}"
  if [[ -n "$sdk" && -d "$sdk/ndk" ]]; then
    ndk="$(find "$sdk/ndk" -mindepth 1 -maxdepth 1 -type d | sort -V | tail -n 1)"
  fi
fi
if [[ -z "$ndk" ]]; then
  missing+=("Android NDK not found: set ANDROID_NDK_HOME (or ANDROID_NDK_ROOT) to the NDK directory, e.g. \$ANDROID_HOME/ndk/27.2.12479018 (install it with Android Studio's SDK Manager or 'sdkmanager \"ndk;<version>\"')")
elif [[ ! -d "$ndk/toolchains/llvm/prebuilt" ]]; then
  missing+=("'$ndk' is not an Android NDK (no toolchains/llvm/prebuilt in it): point ANDROID_NDK_HOME at the NDK directory")
else
  ndk_version="$(sed -n 's/^Pkg\.Revision *= *//p' "$ndk/source.properties" 2>/dev/null || true)"
  info "Android NDK: $ndk (${ndk_version:-unknown version})"
  if [[ -n "$ndk_version" && "${ndk_version%%.*}" -lt 23 ]]; then
    missing+=("Android NDK r${ndk_version%%.*} is too old (cargo-ndk needs r23+; r27+ recommended)")
  elif [[ -n "$ndk_version" && "${ndk_version%%.*}" -lt 27 ]]; then
    info "warning: NDK r${ndk_version%%.*} is older than r27; the 16 KB page-size flag is passed explicitly, but r27+ is recommended"
  fi
  export ANDROID_NDK_HOME="$ndk"
fi

if ((${#missing[@]})); then
  {
    echo
    echo "build-android: cannot build the Android libraries on this machine; missing:"
    for m in "${missing[@]}"; do echo "  - $m"; done
    echo "Nothing was built. See scripts/build-android.sh --help."
  } >&2
  exit 1
fi

if ! command -v cargo-ndk >/dev/null 2>&1 && ! cargo ndk --version >/dev/null 2>&1; then
  step "installing cargo-ndk (cargo install cargo-ndk)"
  cargo install cargo-ndk
fi
info "cargo-ndk: $(cargo ndk --version 2>/dev/null | head -n 1)"

# ---------------------------------------------------------------------- build
cd "$ROOT"
target_dir="$(cargo metadata --format-version 1 --no-deps \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }$PAGE_SIZE_FLAGS"
info "RUSTFLAGS=$RUSTFLAGS"

rm -rf "$JNI_LIBS"
for i in "${!ABIS[@]}"; do
  abi="${ABIS[$i]}"
  target="${TARGETS[$i]}"
  step "building tracker-ffi for $abi ($target, API $API_LEVEL, release)"
  cargo ndk --target "$abi" --platform "$API_LEVEL" build --release -p tracker-ffi
  built="$target_dir/$target/release/libtracker_ffi.so"
  if [[ ! -f "$built" ]]; then
    echo "build-android: expected $built after the build, but it is not there" >&2
    exit 1
  fi
  mkdir -p "$JNI_LIBS/$abi"
  cp "$built" "$JNI_LIBS/$abi/libtracker_ffi.so"
  info "-> android/src/main/jniLibs/$abi/libtracker_ffi.so ($(wc -c <"$JNI_LIBS/$abi/libtracker_ffi.so") bytes)"
done

# Check the alignment of every LOAD segment with the NDK's llvm-readelf.
readelf="$(find "$ANDROID_NDK_HOME/toolchains/llvm/prebuilt" -path '*/bin/llvm-readelf' 2>/dev/null | head -n 1 || true)"
if [[ -n "$readelf" ]]; then
  step "checking 16 KB alignment of the LOAD segments"
  for abi in "${ABIS[@]}"; do
    so="$JNI_LIBS/$abi/libtracker_ffi.so"
    aligns="$("$readelf" -lW "$so" | awk '$1 == "LOAD" { print $NF }')"
    if [[ -z "$aligns" ]]; then
      echo "build-android: llvm-readelf found no LOAD segment in $so" >&2
      exit 1
    fi
    for align in $aligns; do
      if ((align < 16384)); then
        echo "build-android: $so has a LOAD segment aligned to $align (< 16 KB); use NDK r27+ or check RUSTFLAGS" >&2
        exit 1
      fi
    done
    info "$abi: all LOAD segments aligned to >= 16 KB"
  done
else
  info "llvm-readelf not found in the NDK; alignment not checked"
fi

# ------------------------------------------------------------------- bindings
step "generating the Kotlin and Swift bindings (node scripts/bindings.js)"
node "$ROOT/scripts/bindings.js"

step "done: android/src/main/jniLibs/{$(IFS=,; echo "${ABIS[*]}")}/libtracker_ffi.so and android/src/main/java/com/reactnativerusttracker/core/tracker_ffi.kt"
