#!/usr/bin/env bash
# ping -6 under the shim to the host side of the TUN device (2001:db8::1), in
# both of ping's modes, as the host's net.ipv4.ping_group_range decides
# (iputils tries a ping socket first, a raw ICMPv6 socket when that is
# refused; the daemon reads the range at start, as the kernel's rule):
#   range "0 2147483647": socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6);
#   range "1 0" (no group), as root: socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
# three 56-byte echoes each, and 2000-byte ones (fragmented both ways at MTU
# 1500). The second daemon runs with --pcap: tcpdump reads the IPv6 echoes
# back from the file. The namespace's kernel refuses IPv6 through lo (a ping
# that fell through to the kernel would get no reply).
# Usage: tun_ping6_shim.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tun_ip6_lib.sh"
tun_enter_netns "$@"

fail=0
# check WHAT SIZE OUTPUT: "SIZE+8 bytes from 2001:db8::1: icmp_seq=N ttl=64", 3 of 3.
check() {
  local what=$1 size=$2 out=$3 n
  for n in 1 2 3; do
    grep -q "^$((size + 8)) bytes from $HOST_IP6: icmp_seq=$n ttl=64 time=[0-9.]* ms$" <<<"$out" ||
      { echo "FAIL: $what: no reply line for icmp_seq=$n"; fail=1; }
  done
  grep -q '3 packets transmitted, 3 received, 0% packet loss' <<<"$out" ||
    { echo "FAIL: $what: not 3 of 3"; fail=1; }
}
# run_ping MODE WANT_TYPE: both sizes under the shim, and the socket it made.
run_ping() {
  local mode=$1 want=$2 out size
  for size in 56 2000; do
    rm -f "$work/calls.log"
    out=$(TUNSOCK_SHIM_LOG=$work/calls.log shim timeout 20 ping -6 -n -c 3 -i 0.2 -W 2 -s "$size" "$HOST_IP6" 2>&1) || true
    echo "$out"
    check "ping -6 -s $size ($mode)" "$size" "$out"
    if grep -qE "^(\[pid +[0-9]+\] )?socket\(AF_INET6, $want, IPPROTO_ICMPV6\) = [0-9]" "$work/calls.log"; then
      echo "ok: ping -6 -s $size made socket(AF_INET6, $want, IPPROTO_ICMPV6) in the stack"
    else
      echo "FAIL: ping -6 ($mode): no socket(AF_INET6, $want, IPPROTO_ICMPV6) in the call log"
      grep "^socket" "$work/calls.log" || true
      fail=1
    fi
  done
}

echo "--- ping socket mode (net.ipv4.ping_group_range 0 2147483647)"
sysctl -qw net.ipv4.ping_group_range="0 2147483647"
ip6_begin tun-ping6-shim
run_ping "ping socket" SOCK_DGRAM
grep -q "inet6 dgram created by pid" "$work/daemon.log" || { echo "FAIL: no inet6 dgram socket in the daemon's log"; fail=1; }
tun_stop
log=$work/daemon.log
grep -q "Out IP6 $STACK_IP6 > $HOST_IP6: ICMP6, echo request" "$log" || { echo "FAIL: no echo request traced"; fail=1; }
grep -q "In  IP6 $HOST_IP6 > $STACK_IP6: ICMP6, echo reply" "$log" || { echo "FAIL: no echo reply traced"; fail=1; }
n=$(grep -cE "Out IP6 $STACK_IP6 > $HOST_IP6: +frag" "$log" || true)
[ "$n" -ge 6 ] || { echo "FAIL: $n outgoing fragments traced (want 6: three 2008-byte echoes at MTU 1500)"; fail=1; }
mv "$log" "$work/daemon-dgram.log"

echo "--- raw socket mode (ping_group_range 1 0, root), daemon with --pcap"
sysctl -qw net.ipv4.ping_group_range="1 0"
IP6_EXTRA_ARGS="--pcap $work/ping6.pcap" ip6_daemon
run_ping "raw socket" SOCK_RAW
grep -q "inet6 raw created by pid" "$work/daemon.log" || { echo "FAIL: no inet6 raw socket in the daemon's log"; fail=1; }
tun_stop
pc=$(tcpdump -n -r "$work/ping6.pcap" 2>/dev/null || true)
req=$(grep -c "IP6 $STACK_IP6 > $HOST_IP6: ICMP6, echo request, id [0-9]*, seq [123], length 64$" <<<"$pc" || true)
rep=$(grep -c "IP6 $HOST_IP6 > $STACK_IP6: ICMP6, echo reply, id [0-9]*, seq [123], length 64$" <<<"$pc" || true)
if [ "$req" -eq 3 ] && [ "$rep" -eq 3 ]; then
  echo "ok: --pcap holds the three 64-byte echo requests and replies (tcpdump -r)"
else
  echo "FAIL: --pcap: $req echo requests, $rep replies of 64 bytes (want 3 and 3)"; head -20 <<<"$pc"; fail=1
fi
fr=$(grep -c "IP6 $STACK_IP6 > $HOST_IP6: frag" <<<"$pc" || true)
[ "$fr" -ge 6 ] || { echo "FAIL: --pcap: $fr outgoing IPv6 fragments (want 6)"; fail=1; }
# Every record is a whole IPv6 packet tcpdump parses (none truncated).
if grep -q "truncated\|bad-len\|\[|" <<<"$pc"; then echo "FAIL: --pcap: damaged records"; fail=1; fi

ip6_end_check $fail
