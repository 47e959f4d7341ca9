#!/usr/bin/env bash
# dig and nslookup under the shim ask a DNS responder on the host side of the
# TUN device (dnsmasq answering example.test names itself, no upstream), in a
# namespace of its own. The same query on the kernel first proves the
# responder. Their start-up TCP probe gets a kernel socket (no TCP in the
# stack yet), which both logs say.
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
  --user="$(id -un)" --pid-file="$work/dnsmasq.pid" --address=/example.test/198.18.0.99 --address=/nosuch.test/ --log-queries \
  >"$work/dnsmasq.log" 2>&1 &
dpid=$!
fail=0
ask() { "$@" timeout 10 dig "@$HOST_IP" www.example.test A +short +time=2 +tries=2 2>&1; }
wait_for 5 sh -c "ss -lun | grep -q '$HOST_IP:53 '" || { echo "FAIL: dnsmasq did not start"; cat "$work/dnsmasq.log"; exit 1; }
native=$(ask)
echo "kernel: $native"
[ "$native" = "198.18.0.99" ] || { echo "FAIL: the responder does not answer on the kernel"; fail=1; }
shimmed=$(TUNSOCK_SHIM_LOG=$work/shim.log ask shim)
echo "shim:   $shimmed"
[ "$shimmed" = "198.18.0.99" ] || { echo "FAIL: dig under the shim"; fail=1; }
# dig's start-up probe makes an inet stream socket: the stack's TCP now.
grep -q "inet stream created by pid" "$work/daemon.log" ||
  { echo "FAIL: dig's TCP probe socket is not the stack's"; fail=1; }
echo "--- nslookup under the shim"
ns=$(shim timeout 10 nslookup -timeout=2 www.example.test "$HOST_IP" 2>&1 || true)
echo "$ns"
grep -q "^Address: 198.18.0.99$" <<<"$ns" || { echo "FAIL: nslookup under the shim"; fail=1; }
grep -q "^Address:[[:space:]]*$HOST_IP#53$" <<<"$ns" || { echo "FAIL: nslookup names another server"; fail=1; }
echo "--- a name the responder does not know: NXDOMAIN, not a timeout"
nx=$(shim timeout 10 dig "@$HOST_IP" www.nosuch.test A +time=2 +tries=1 2>&1 || true)
grep -q "status: NXDOMAIN" <<<"$nx" || { echo "FAIL: no NXDOMAIN under the shim"; echo "$nx"; fail=1; }
kill "$dpid" 2>/dev/null || true; wait "$dpid" 2>/dev/null || true; dpid=
tun_stop
grep -q "Out IP $STACK_IP\.[0-9]* > $HOST_IP\.53: UDP, length [0-9]*" "$work/daemon.log" || { echo "FAIL: query not traced"; fail=1; }
grep -q "In  IP $HOST_IP\.53 > $STACK_IP\.[0-9]*: UDP, length [0-9]*" "$work/daemon.log" || { echo "FAIL: answer not traced"; fail=1; }
[ $fail -eq 0 ] || { cat "$work/dnsmasq.log"; echo "--- daemon log (tail)"; tail -40 "$work/daemon.log"; }
exit $fail
