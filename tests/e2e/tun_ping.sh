#!/usr/bin/env bash
# ping over TUN, both ways, in a namespace of its own: the host side (the
# namespace's kernel) pings the stack, and ping under the shim pings the host
# side, once with a raw socket (net.ipv4.ping_group_range "1 0", the new
# namespace's default: ping falls back to SOCK_RAW as on the kernel) and once
# with a ping socket (range opened; IP_RECVTTL and SO_TIMESTAMP cmsgs through
# the channel). ping's own lines are checked (icmp_seq, ttl=64, sane times),
# an unreachable network is reported through the error queue
# (IP_RECVERR, MSG_ERRQUEUE), and the daemon's log shows the packets in
# tcpdump's one-line format.
# Usage: tun_ping.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/tun_ns.sh"
tun_enter_netns "$@"

work=$(mktemp -d /tmp/tunsock-tun-ping.XXXXXX)
cleanup() { tun_stop 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

fail=0
# check_replies WHO OUTPUT FROM: three echo lines "64 bytes from FROM:
# icmp_seq=N ttl=64 time=T ms" with N = 1..3 and 0 < T < 2000, nothing odd.
check_replies() {
  local who=$1 out=$2 from=$3 n t
  for n in 1 2 3; do
    t=$(sed -n "s/^64 bytes from $from: icmp_seq=$n ttl=64 time=\([0-9.]*\) ms$/\1/p" <<<"$out")
    if [ -z "$t" ]; then
      echo "FAIL: $who: no 'icmp_seq=$n ttl=64 time=... ms' line from $from"
      fail=1
    elif ! awk -v t="$t" 'BEGIN { exit !(t > 0 && t < 2000) }'; then
      echo "FAIL: $who: icmp_seq=$n time=$t ms"
      fail=1
    fi
  done
  grep -q '3 packets transmitted, 3 received, 0% packet loss' <<<"$out" || { echo "FAIL: $who: not 3 of 3"; fail=1; }
  if grep -qiE 'warning|goes back|ttl=0|error' <<<"$out"; then echo "FAIL: $who: unexpected output"; fail=1; fi
}

# icmp_error WHO DEST WHAT [PING OPTIONS]: ping under the shim to DEST, which
# the host side answers with an ICMP error; ping reads it from the error
# queue (IP_RECVERR, MSG_ERRQUEUE) and prints "From 198.18.0.1 icmp_seq=N WHAT".
icmp_error() {
  local who=$1 dest=$2 what=$3 out n
  shift 3
  out=$(shim timeout 15 ping -c 2 -i 0.3 -W 1 "$@" "$dest" 2>&1) || true
  echo "$out"
  for n in 1 2; do
    grep -q "^From $HOST_IP icmp_seq=$n $what$" <<<"$out" || { echo "FAIL: $who: no '$what' for icmp_seq=$n"; fail=1; }
  done
  grep -q "2 packets transmitted, 0 received, +2 errors" <<<"$out" || { echo "FAIL: $who: errors not counted by ping"; fail=1; }
}

# The host side forwards: 198.19.88.1 has no route (net unreachable, which the
# kernel limits to 5 in a burst, then one a second: used twice only), and
# 198.19.99.1 is routed to a veth link (a TTL of 1 expires: time exceeded,
# unlimited once icmp_ratelimit is 0).
sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv4.icmp_ratelimit=0
ip link add tsk-v0 type veth peer name tsk-v1 && ip link set tsk-v0 up && ip link set tsk-v1 up &&
  ip route add 198.19.99.0/24 dev tsk-v0
echo "=== raw socket mode (ping_group_range 1 0)"
sysctl -qw net.ipv4.ping_group_range="1 0"
tun_start "$work/raw"
echo "--- host side pings the stack"
out=$(timeout 15 ping -c 3 -i 0.2 -W 2 "$STACK_IP" 2>&1) || true
echo "$out"
check_replies "kernel ping" "$out" "$STACK_IP"
echo "--- ping under the shim pings the host side"
out=$(TUNSOCK_SHIM_LOG=$work/shim-raw.log shim timeout 15 ping -c 3 -i 0.2 -W 2 "$HOST_IP" 2>&1) || true
echo "$out"
check_replies "shim ping (raw)" "$out" "$HOST_IP"
grep -q "socket(2, 3, 1) = " "$work/shim-raw.log" || { echo "FAIL: ping did not fall back to a raw socket"; fail=1; }
echo "--- an unreachable network (raw socket's error queue)"
icmp_error "shim ping (raw)" 198.19.88.1 "Destination Net Unreachable"
echo "--- a 3000-byte ping (fragmented both ways)"
out=$(timeout 10 ping -c 1 -s 3000 -W 2 "$STACK_IP" 2>&1) || true
grep -q "^3008 bytes from $STACK_IP: icmp_seq=1 ttl=64" <<<"$out" || { echo "FAIL: fragmented ping"; echo "$out"; fail=1; }
echo "--- IPv6 into the device (the stack has no inet6 yet): traced as IP6, dropped"
sysctl -qw "net.ipv6.conf.$TUN_DEV.disable_ipv6=0"
ip -6 addr add fd00:77::1/64 dev "$TUN_DEV" nodad
timeout 5 ping -6 -c 1 -W 1 fd00:77::2 >/dev/null 2>&1 || true
kill -0 "$TUNSOCKD_PID" || { echo "FAIL: daemon died on IPv6"; fail=1; }
tun_stop
log=$work/raw/daemon.log
grep -q "In  IP6 fd00:77::1 > fd00:77::2: ICMP6, echo request, id [0-9]*, seq 1, length 64" "$log" ||
  { echo "FAIL: IPv6 echo request not traced as tcpdump's IP6 line"; fail=1; }
if grep -q "IP  *\[|ip\]" "$log"; then echo "FAIL: a bogus 'IP [|ip]' line"; fail=1; fi
grep -q "$TUN_DEV counters: rx_packets=[0-9]* rx_bytes=[0-9]* rx_errors=0 rx_dropped=[1-9]" "$log" ||
  { echo "FAIL: the IPv6 packets were not counted as drops"; fail=1; }
grep -q "In  IP $HOST_IP > $STACK_IP: ICMP echo request, id [0-9]*, seq 1, length 64" "$log" || { echo "FAIL: no echo request traced"; fail=1; }
grep -q "Out IP $STACK_IP > $HOST_IP: ICMP echo reply, id [0-9]*, seq 3, length 64" "$log" || { echo "FAIL: no echo reply traced"; fail=1; }
grep -q "Out IP $STACK_IP > $HOST_IP: ICMP echo request, id [0-9]*, seq 2, length 64" "$log" || { echo "FAIL: shim's echo request not traced"; fail=1; }
grep -q "In  IP $HOST_IP > $STACK_IP: ICMP echo reply, id [0-9]*, seq 2, length 64" "$log" || { echo "FAIL: shim's echo reply not traced"; fail=1; }
[ $fail -eq 0 ] || { echo "--- daemon log (tail)"; tail -40 "$log"; }

echo "=== ping socket mode (ping_group_range 0 2147483647)"
sysctl -qw net.ipv4.ping_group_range="0 2147483647"
tun_start "$work/dgram"
out=$(TUNSOCK_SHIM_LOG=$work/shim-dgram.log shim timeout 15 ping -c 3 -i 0.2 -W 2 "$HOST_IP" 2>&1) || true
echo "$out"
check_replies "shim ping (ping socket)" "$out" "$HOST_IP"
grep -q "socket(2, 2, 1) = " "$work/shim-dgram.log" || { echo "FAIL: ping did not use a ping socket"; fail=1; }
echo "--- TTL 1 (IP_TTL) expires at the host side: ICMP error -> recvmsg error -> MSG_ERRQUEUE"
icmp_error "shim ping (ping socket)" 198.19.99.1 "Time to live exceeded" -t 1
tun_stop
log=$work/dgram/daemon.log
grep -q "In  IP $HOST_IP > $STACK_IP: ICMP time exceeded in-transit, length 92" "$log" || { echo "FAIL: time exceeded not traced"; fail=1; }
grep -q "Out IP $STACK_IP > $HOST_IP: ICMP echo request, id [0-9]*, seq 3, length 64" "$log" || { echo "FAIL: echo request not traced"; fail=1; }
[ $fail -eq 0 ] || { echo "--- daemon log (tail)"; tail -40 "$log"; }
exit $fail
