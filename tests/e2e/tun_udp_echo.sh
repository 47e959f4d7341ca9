#!/usr/bin/env bash
# UDP echo with socat over TUN, both ways, in a namespace of its own:
#   server under the shim (10.77.0.2), client on the kernel (10.77.0.1);
#   server on the kernel, client under the shim.
# Usage: tun_udp_echo.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/tun_ns.sh"
tun_enter_netns "$@"

work=$(mktemp -d /tmp/tunsock-tun-udp.XXXXXX)
spid=
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null || true
  tun_stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
tun_start "$work"

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
shim timeout 30 socat -T10 "UDP-LISTEN:7001,bind=$STACK_IP" PIPE 2>"$work/server1.err" &
spid=$!
echo_once kernel "$STACK_IP" 7001 || fail=1
kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; spid=

echo "--- server on the kernel, client under the shim"
timeout 30 socat -T10 "UDP-LISTEN:7002,bind=$HOST_IP" PIPE 2>"$work/server2.err" &
spid=$!
wait_for 5 sh -c "ss -lun | grep -q '$HOST_IP:7002'" || { echo "FAIL: kernel server did not bind"; fail=1; }
echo_once shim "$HOST_IP" 7002 || fail=1
kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; spid=

tun_stop
grep -q "In  IP $HOST_IP\.[0-9]* > $STACK_IP\.7001: UDP" "$work/daemon.log" || { echo "FAIL: datagram to 7001 not traced"; fail=1; }
grep -q "Out IP $STACK_IP\.[0-9]* > $HOST_IP\.7002: UDP" "$work/daemon.log" || { echo "FAIL: datagram to 7002 not traced"; fail=1; }
if [ $fail -ne 0 ]; then
  for f in "$work"/*.err; do echo "--- $f"; cat "$f"; done
  echo "--- daemon log (tail)"; tail -40 "$work/daemon.log"
fi
exit $fail
