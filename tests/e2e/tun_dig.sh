#!/usr/bin/env bash
# dig under the shim asks a DNS responder on the host side of the TUN device
# (dnsmasq answering example.test names itself, no upstream), in a namespace
# of its own. The same query on the kernel first proves the responder.
# Usage: tun_dig.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/tun_ns.sh"
tun_enter_netns "$@"

work=$(mktemp -d /tmp/tunsock-tun-dig.XXXXXX)
dpid=
cleanup() {
  [ -n "$dpid" ] && kill "$dpid" 2>/dev/null || true
  tun_stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
tun_start "$work"

dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces --listen-address="$HOST_IP" --port=53 \
  --user="$(id -un)" --pid-file="$work/dnsmasq.pid" --address=/example.test/10.77.0.99 --log-queries \
  >"$work/dnsmasq.log" 2>&1 &
dpid=$!
fail=0
ask() { "$@" timeout 10 dig "@$HOST_IP" www.example.test A +short +time=2 +tries=2 2>&1; }
wait_for 5 sh -c "ss -lun | grep -q '$HOST_IP:53 '" || { echo "FAIL: dnsmasq did not start"; cat "$work/dnsmasq.log"; exit 1; }
native=$(ask)
echo "kernel: $native"
[ "$native" = "10.77.0.99" ] || { echo "FAIL: the responder does not answer on the kernel"; fail=1; }
shimmed=$(ask shim)
echo "shim:   $shimmed"
[ "$shimmed" = "10.77.0.99" ] || { echo "FAIL: dig under the shim"; fail=1; }
kill "$dpid" 2>/dev/null || true; wait "$dpid" 2>/dev/null || true; dpid=
tun_stop
grep -q "Out IP $STACK_IP\.[0-9]* > $HOST_IP\.53: UDP" "$work/daemon.log" || { echo "FAIL: query not traced"; fail=1; }
[ $fail -eq 0 ] || { cat "$work/dnsmasq.log"; echo "--- daemon log (tail)"; tail -40 "$work/daemon.log"; }
exit $fail
