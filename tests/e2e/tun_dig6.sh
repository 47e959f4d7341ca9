#!/usr/bin/env bash
# dig -6 under the shim asks a kernel dnsmasq on [2001:db8::1] over the
# stack's UDP over IPv6 (AAAA and A records of example.test, NXDOMAIN for
# nosuch.test), and once over TCP (+tcp); the same AAAA query on the kernel
# first proves the responder. The daemon's trace shows the IPv6 queries and
# answers in tcpdump's format, and its --pcap file holds them for tcpdump -r
# (LINKTYPE_RAW carries IPv6 as IPv4). The namespace's kernel refuses IPv6 through
# lo: a query that fell through to the kernel gets no answer.
# Usage: tun_dig6.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tun_ip6_lib.sh"
tun_enter_netns "$@"
IP6_PCAP=dig6.pcap ip6_begin tun-dig6

fail=0
kernel_bg dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces --listen-address="$HOST_IP6" --port=53 \
  --user="$(id -un)" --pid-file="$work/dnsmasq.pid" --address=/example.test/2001:db8::99 \
  --address=/example.test/198.18.0.99 --address=/nosuch.test/ --log-queries
dp=$BG_PID
wait_for 5 sh -c "ss -lun | grep -q '\[$HOST_IP6\]:53 '" || { echo "FAIL: dnsmasq did not start"; exit 1; }
# ask TYPE [shim] [DIG_OPTION...]: dig's short answer, on the kernel or under the shim.
ask() {
  local type=$1 run=()
  shift
  if [ "${1:-}" = shim ]; then run=(shim); shift; fi
  "${run[@]}" timeout 10 dig -6 "@$HOST_IP6" www.example.test "$type" +short +time=2 +tries=2 "$@" 2>&1
}
native=$(on_kernel_via_lo ask AAAA) || true
echo "kernel: $native"
[ "$native" = "2001:db8::99" ] || { echo "FAIL: the responder does not answer on the kernel"; fail=1; }
out=$(ask AAAA shim) || true
echo "shim AAAA: $out"
[ "$out" = "2001:db8::99" ] || { echo "FAIL: dig -6 AAAA under the shim"; fail=1; }
out=$(ask A shim) || true
echo "shim A:    $out"
[ "$out" = "198.18.0.99" ] || { echo "FAIL: dig -6 A under the shim"; fail=1; }
out=$(ask AAAA shim +tcp) || true
echo "shim +tcp: $out"
[ "$out" = "2001:db8::99" ] || { echo "FAIL: dig -6 +tcp AAAA under the shim"; fail=1; }
nx=$(shim timeout 10 dig -6 "@$HOST_IP6" www.nosuch.test AAAA +time=2 +tries=1 2>&1 || true)
grep -q "status: NXDOMAIN" <<<"$nx" || { echo "FAIL: no NXDOMAIN under the shim"; echo "$nx"; fail=1; }
grep -q "SERVER: $HOST_IP6#53($HOST_IP6)" <<<"$nx" || { echo "FAIL: dig names another server"; echo "$nx"; fail=1; }
stop_bg "$dp"
grep -q "Out IP6 $STACK_IP6\.[0-9]* > $HOST_IP6\.53: .*UDP, length [0-9]*" "$work/daemon.log" ||
  { echo "FAIL: IPv6 query not traced"; fail=1; }
grep -q "In  IP6 $HOST_IP6\.53 > $STACK_IP6\.[0-9]*: .*UDP, length [0-9]*" "$work/daemon.log" ||
  { echo "FAIL: IPv6 answer not traced"; fail=1; }
# --pcap wrote the IPv6 packets whole: tcpdump decodes the DNS in them.
tun_stop
pc=$(tcpdump -n -r "$work/dig6.pcap" 2>/dev/null || true)
grep -q "IP6 $STACK_IP6\.[0-9]* > $HOST_IP6\.53: [0-9]*+.* AAAA? www\.example\.test\. ([0-9]*)$" <<<"$pc" ||
  { echo "FAIL: --pcap: no AAAA query over IPv6 in tcpdump -r"; head -20 <<<"$pc"; fail=1; }
grep -q "IP6 $HOST_IP6\.53 > $STACK_IP6\.[0-9]*: [0-9]**.* AAAA 2001:db8::99 ([0-9]*)$" <<<"$pc" ||
  { echo "FAIL: --pcap: no AAAA answer over IPv6 in tcpdump -r"; head -20 <<<"$pc"; fail=1; }
grep -q "IP6 $STACK_IP6\.[0-9]* > $HOST_IP6\.53: Flags \[S\]" <<<"$pc" ||
  { echo "FAIL: --pcap: no TCP SYN over IPv6 (dig +tcp) in tcpdump -r"; fail=1; }
[ "$fail" -ne 0 ] || echo "ok: --pcap holds the IPv6 DNS queries, answers and the +tcp handshake (tcpdump -r)"
ip6_end_check $fail
