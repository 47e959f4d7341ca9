#!/usr/bin/env bash
# Drivers for the shim's own tests (shim_check.c does the checks inside the
# program). Usage: shim_test.sh BUILD_DIR CASE
# Every wait is bounded: a hang is a failure, never a stuck ctest.
set -euo pipefail
build=$(cd "$1" && pwd)
case_=$2
here=$(cd "$(dirname "$0")" && pwd)
export TUNSOCK_BUILD=$build
lib=$build/lib/libtunsock.so
check=$build/bin/shim_check
unset TUNSOCK_SOCKET TUNSOCK_SHIM_LOG
# shellcheck source=../support/daemon.sh
if [ -f "$here/../support/daemon.sh" ]; then source "$here/../support/daemon.sh"
else source "$here/daemon_env.sh"; fi

work=$(mktemp -d /tmp/tunsock-shim.XXXXXX)
cleanup() {
  stop_tunsockd 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$work/daemon.log" ] && { echo "--- daemon log (tail)"; tail -30 "$work/daemon.log"; }; exit 1; }
shimmed() { LD_PRELOAD=$lib "$@"; }
wait_for() {  # wait_for SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -ge "$deadline" ] && return 1
    sleep 0.02
  done
}

case $case_ in
symbols)
  # Exactly the names of the version script are exported, nothing else.
  want=$(sed -e 's#/\*.*\*/##' "$here/../../shim/libtunsock.map" | tr ' ;' '\n\n' |
         grep -E '^[A-Za-z_][A-Za-z0-9_]*$' | grep -vx -e global -e local | sort -u)
  have=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u)
  [ "$want" = "$have" ] || fail "exports differ from libtunsock.map: $(diff <(echo "$want") <(echo "$have") | tr '\n' ' ')"
  for name in socket connect accept4 recvmsg sendmmsg close dup3 fcntl ioctl __recv_chk __read_chk; do
    grep -qx "$name" <<<"$have" || fail "$name is not exported"
  done
  echo "exports: $(wc -l <<<"$have") names, as the map says"
  ;;
nosock)
  # A program that makes no socket call: same fds, same output, no stderr,
  # no connection to the daemon.
  start_tunsockd "$work"
  plain=$(ls /proc/self/fd 2>"$work/err0")
  under=$(shimmed ls /proc/self/fd 2>"$work/err")
  [ "$plain" = "$under" ] || fail "fd table differs under the shim: $(diff <(echo "$plain") <(echo "$under") | tr '\n' ' ')"
  [ ! -s "$work/err" ] || fail "stderr under the shim: $(cat "$work/err")"
  [ "$("$check" nosock)" = "$(shimmed "$check" nosock 2>"$work/err")" ] || fail "fd count differs"
  [ ! -s "$work/err" ] || fail "stderr under the shim: $(cat "$work/err")"
  out=$(echo hello | shimmed cat)
  [ "$out" = hello ] || fail "cat under the shim printed '$out'"
  sleep 0.1
  if grep -q "connection from pid" "$work/daemon.log"; then fail "the daemon saw a connection"; fi
  echo "no fds, no output, no connection"
  ;;
missing)
  # No daemon: ENETDOWN at once (inet too: never a silent bypass) and one
  # line on stderr naming the path; TUNSOCK_DOMAINS=unix leaves inet to the kernel.
  export TUNSOCK_SOCKET=$work/absent.sock
  for narrow in "" unix; do
    arg=$([ -n "$narrow" ] && echo narrowed || echo all)
    TUNSOCK_DOMAINS=$narrow timeout 10 env LD_PRELOAD="$lib" "$check" missing "$arg" >"$work/out" 2>"$work/err" ||
      fail "exit $?: $(cat "$work/out" "$work/err")"
    grep -qx "ok missing" "$work/out" || fail "$(cat "$work/out")"
    [ "$(wc -l <"$work/err")" -eq 1 ] || fail "expected one stderr line, got: $(cat "$work/err")"
    grep -qF "$TUNSOCK_SOCKET" "$work/err" || fail "stderr does not name the socket: $(cat "$work/err")"
  done
  cat "$work/err"
  ;;
