#!/usr/bin/env bash
# ping -6 over TUN: the host side (the namespace's kernel, 2001:db8::1/64 on
# the TUN device, DAD off so the address is usable at once) pings the stack
# (--address 2001:db8::2/64): three 64-byte echoes, then three of 2000
# bytes, which the kernel fragments on the way in and the stack fragments on
# the way out (MTU 1500). The daemon's log shows the packets in tcpdump's
# format, and the replies' fragments.
# Usage: tun_ping6.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/tun_ns.sh"
tun_enter_netns "$@"

STACK_IP6=2001:db8::2
HOST_IP6=2001:db8::1
TUN_EXTRA_ARGS="--address $STACK_IP6/64 --gateway $HOST_IP6"
tun_begin ping6

# tun_start leaves IPv6 off on new links; this one carries it.
sysctl -qw "net.ipv6.conf.$TUN_DEV.disable_ipv6=0"
sysctl -qw "net.ipv6.conf.$TUN_DEV.accept_dad=0"
ip -6 addr add "$HOST_IP6/64" dev "$TUN_DEV" nodad
ip link set "$TUN_DEV" up

fail=0
# check SIZE OUTPUT: three replies "SIZE+8 bytes from 2001:db8::2:
# icmp_seq=N ttl=64 time=T ms", 3 of 3.
check() {
  local size=$1 out=$2 n
  for n in 1 2 3; do
    grep -q "^$((size + 8)) bytes from $STACK_IP6: icmp_seq=$n ttl=64 time=[0-9.]* ms$" <<<"$out" ||
      { echo "FAIL: ping -s $size: no reply line for icmp_seq=$n"; fail=1; }
  done
  grep -q '3 packets transmitted, 3 received, 0% packet loss' <<<"$out" ||
    { echo "FAIL: ping -s $size: not 3 of 3"; fail=1; }
}

out=$(timeout 20 ping -6 -c 3 -i 0.2 -W 2 "$STACK_IP6" 2>&1) || true
echo "$out"
check 56 "$out"
out=$(timeout 20 ping -6 -c 3 -i 0.2 -W 2 -s 2000 "$STACK_IP6" 2>&1) || true
echo "$out"
check 2000 "$out"

tun_stop
log=$work/daemon.log
grep -q "In  IP6 $HOST_IP6 > $STACK_IP6: ICMP6, echo request" "$log" || { echo "FAIL: no echo request traced"; fail=1; }
grep -q "Out IP6 $STACK_IP6 > $HOST_IP6: ICMP6, echo reply" "$log" || { echo "FAIL: no echo reply traced"; fail=1; }
# The 2000-byte exchange: two fragments per echo each way (MTU 1500: 1456 +
# 568 bytes). tcpdump prints "frag (0|1448) ..."; the trace's formatter
# (wire/ip6.cpp) prints the fragment header as "ip-proto-44 LEN" for now.
for dir in "In  IP6 $HOST_IP6 > $STACK_IP6" "Out IP6 $STACK_IP6 > $HOST_IP6"; do
  n=$(grep -cE "$dir: +(frag|ip-proto-44)" "$log" || true)
  [ "$n" -ge 6 ] || { echo "FAIL: $n fragments traced for '$dir' (want 6)"; fail=1; }
done
if [ "$fail" -ne 0 ]; then
  grep "IP6\|inet6\|error" "$log" | head -40
  exit 1
fi
echo "PASS: ping -6 over TUN, 64 and 2008 bytes, fragments both ways"
