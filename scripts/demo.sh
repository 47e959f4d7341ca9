#!/usr/bin/env bash
# The demo: installs what it needs, builds, and runs real programs over the
# stack with the launcher:
#   1. the local domain: the chapter's server and five clients
#      (tests/programs), then what the daemon logged;
#   2. IPv4 and IPv6 over a TUN device, inside a network namespace of its
#      own (scripts/netns.sh; the stack 198.18.0.2 and 2001:db8::2, the
#      namespace's kernel 198.18.0.1 and 2001:db8::1): ping both ways and a
#      UDP echo with socat both ways, and TCP: `tunsock curl` over the
#      stack's TCP to python3's http.server on the namespace's kernel, over
#      IPv4 and with `curl -6` over IPv6; then the daemon's packet trace in
#      tcpdump's one-line format, and the TCP conversations' lines by
#      themselves.
# Part 2 needs root (or CAP_NET_ADMIN) and /dev/net/tun; without them it says
# so and stops after part 1. It leaves nothing running: programs stop before
# their daemon, each by its own pid, and an exit or interrupt at any point
# stops what runs and removes the namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
scripts/install-deps.sh
scripts/build.sh >/dev/null
build=$top/build
work=$(mktemp -d /tmp/tunsock-demo.XXXXXX)
export TUNSOCK_SOCKET=$work/tunsockd.sock
ns=tsk-demo

