#!/usr/bin/env bash
# ping over TUN, both ways, in a namespace of its own: the host side (the
# namespace's kernel) pings the stack, and ping under the shim pings the host
# side. The daemon's log must show the echoes in tcpdump's one-line format.
# Usage: tun_ping.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/tun_ns.sh"
tun_enter_netns "$@"

work=$(mktemp -d /tmp/tunsock-tun-ping.XXXXXX)
cleanup() { tun_stop 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
tun_start "$work"

fail=0
echo "--- host side pings the stack"
timeout 15 ping -c 3 -i 0.2 -W 2 "$STACK_IP" || { echo "FAIL: kernel ping to the stack"; fail=1; }
echo "--- ping under the shim pings the host side"
out=$(shim timeout 15 ping -c 3 -i 0.2 -W 2 "$HOST_IP" 2>&1) || { echo "FAIL: ping under the shim"; fail=1; }
echo "$out"
grep -q '3 received' <<<"$out" || { echo "FAIL: shim ping did not get 3 replies"; fail=1; }
echo "--- a 3000-byte ping (fragmented both ways)"
timeout 10 ping -c 1 -s 3000 -W 2 "$STACK_IP" >/dev/null || { echo "FAIL: fragmented ping"; fail=1; }
tun_stop
grep -q "In  IP $HOST_IP > $STACK_IP: ICMP echo request" "$work/daemon.log" || { echo "FAIL: no echo request traced"; fail=1; }
grep -q "Out IP $STACK_IP > $HOST_IP: ICMP echo reply" "$work/daemon.log" || { echo "FAIL: no echo reply traced"; fail=1; }
grep -q "Out IP $STACK_IP > $HOST_IP: ICMP echo request" "$work/daemon.log" || { echo "FAIL: shim's echo request not traced"; fail=1; }
[ $fail -eq 0 ] || { echo "--- daemon log (tail)"; tail -40 "$work/daemon.log"; }
exit $fail
