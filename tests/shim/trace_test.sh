#!/usr/bin/env bash
# The shim's call log against strace: trace_prog makes the same socket calls
# on the kernel under `strace -ff -e trace=network` and under the shim with
# TUNSOCK_SHIM_LOG=DIR/shim.%p (the stack's 127.0.0.1); each process's lines
# must read alike (names, argument renderings, results and errno names),
# ephemeral ports and stack addresses aside. Then: TUNSOCK_LOG=shim=trace
# alone writes $TMPDIR/tunsock-shim.PID.log, nothing reaches the program's
# stdout or stderr (TUNSOCK_SHIM_LOG=stderr included), and without %p the
# processes share one file with strace -f's "[pid N] " prefix.
# Usage: trace_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
export TUNSOCK_BUILD=$build
source "$here/../support/daemon.sh"
unset TUNSOCK_SHIM_LOG TUNSOCK_LOG
command -v strace >/dev/null || { echo "SKIP: strace is not installed"; exit 0; }
work=$(mktemp -d /tmp/tunsock-trace.XXXXXX)
trap 'stop_tunsockd; rm -rf "$work"' EXIT
prog=$build/bin/trace_prog
lib=$build/lib/libtunsock.so
fail=0
no() { echo "FAIL: $*"; fail=1; }
tport=$((20000 + RANDOM % 20000))
uport=$((tport + 1))

# The lines that carry calls, with what legitimately differs made equal:
# ephemeral ports and the stack's addresses of buffers.
normal() {
  grep -v '^# \|^---\|^+++' "$1" |
    sed -E "s/htons\(($tport|$uport)\)/htons(P\1)/g; s/htons\([0-9]+\)/htons(EPHEMERAL)/g; s/0x[0-9a-f]+/ADDR/g"
}

echo "=== on the kernel, under strace"
(cd "$work" && strace -ff -o "$work/strace" -e trace=network "$prog" "$tport" "$uport") >"$work/kernel.out" ||
  no "trace_prog on the kernel: $(cat "$work/kernel.out")"

echo "=== under the shim, TUNSOCK_SHIM_LOG=$work/shim.%p"
start_tunsockd "$work/d"
TUNSOCK_SHIM_LOG=$work/shim.%p LD_PRELOAD=$lib "$prog" "$tport" "$uport" >"$work/out" 2>"$work/err" ||
  no "trace_prog under the shim: $(cat "$work/out" "$work/err")"
[ "$(cat "$work/out")" = ok ] || no "stdout holds more than the program's own: $(cat "$work/out")"
[ ! -s "$work/err" ] || no "stderr: $(cat "$work/err")"

# files PREFIX: the per-process files, sorted.
files() { ls "$work"/$1.* 2>/dev/null | sort; }
[ "$(files strace | wc -l)" = 2 ] || no "strace wrote $(files strace | wc -l) files"
[ "$(files shim | wc -l)" = 2 ] || no "the shim wrote $(files shim | wc -l) files, not one per process"
for who in strace shim; do
  for f in $(files $who); do
    if grep -q AF_UNIX "$f"; then normal "$f" >"$work/$who.child"; else normal "$f" >"$work/$who.parent"; fi
  done
done
for part in parent child; do
  echo "--- $part: strace | shim"
  paste -d'\n' "$work/strace.$part" "$work/shim.$part" | sed 's/^/  /'
  if ! diff -u "$work/strace.$part" "$work/shim.$part"; then no "$part: the call log differs from strace"; fi
done
[ "$(wc -l <"$work/shim.parent")" -ge 20 ] || no "too few lines: $(wc -l <"$work/shim.parent")"
shim_pid=$(basename "$(files shim | head -1)" | sed 's/^shim\.//')
grep -q '^connect([0-9]*, {sa_family=AF_INET, sin_port=htons('"$tport"'), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)$' \
  "$work"/shim.* || no "no EINPROGRESS connect line"

echo "=== TUNSOCK_LOG=shim=trace alone: a file per process in \$TMPDIR"
mkdir "$work/tmp"
TMPDIR=$work/tmp TUNSOCK_LOG=shim=trace LD_PRELOAD=$lib "$prog" $((tport + 2)) $((uport + 2)) >"$work/out" 2>"$work/err" ||
  no "trace_prog with TUNSOCK_LOG=shim=trace: $(cat "$work/out" "$work/err")"
[ "$(ls "$work/tmp" | grep -c '^tunsock-shim\.[0-9]*\.log$')" = 2 ] || no "\$TMPDIR holds: $(ls "$work/tmp")"
grep -q "^socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = " "$work"/tmp/tunsock-shim.*.log || no "no socket line"
[ ! -s "$work/err" ] || no "stderr with TUNSOCK_LOG=shim=trace: $(cat "$work/err")"

echo "=== TUNSOCK_SHIM_LOG=stderr no longer writes to stderr"
rm -rf "$work/tmp"/*
TMPDIR=$work/tmp TUNSOCK_SHIM_LOG=stderr LD_PRELOAD=$lib "$prog" $((tport + 4)) $((uport + 4)) >"$work/out" 2>"$work/err" ||
  no "trace_prog with TUNSOCK_SHIM_LOG=stderr"
[ ! -s "$work/err" ] || no "stderr with TUNSOCK_SHIM_LOG=stderr: $(head -3 "$work/err")"
[ "$(ls "$work/tmp" | wc -l)" = 2 ] || no "TUNSOCK_SHIM_LOG=stderr: no per-process files"

echo "=== one file for both processes: strace -f's [pid N] prefix"
TUNSOCK_SHIM_LOG=$work/one.log LD_PRELOAD=$lib "$prog" $((tport + 6)) $((uport + 6)) >"$work/out" 2>"$work/err" ||
  no "trace_prog, one file: $(cat "$work/out" "$work/err")"
[ "$(grep -o '^\[pid *[0-9]*\]' "$work/one.log" | sort -u | wc -l)" = 2 ] || no "one.log: not two pids"
grep -q '^\[pid *[0-9]*\] socket(AF_UNIX, SOCK_DGRAM, 0) *= [0-9]' "$work/one.log" || no "one.log: no child line"
[ "$fail" = 0 ] && echo "call log ok (parent pid $shim_pid)"
exit $fail