domains)
  # The shim sends a program the domains the daemon serves, learned on its
  # first socket call (also in a child forked before it and in a thread);
  # TUNSOCK_DOMAINS only narrows that set.
  expect() {  # expect TUNSOCK_DOMAINS "inet X" "inet6 Y" "unix Z"
    local narrow=$1; shift
    rm -f "$work/shim.log"
    TUNSOCK_DOMAINS=$narrow TUNSOCK_SHIM_LOG=$work/shim.log shimmed timeout 20 "$check" domains \
      >"$work/out" 2>"$work/err" || fail "TUNSOCK_DOMAINS='$narrow': $(cat "$work/out" "$work/err")"
    [ ! -s "$work/err" ] || fail "stderr: $(cat "$work/err")"
    for want in "$@" "ok domains"; do
      grep -qx "$want" "$work/out" || fail "TUNSOCK_DOMAINS='$narrow': want '$want', got: $(tr '\n' ' ' <"$work/out")"
    done
    echo "TUNSOCK_DOMAINS='$narrow': $(grep -v '^ok' "$work/out" | tr '\n' ' ')"
  }
  start_tunsockd "$work"
  expect "" "inet stack" "inet6 stack" "unix stack"
  grep -q "domains: the daemon serves unix inet inet6; routed to it: unix inet inet6$" "$work/shim.log" ||
    fail "shim log: $(cat "$work/shim.log")"
  expect unix "inet kernel" "inet6 kernel" "unix stack"
  expect inet "inet stack" "inet6 kernel" "unix kernel"
  expect inet6 "inet kernel" "inet6 stack" "unix kernel"
  expect unix,inet,inet6 "inet stack" "inet6 stack" "unix stack"
  stop_tunsockd
  # A daemon run with --domains unix,inet leaves inet6 to the kernel.
  TUNSOCKD_ARGS="--domains unix,inet" start_tunsockd "$work"
  expect "" "inet stack" "inet6 kernel" "unix stack"
  expect unix,inet,inet6 "inet stack" "inet6 kernel" "unix stack"
  grep -q "TUNSOCK_DOMAINS names inet6, which the daemon does not serve" "$work/shim.log" ||
    fail "inet6 named but not served: not in the shim log: $(cat "$work/shim.log")"
  stop_tunsockd
  # A daemon that does not serve inet leaves it to the kernel, even when named.
  TUNSOCKD_ARGS="--domains unix" start_tunsockd "$work"
  expect "" "inet kernel" "inet6 kernel" "unix stack"
  expect unix,inet "inet kernel" "inet6 kernel" "unix stack"
  grep -q "TUNSOCK_DOMAINS names inet, which the daemon does not serve" "$work/shim.log" ||
    fail "inet named but not served: not in the shim log: $(cat "$work/shim.log")"
  ;;
killed-*)
  # The daemon dies while a call is pending: it returns within a second,
  # and later calls fail.
  what=${case_#killed-}
  start_tunsockd "$work"
  LD_PRELOAD=$lib timeout 10 "$check" killed "$what" "$work" >"$work/out" 2>"$work/err" &
  pid=$!
  wait_for 5 grep -q ready "$work/out" || fail "program not ready: $(cat "$work/out" "$work/err")"
  sleep 0.2  # let it block
  kill -KILL "$TUNSOCKD_PID"
  wait "$TUNSOCKD_PID" 2>/dev/null || true
  TUNSOCKD_PID=
  rc=0
  wait "$pid" || rc=$?
  cat "$work/out"
  [ $rc -eq 0 ] || fail "program exit $rc: $(cat "$work/err")"
  grep -q "^ok killed" "$work/out" || fail "no ok line"
  ;;
host)
  # Names held by the host kernel (not by the stack): the shim hands the
  # socket over to the kernel and redoes the call there.
  command -v socat >/dev/null || { echo "socat missing: skipped"; exit 77; }
  start_tunsockd "$work"
  timeout 20 socat -u UNIX-RECV:"$work/host-dgram.sock" OPEN:"$work/dgram.out",creat,append </dev/null >/dev/null 2>&1 &
  p1=$!
  timeout 20 socat -u UNIX-LISTEN:"$work/host-stream.sock" OPEN:"$work/stream.out",creat,append </dev/null >/dev/null 2>&1 &
  p2=$!
  wait_for 5 test -S "$work/host-dgram.sock" -a -S "$work/host-stream.sock" || fail "socat did not start"
  shimmed timeout 20 "$check" host "$work/host-dgram.sock" "$work/host-stream.sock" >"$work/out" 2>"$work/err" ||
    fail "$(cat "$work/out" "$work/err")"
  grep -qx "ok host" "$work/out" || fail "$(cat "$work/out")"
  wait_for 5 grep -q "stream to the host" "$work/stream.out" || fail "the host's stream listener got nothing"
  wait_for 5 grep -q "to the host" "$work/dgram.out" || fail "the host's datagram socket got nothing"
  kill "$p1" "$p2" 2>/dev/null || true
  wait "$p1" "$p2" 2>/dev/null || true
  echo "host names fall through"
  ;;
