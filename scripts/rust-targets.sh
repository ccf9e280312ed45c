# shellcheck shell=bash
# Sourced by build-android.sh and build-ios.sh: checks that the Rust standard
# library of every target in TARGETS is installed, adding what is absent to the
# caller's `missing` array (the scripts report every gap at once).
check_rust_targets() {
  command -v rustc >/dev/null 2>&1 || return 0
  local installed_targets t
  if command -v rustup >/dev/null 2>&1; then
    installed_targets="$(rustup target list --installed 2>/dev/null || true)"
  else
    # No rustup: look in the sysroot of the rustc on PATH.
    installed_targets="$(ls "$(rustc --print sysroot)/lib/rustlib" 2>/dev/null || true)"
  fi
  local absent_targets=()
  for t in "${TARGETS[@]}"; do
    grep -qx "$t" <<<"$installed_targets" || absent_targets+=("$t")
  done
  if ((${#absent_targets[@]})); then
    missing+=("Rust targets not installed: ${absent_targets[*]} (run: rustup target add ${absent_targets[*]})")
  else
    info "Rust targets: ${TARGETS[*]}"
  fi
}
