#!/usr/bin/env bash
# UDP echo with socat over TUN, both ways, in a namespace of its own:
#   server under the shim (198.18.0.2), client on the kernel (198.18.0.1);
#   server on the kernel, client under the shim;
# then one-way datagrams with UDP4-SENDTO into UDP4-RECV, both ways; the
# daemon's log shows every datagram in tcpdump's one-line format. Last, a
# sender under the shim narrowed with TUNSOCK_DOMAINS=unix is the kernel's:
# its datagram never crosses the stack.
# Usage: tun_udp_echo.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/tun_ns.sh"
tun_enter_netns "$@"

tun_begin tun-udp

# echo_once RUNNER DEST PORT: one datagram there and back; retried while the
# server may not be bound yet (a lost first datagram is not the test).
echo_once() {
  local runner=$1 dest=$2 port=$3 msg="hello over tun $RANDOM" out i
  for i in $(seq 20); do
    out=$($runner timeout 5 socat -T1 - "UDP:$dest:$port" <<<"$msg" 2>>"$work/client.err" || true)
    [ "$out" = "$msg" ] && { echo "echoed: $out"; return 0; }
    sleep 0.2
  done
  echo "no echo from $dest:$port (last: '$out')"
  return 1
}
kernel() { "$@"; }

fail=0
echo "--- server under the shim, client on the kernel"
shim_bg timeout 30 socat -T10 "UDP-LISTEN:7001,bind=$STACK_IP" PIPE 2>"$work/server1.err"
spid=$BG_PID
echo_once kernel "$STACK_IP" 7001 || fail=1
kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; spid=

echo "--- server on the kernel, client under the shim"
kernel_bg timeout 30 socat -T10 "UDP-LISTEN:7002,bind=$HOST_IP" PIPE 2>"$work/server2.err"
spid=$BG_PID
wait_for 5 sh -c "ss -lun | grep -q '$HOST_IP:7002'" || { echo "FAIL: kernel server did not bind"; fail=1; }
echo_once shim "$HOST_IP" 7002 || fail=1
kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; spid=

# one_way RECEIVER_RUNNER SENDER_RUNNER DEST PORT: UDP4-SENDTO into UDP4-RECV.
one_way() {
  local rx=$1 tx=$2 dest=$3 port=$4 msg="one way $RANDOM" i got
  : >"$work/recv.$port"
  ${rx}_bg timeout 20 socat -u "UDP4-RECV:$port,bind=$dest" "OPEN:$work/recv.$port,append" 2>"$work/recv.$port.err"
  spid=$BG_PID
  for i in $(seq 40); do
    $tx timeout 5 socat -u - "UDP4-SENDTO:$dest:$port" <<<"$msg" 2>>"$work/sendto.err" || true
    got=$(cat "$work/recv.$port")
    [ -n "$got" ] && break
    sleep 0.1
  done
  kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; spid=
  got=$(head -1 "$work/recv.$port")
  [ "$got" = "$msg" ] && { echo "received: $got"; return 0; }
  echo "FAIL: UDP4-SENDTO to $dest:$port: got '$got'"
  return 1
}
echo "--- UDP4-SENDTO on the kernel into UDP4-RECV under the shim"
one_way shim kernel "$STACK_IP" 7004 || fail=1
echo "--- UDP4-SENDTO under the shim into UDP4-RECV on the kernel"
one_way kernel shim "$HOST_IP" 7005 || fail=1
echo "--- UDP4-SENDTO under the shim with TUNSOCK_DOMAINS=unix: the kernel's socket"
narrowed() { TUNSOCK_DOMAINS=unix shim "$@"; }
one_way kernel narrowed "$HOST_IP" 7006 || fail=1

tun_stop
log=$work/daemon.log
grep -q "In  IP $HOST_IP\.[0-9]* > $STACK_IP\.7001: UDP, length [0-9]*" "$log" || { echo "FAIL: datagram to 7001 not traced"; fail=1; }
grep -q "Out IP $STACK_IP\.7001 > $HOST_IP\.[0-9]*: UDP, length [0-9]*" "$log" || { echo "FAIL: echo from 7001 not traced"; fail=1; }
grep -q "Out IP $STACK_IP\.[0-9]* > $HOST_IP\.7002: UDP, length [0-9]*" "$log" || { echo "FAIL: datagram to 7002 not traced"; fail=1; }
grep -q "In  IP $HOST_IP\.7002 > $STACK_IP\.[0-9]*: UDP, length [0-9]*" "$log" || { echo "FAIL: echo from 7002 not traced"; fail=1; }
grep -q "In  IP $HOST_IP\.[0-9]* > $STACK_IP\.7004: UDP, length [0-9]*" "$log" || { echo "FAIL: datagram to 7004 not traced"; fail=1; }
grep -q "Out IP $STACK_IP\.[0-9]* > $HOST_IP\.7005: UDP, length [0-9]*" "$log" || { echo "FAIL: datagram to 7005 not traced"; fail=1; }
if grep -q "> $HOST_IP\.7006: UDP" "$log"; then echo "FAIL: TUNSOCK_DOMAINS=unix: the datagram to 7006 crossed the stack"; fail=1; fi
if [ $fail -ne 0 ]; then
  for f in "$work"/*.err; do echo "--- $f"; cat "$f"; done
  echo "--- daemon log (tail)"; tail -40 "$work/daemon.log"
fi
exit $fail
