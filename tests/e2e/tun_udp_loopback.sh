#!/usr/bin/env bash
# Two programs under the shim talk UDP over 127.0.0.1 inside the stack
# (its loopback interface; nothing reaches the kernel's lo). In a namespace
# of its own so that a kernel socket could not answer by accident.
# Usage: tun_udp_loopback.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/tun_ns.sh"
tun_enter_netns "$@"

tun_begin tun-lo

fail=0
shim_bg timeout 30 socat -T10 UDP-LISTEN:7003,bind=127.0.0.1 PIPE 2>"$work/server.err"
spid=$BG_PID
msg="over the stack's loopback $RANDOM"
out=
for _ in $(seq 20); do
  out=$(shim timeout 5 socat -T1 - UDP:127.0.0.1:7003 <<<"$msg" 2>>"$work/client.err" || true)
  [ "$out" = "$msg" ] && break
  sleep 0.2
done
echo "echoed: $out"
[ "$out" = "$msg" ] || { echo "FAIL: no echo over 127.0.0.1"; fail=1; }
# The kernel must not hold the port: the server lives in the stack.
if ss -lun | grep -q '127.0.0.1:7003'; then echo "FAIL: the kernel has 127.0.0.1:7003"; fail=1; fi
kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; spid=
tun_stop
grep -q "lo In  IP 127.0.0.1\.[0-9]* > 127.0.0.1\.7003: UDP, length [0-9]*" "$work/daemon.log" || { echo "FAIL: loopback datagram not traced"; fail=1; }
grep -q "lo Out IP 127.0.0.1\.7003 > 127.0.0.1\.[0-9]*: UDP, length [0-9]*" "$work/daemon.log" || { echo "FAIL: loopback echo not traced"; fail=1; }
if grep -q "tsk0 .*127.0.0.1" "$work/daemon.log"; then echo "FAIL: 127.0.0.1 on the TUN link"; fail=1; fi
if [ $fail -ne 0 ]; then
  cat "$work"/*.err; echo "--- daemon log (tail)"; tail -40 "$work/daemon.log"
fi
exit $fail