launcher)
  help=$("$build/bin/tunsock" --help)
  grep -q "tunsockd --socket" <<<"$help" || fail "--help does not say how to start the daemon"
  grep -q TUNSOCK_SOCKET <<<"$help" || fail "--help does not name TUNSOCK_SOCKET"
  grep -q "TUNSOCK_DOMAINS=.*narrows" <<<"$help" || fail "--help does not say that TUNSOCK_DOMAINS narrows"
  start_tunsockd "$work"
  sock=$TUNSOCK_SOCKET
  unset TUNSOCK_SOCKET
  out=$(LD_PRELOAD=/nonexistent-but-kept.so "$build/bin/tunsock" --socket "$sock" sh -c 'echo "$LD_PRELOAD|$TUNSOCK_SOCKET"' 2>/dev/null)
  [ "$out" = "$(cd "$build/lib" && pwd)/libtunsock.so:/nonexistent-but-kept.so|$sock" ] &&
    : || [[ "$out" == *libtunsock.so:/nonexistent-but-kept.so\|$sock ]] || fail "environment: $out"
  "$build/bin/tunsock" --socket "$sock" "$check" fork >"$work/out" 2>&1 || fail "$(cat "$work/out")"
  grep -qx "ok fork" "$work/out" || fail "$(cat "$work/out")"
  "$build/bin/tunsock" /nonexistent-command 2>"$work/err" && fail "exit 0 for a missing command"
  grep -q nonexistent-command "$work/err" || fail "no message for a missing command"
  echo "launcher ok"
  ;;
log)
  start_tunsockd "$work"
  TUNSOCK_SHIM_LOG=$work/shim.log shimmed timeout 20 "$check" fork >"$work/out" 2>"$work/err" || fail "$(cat "$work/out" "$work/err")"
  [ ! -s "$work/err" ] || fail "stderr: $(cat "$work/err")"
  grep -q "socketpair(" "$work/shim.log" || fail "no socketpair line in the log"
  # Never the program's stderr: "stderr" means the per-process file in $TMPDIR.
  mkdir -p "$work/tmp"
  TMPDIR=$work/tmp TUNSOCK_SHIM_LOG=stderr shimmed timeout 20 "$check" fork >"$work/out" 2>"$work/err" ||
    fail "$(cat "$work/out" "$work/err")"
  [ ! -s "$work/err" ] || fail "TUNSOCK_SHIM_LOG=stderr wrote to stderr: $(head -3 "$work/err")"
  grep -q "^socketpair(AF_UNIX, " "$work"/tmp/tunsock-shim.*.log || fail "no socketpair line in \$TMPDIR/tunsock-shim.PID.log"
  shimmed timeout 20 "$check" fork >"$work/out" 2>"$work/err" || fail "$(cat "$work/out" "$work/err")"
  [ ! -s "$work/err" ] || fail "stderr without TUNSOCK_SHIM_LOG: $(cat "$work/err")"
  # The program closes the trace file's descriptor and reuses the number.
  : >"$work/shim.log"
  TUNSOCK_SHIM_LOG=$work/shim.log shimmed timeout 20 "$check" closelog "$work" >"$work/out" 2>"$work/err" ||
    fail "$(cat "$work/out" "$work/err")"
  [ "$(cat "$work/own.txt")" = mine ] || fail "the program's own file holds: $(head -c 300 "$work/own.txt")"
  grep -q "socketpair(" "$work/shim.log" || fail "no socketpair line after the program closed the trace file"
  echo "log ok"
  ;;
privdrop)
  [ "$(id -u)" -eq 0 ] || { echo "needs root (chroot, setuid): skipped"; exit 77; }
  start_tunsockd "$work"
  shimmed timeout 30 "$check" privdrop "$work" >"$work/out" 2>"$work/err" || { cat "$work/out" "$work/err"; fail privdrop; }
  cat "$work/out"
  grep -qx "ok privdrop" "$work/out" || fail "no ok line"
  [ ! -s "$work/err" ] || fail "stderr: $(cat "$work/err")"
  ;;
*)
  # A shim_check mode against a running daemon. Exit 77: the mode could
  # check nothing here (e.g. seccomp on an architecture without a filter):
  # skipped, never a pass.
  start_tunsockd "$work"
  rc=0
  shimmed timeout 30 "$check" "$case_" "$work" >"$work/out" 2>"$work/err" || rc=$?
  if [ "$rc" -eq 77 ] && grep -q "^skipped $case_" "$work/out"; then cat "$work/out"; exit 77; fi
  [ "$rc" -eq 0 ] || { cat "$work/out" "$work/err"; fail "$case_"; }
  cat "$work/out"
  grep -qx "ok $case_" "$work/out" || fail "no ok line"
  [ ! -s "$work/err" ] || fail "stderr: $(cat "$work/err")"
  ;;
esac
