#!/usr/bin/env bash
# dig -6 under the shim asks a kernel dnsmasq on [2001:db8::1] over the
# stack's UDP over IPv6 (AAAA and A records of example.test, NXDOMAIN for
# nosuch.test), and once over TCP (+tcp); the same AAAA query on the kernel
# first proves the responder. The daemon's trace shows the IPv6 queries and
# answers in tcpdump's format. The namespace's kernel refuses IPv6 through
# lo: a query that fell through to the kernel gets no answer.
# Usage: tun_dig6.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tun_ip6_lib.sh"
tun_enter_netns "$@"
ip6_begin tun-dig6

fail=0
kernel_bg dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces --listen-address="$HOST_IP6" --port=53 \
  --user="$(id -un)" --pid-file="$work/dnsmasq.pid" --address=/example.test/2001:db8::99 \
  --address=/example.test/198.18.0.99 --address=/nosuch.test/ --log-queries
dp=$BG_PID
wait_for 5 sh -c "ss -lun | grep -q '\[$HOST_IP6\]:53 '" || { echo "FAIL: dnsmasq did not start"; exit 1; }
ask() { local type=$1; shift; "$@" timeout 10 dig -6 "@$HOST_IP6" www.example.test "$type" +short +time=2 +tries=2 2>&1; }
native=$(ask AAAA)
echo "kernel: $native"
[ "$native" = "2001:db8::99" ] || { echo "FAIL: the responder does not answer on the kernel"; fail=1; }
# The kernel's own query went through lo: let the fall-through check count
# only the program side's.
nft reset counters table inet tsk >/dev/null
out=$(ask AAAA shim)
echo "shim AAAA: $out"
[ "$out" = "2001:db8::99" ] || { echo "FAIL: dig -6 AAAA under the shim"; fail=1; }
out=$(ask A shim)
echo "shim A:    $out"
[ "$out" = "198.18.0.99" ] || { echo "FAIL: dig -6 A under the shim"; fail=1; }
out=$(ask AAAA shim +tcp)
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
ip6_end_check $fail
