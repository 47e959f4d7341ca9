#!/usr/bin/env bash
# Differential run of one compat case: once on the kernel, once under the
# shim against a fresh tunsockd; the transcripts (stdout and stderr of the
# case, plus how it ended) must be identical.
# Usage: run_case.sh BUILD_DIR CASE_BINARY [EXPECTED_DIFF]
#   EXPECTED_DIFF (deviations): the case passes when the unified diff of the
#   two transcripts is exactly this file's content instead of empty.
#   BUILD_DIR holds bin/tunsockd and lib/libtunsock.so (CMake passes its own).
#   COMPAT_NATIVE_ONLY=1 runs the kernel side only (to validate a case).
set -uo pipefail
build=$(cd "$1" && pwd)
bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
expected=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
export TUNSOCK_BUILD=$build
# shellcheck source=../support/daemon.sh
source "$here/../support/daemon.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/tunsock-compat.XXXXXX")
trap 'stop_tunsockd; rm -rf "$work"' EXIT
mkdir -p "$work/native" "$work/shim"

# run_one DIR [PRELOAD]: the case's transcript in DIR.out. Every case arms its
# own watchdog; timeout is only the last resort.
run_one() {
  local dir=$1 preload=${2:-} rc=0
  (cd "$dir" && env -u LD_PRELOAD COMPAT_DIR="$dir" ${preload:+LD_PRELOAD=$preload} \
    timeout -k 5 60 "$bin" >"$dir.out" 2>&1) || rc=$?
  if [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then
    echo "ended by signal $(kill -l $((rc - 128)))" >>"$dir.out"
  else
    echo "exit $rc" >>"$dir.out"
  fi
}

run_one "$work/native"
if [ "${COMPAT_NATIVE_ONLY:-0}" = 1 ]; then
  cat "$work/native.out"
  exit 0
fi

start_tunsockd "$work/daemon" || exit 1
run_one "$work/shim" "$build/lib/libtunsock.so"
stop_tunsockd

diff -u --label kernel --label tunsock "$work/native.out" "$work/shim.out" >"$work/diff"
if [ -n "$expected" ]; then
  if [ -f "$expected" ] && cmp -s "$expected" "$work/diff"; then
    echo "the known deviation, exactly ($(basename "$expected")):"
    cat "$work/diff"
    exit 0
  fi
  echo "the deviation differs from $(basename "$expected") (missing, changed or gone):"
  diff -u --label expected --label now "$expected" "$work/diff" 2>/dev/null || cat "$work/diff"
elif [ ! -s "$work/diff" ]; then
  cat "$work/native.out"
  exit 0
else
  cat "$work/diff"
fi
echo "--- kernel"; cat "$work/native.out"
echo "--- tunsock"; cat "$work/shim.out"
echo "--- daemon log (tail)"; tail -40 "$work/daemon/daemon.log"
exit 1
