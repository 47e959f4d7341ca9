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
# shellcheck source=transcript.sh
source "$here/transcript.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/tunsock-compat.XXXXXX")
trap 'stop_tunsockd; rm -rf "$work"' EXIT
mkdir -p "$work/native" "$work/shim"

run_one "$work/native" env -u LD_PRELOAD "$bin"
if [ "${COMPAT_NATIVE_ONLY:-0}" = 1 ]; then
  cat "$work/native.out"
  exit 0
fi

start_tunsockd "$work/daemon" || exit 1
run_one "$work/shim" env LD_PRELOAD="$build/lib/libtunsock.so" "$bin"
stop_tunsockd

compare_transcripts "$expected"