# Every process the demo starts, by its own pid; programs are stopped before
# the daemons they talk to (a program whose daemon went away first reports
# ENETDOWN), and each is waited for, so nothing outlives the demo.
local_pid='' tun_pid='' prog_pid='' made_ns=''
stop() {  # stop PID: SIGTERM, wait (bounded), SIGKILL if it lingers
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop "$prog_pid"; prog_pid=
  stop "$tun_pid"; tun_pid=
  stop "$local_pid"; local_pid=
  if [ -n "$made_ns" ]; then "$top/scripts/netns.sh" down "$ns" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
wait_socket() { for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.05; done; echo "no $1" >&2; return 1; }

echo "== starting tunsockd on $TUNSOCK_SOCKET (log: TUNSOCK_LOG=info)"
TUNSOCK_LOG=${TUNSOCK_LOG:-info} "$build/bin/tunsockd" --socket "$TUNSOCK_SOCKET" >"$work/daemon.log" 2>&1 &
local_pid=$!
wait_socket "$TUNSOCK_SOCKET"

cd "$work"
echo "== tunsock chapter_server &   (the chapter's server, unmodified)"
"$build/bin/tunsock" "$build/bin/chapter_server" &
prog_pid=$!
for _ in $(seq 100); do [ -S sockname ] && break; sleep 0.05; done
for i in 1 2 3 4 5; do
  echo "== tunsock chapter_client   (#$i)"
  "$build/bin/tunsock" "$build/bin/chapter_client"
  sleep 0.2
done
stop "$prog_pid"; prog_pid=
stop "$local_pid"; local_pid=

echo "== what tunsockd logged"
cat "$work/daemon.log"

echo
echo "== part 2: IPv4 and IPv6 over a TUN device, in network namespace $ns"
if [ ! -c /dev/net/tun ] || ! ip netns list >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
  echo "(skipped: needs root and /dev/net/tun)"
  exit 0
fi
"$top/scripts/netns.sh" down "$ns" >/dev/null 2>&1 || true
made_ns=1
"$top/scripts/netns.sh" up "$ns"
# `ip netns exec` execs its command, and so does tunsock: $! is the program.
inns() { ip netns exec "$ns" "$@"; }
# netns.sh makes the link IPv4-only; the demo's kernel side gets IPv6 too
# (no DAD: a TUN device is NOARP).
inns sysctl -qw "net.ipv6.conf.$ns.disable_ipv6=0"
inns ip -6 addr add 2001:db8::1/64 dev "$ns" nodad
export TUNSOCK_SOCKET=$work/tun.sock
echo "== tunsockd --tun $ns --address 198.18.0.2/24 --address 2001:db8::2/64 --gateway 198.18.0.1"
echo "     --gateway 2001:db8::1   (log: TUNSOCK_LOG=info,ip=debug)"
echo "   (it serves unix, inet and inet6: programs under tunsock get all three, nothing to set)"
TUNSOCK_LOG=info,ip=debug ip netns exec "$ns" "$build/bin/tunsockd" --socket "$TUNSOCK_SOCKET" \
  --tun "$ns" --address 198.18.0.2/24 --address 2001:db8::2/64 --gateway 198.18.0.1 --gateway 2001:db8::1 \
  >"$work/tun-daemon.log" 2>&1 &
tun_pid=$!
wait_socket "$TUNSOCK_SOCKET"
echo "== tunsock ping -c 3 198.18.0.1   (Debian's ping, unmodified, over the stack)"
inns "$build/bin/tunsock" ping -c 3 -i 0.2 198.18.0.1
echo "== ping -c 3 198.18.0.2   (the namespace's kernel pings the stack)"
inns ping -c 3 -i 0.2 198.18.0.2
# udp_echo SERVER_RUNNER BIND CLIENT_RUNNER PORT MESSAGE: a socat echo server
# (PIPE), one datagram from a socat client, then the server stopped.
udp_echo() {
  local srv=$1 addr=$2 cli=$3 port=$4 msg=$5
  ip netns exec "$ns" ${srv:+"$srv"} socat UDP-LISTEN:"$port",bind="$addr" PIPE &
  prog_pid=$!
  if [ -z "$srv" ]; then  # the kernel's socket shows in its table; the stack's does not
    for _ in $(seq 100); do inns ss -lun | grep -q "$addr:$port" && break; sleep 0.05; done
  else
    sleep 0.3
  fi
  echo "$msg" | ip netns exec "$ns" ${cli:+"$cli"} timeout 5 socat -T1 - UDP:"$addr":"$port"
  stop "$prog_pid"; prog_pid=
}
echo "== socat UDP echo: server under tunsock on 198.18.0.2:7000, client on the kernel"
udp_echo "$build/bin/tunsock" 198.18.0.2 "" 7000 "hello from the kernel"
echo "== socat UDP echo: server on the kernel at 198.18.0.1:7001, client under tunsock"
udp_echo "" 198.18.0.1 "$build/bin/tunsock" 7001 "hello from the stack"
echo "== TCP: tunsock curl http://198.18.0.1:8080/hello.txt   (curl over the stack's TCP,"
echo "   to python3 -m http.server --bind :: on the namespace's kernel)"
mkdir -p "$work/www"
echo "hello over the stack's TCP" >"$work/www/hello.txt"
ip netns exec "$ns" python3 -m http.server 8080 --bind :: --directory "$work/www" \
  >"$work/http.log" 2>&1 &
prog_pid=$!
for _ in $(seq 100); do inns ss -ltn | grep -q "\*:8080 " && break; sleep 0.05; done
inns "$build/bin/tunsock" curl -sS --max-time 10 http://198.18.0.1:8080/hello.txt
echo "== IPv6: tunsock curl -6 'http://[2001:db8::1]:8080/hello.txt'   (the stack's TCP over IPv6)"
inns "$build/bin/tunsock" curl -6 -sS --max-time 10 'http://[2001:db8::1]:8080/hello.txt'
stop "$prog_pid"; prog_pid=
echo "   (the server's log:"
tail -2 "$work/http.log" | sed 's/^/    /'
echo "   )"
stop "$tun_pid"; tun_pid=
echo "== what tunsockd logged (its packet trace is the ip logger at debug)"
cat "$work/tun-daemon.log"
echo
echo "== the TCP conversations alone, IPv4 then IPv6: handshake, request, reply, close (port 8080)"
grep -E "\.8080[ :]" "$work/tun-daemon.log" || true
made_ns=
"$top/scripts/netns.sh" down "$ns"
