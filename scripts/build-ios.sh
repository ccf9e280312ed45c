#!/usr/bin/env bash
# Builds the Rust core (crates/tracker-ffi) as a static library for iOS and
# generates the Swift bindings, i.e. the build outputs the podspec expects:
#   ios/TrackerFFI.xcframework   libtracker_ffi.a for the device (arm64) and the
#                                simulator (arm64 + x86_64, one lipo'd library);
#                                library only, no Headers
#   ios/Generated/{TrackerFFI.swift, TrackerFFIFFI.h, module.modulemap}
# Run it on a Mac with Xcode before `npm publish` or when working on the iOS
# module from source. Everything it needs is checked first; it stops before
# building if anything is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
XCFRAMEWORK="$ROOT/ios/TrackerFFI.xcframework"
# The podspec's platform; read by rustc and by the C compiler (SQLite).
export IPHONEOS_DEPLOYMENT_TARGET="${IPHONEOS_DEPLOYMENT_TARGET:-15.1}"
DEVICE_TARGET=aarch64-apple-ios
SIM_TARGETS=(aarch64-apple-ios-sim x86_64-apple-ios)
TARGETS=("$DEVICE_TARGET" "${SIM_TARGETS[@]}")

usage() {
  cat <<EOF
Usage: scripts/build-ios.sh [--help]

Builds crates/tracker-ffi in release as a static library for
  $DEVICE_TARGET (device) and ${SIM_TARGETS[*]} (simulator, lipo'd together),
with IPHONEOS_DEPLOYMENT_TARGET=$IPHONEOS_DEPLOYMENT_TARGET, creates
ios/TrackerFFI.xcframework with 'xcodebuild -create-xcframework' (library only,
no headers, as react-native-rust-tracker.podspec expects), then generates the
Kotlin and Swift bindings (node scripts/bindings.js) into ios/Generated/.

Needs:
  - macOS with Xcode (xcodebuild, xcrun, lipo; the Command Line Tools alone
    have no xcodebuild -create-xcframework)
  - Rust with rustup and the targets:
      rustup target add ${TARGETS[*]}
  - Node 18+ (for the bindings)

Environment:
  IPHONEOS_DEPLOYMENT_TARGET   minimum iOS version (default 15.1, the podspec's)
EOF
}

case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  "") ;;
  *) echo "build-ios: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

step() { printf '\n[build-ios] %s\n' "$*"; }
info() { printf '[build-ios]   %s\n' "$*"; }

# ---------------------------------------------------------------- checks first
step "checking the toolchain"
if [[ "$(uname -s)" != "Darwin" ]]; then
  {
    echo
    echo "build-ios: the iOS library can only be built on macOS with Xcode; this machine runs $(uname -s)."
    echo "Missing: macOS with Xcode (xcodebuild -create-xcframework, xcrun and the iOS SDK, lipo)."
    echo "Nothing was built. Run scripts/build-ios.sh on a Mac (see --help); scripts/build-android.sh builds the Android side."
  } >&2
  exit 1
fi

# shellcheck source=scripts/rust-targets.sh
source "$(dirname "${BASH_SOURCE[0]}")/rust-targets.sh"
missing=()
for tool in cargo rustc node xcrun lipo xcodebuild; do
  if command -v "$tool" >/dev/null 2>&1; then
    info "$tool: $(command -v "$tool")"
  else
    missing+=("'$tool' is not on PATH")
  fi
done
if command -v xcodebuild >/dev/null 2>&1; then
  if xcode_version="$(xcodebuild -version 2>/dev/null | head -n 1)" && [[ -n "$xcode_version" ]]; then
    info "$xcode_version"
  else
    missing+=("xcodebuild does not work (only the Command Line Tools are selected?): install Xcode and run 'sudo xcode-select -s /Applications/Xcode.app'")
  fi
fi
if command -v xcrun >/dev/null 2>&1 && ! xcrun --sdk iphoneos --show-sdk-path >/dev/null 2>&1; then
  missing+=("the iOS SDK is not available (xcrun --sdk iphoneos --show-sdk-path failed): install Xcode with the iOS platform")
fi
check_rust_targets

if ((${#missing[@]})); then
  {
    echo
    echo "build-ios: cannot build the iOS library on this machine; missing:"
    for m in "${missing[@]}"; do echo "  - $m"; done
    echo "Nothing was built. See scripts/build-ios.sh --help."
  } >&2
  exit 1
fi

# ---------------------------------------------------------------------- build
cd "$ROOT"
target_dir="$(cargo metadata --format-version 1 --no-deps \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
info "IPHONEOS_DEPLOYMENT_TARGET=$IPHONEOS_DEPLOYMENT_TARGET"

for target in "${TARGETS[@]}"; do
  step "building tracker-ffi for $target (release, static library)"
  cargo build --release -p tracker-ffi --target "$target"
  if [[ ! -f "$target_dir/$target/release/libtracker_ffi.a" ]]; then
    echo "build-ios: expected $target_dir/$target/release/libtracker_ffi.a after the build, but it is not there" >&2
    exit 1
  fi
done

step "combining the simulator slices (${SIM_TARGETS[*]}) with lipo"
sim_dir="$target_dir/ios-simulator-universal/release"
mkdir -p "$sim_dir"
sim_inputs=()
for target in "${SIM_TARGETS[@]}"; do sim_inputs+=("$target_dir/$target/release/libtracker_ffi.a"); done
lipo -create "${sim_inputs[@]}" -output "$sim_dir/libtracker_ffi.a"
info "$(lipo -info "$sim_dir/libtracker_ffi.a")"

step "creating ios/TrackerFFI.xcframework (library only, no headers)"
rm -rf "$XCFRAMEWORK"
xcodebuild -create-xcframework \
  -library "$target_dir/$DEVICE_TARGET/release/libtracker_ffi.a" \
  -library "$sim_dir/libtracker_ffi.a" \
  -output "$XCFRAMEWORK"
info "$(find "$XCFRAMEWORK" -name 'libtracker_ffi.a' | sed "s|$ROOT/||" | tr '\n' ' ')"

# ------------------------------------------------------------------- bindings
step "generating the Kotlin and Swift bindings (node scripts/bindings.js)"
node "$ROOT/scripts/bindings.js"

step "done: ios/TrackerFFI.xcframework and ios/Generated/ (then: cd <app>/ios && pod install)"
