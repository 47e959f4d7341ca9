#!/usr/bin/env bash
# The demo: installs what it needs, builds, and runs real programs over the
# stack with the launcher:
#   1. the local domain: the chapter's server and five clients
#      (tests/programs), then what the daemon logged;
#   2. IPv4 over a TUN device, inside a network namespace of its own
#      (scripts/netns.sh): ping both ways and a UDP echo with socat both ways,
#      then the daemon's packet trace in tcpdump's one-line format.
# Part 2 needs root (or CAP_NET_ADMIN) and /dev/net/tun; without them it says
# so and stops after part 1.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
scripts/install-deps.sh
scripts/build.sh >/dev/null
build=$top/build
work=$(mktemp -d /tmp/tunsock-demo.XXXXXX)
export TUNSOCK_SOCKET=$work/tunsockd.sock
dpid=
cleanup() {
  [ -n "${spid:-}" ] && kill "$spid" 2>/dev/null || true
  [ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null || true
  [ -n "${ns:-}" ] && "$top/scripts/netns.sh" down "$ns" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting tunsockd on $TUNSOCK_SOCKET (log: TUNSOCK_LOG=info)"
TUNSOCK_LOG=${TUNSOCK_LOG:-info} "$build/bin/tunsockd" --socket "$TUNSOCK_SOCKET" >"$work/daemon.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do [ -S "$TUNSOCK_SOCKET" ] && break; sleep 0.05; done

cd "$work"
echo "== tunsock chapter_server &   (the chapter's server, unmodified)"
"$build/bin/tunsock" "$build/bin/chapter_server" &
spid=$!
for _ in $(seq 100); do [ -S sockname ] && break; sleep 0.05; done
for i in 1 2 3 4 5; do
  echo "== tunsock chapter_client   (#$i)"
  "$build/bin/tunsock" "$build/bin/chapter_client"
  sleep 0.2
done
kill "$spid"; wait "$spid" 2>/dev/null || true; spid=

echo "== what tunsockd logged"
cat "$work/daemon.log"

echo
echo "== part 2: IPv4 over a TUN device, in network namespace tsk-demo"
if [ ! -c /dev/net/tun ] || ! ip netns list >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
  echo "(skipped: needs root and /dev/net/tun)"
  exit 0
fi
ns=tsk-demo
"$top/scripts/netns.sh" down "$ns" >/dev/null 2>&1 || true
"$top/scripts/netns.sh" up "$ns"
inns() { ip netns exec "$ns" "$@"; }
export TUNSOCK_SOCKET=$work/tun.sock
echo "== tunsockd --tun $ns --address 198.18.0.2/24 --gateway 198.18.0.1   (log: TUNSOCK_LOG=info,ip=debug)"
TUNSOCK_LOG=info,ip=debug inns "$build/bin/tunsockd" --socket "$TUNSOCK_SOCKET" \
  --tun "$ns" --address 198.18.0.2/24 --gateway 198.18.0.1 >"$work/tun-daemon.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do [ -S "$TUNSOCK_SOCKET" ] && break; sleep 0.05; done
echo "== tunsock ping -c 3 198.18.0.1   (Debian's ping, unmodified, over the stack)"
inns "$build/bin/tunsock" ping -c 3 -i 0.2 198.18.0.1
echo "== ping -c 3 198.18.0.2   (the namespace's kernel pings the stack)"
inns ping -c 3 -i 0.2 198.18.0.2
echo "== socat UDP echo: server under tunsock on 198.18.0.2:7000, client on the kernel"
inns "$build/bin/tunsock" timeout 10 socat -T5 UDP-LISTEN:7000,bind=198.18.0.2 PIPE &
epid=$!
sleep 0.3
echo "hello from the kernel" | inns timeout 5 socat -T1 - UDP:198.18.0.2:7000
kill "$epid" 2>/dev/null; wait "$epid" 2>/dev/null || true
echo "== socat UDP echo: server on the kernel at 198.18.0.1:7001, client under tunsock"
inns timeout 10 socat -T5 UDP-LISTEN:7001,bind=198.18.0.1 PIPE &
epid=$!
sleep 0.3
echo "hello from the stack" | inns "$build/bin/tunsock" timeout 5 socat -T1 - UDP:198.18.0.1:7001
kill "$epid" 2>/dev/null; wait "$epid" 2>/dev/null || true
kill "$dpid"; wait "$dpid" 2>/dev/null || true; dpid=
echo "== what tunsockd logged (its packet trace is the ip logger at debug)"
cat "$work/tun-daemon.log"
