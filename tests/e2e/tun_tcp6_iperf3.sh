#!/usr/bin/env bash
# iperf3 -6 client under the shim against a kernel iperf3 server on
# [2001:db8::1], both directions (-R: the server sends), 3 s each, over the
# stack's TCP over IPv6; prints the receiver's throughput of each (a first
# figure, not a goal) and checks the server saw the stack's IPv6 address.
# The namespace's kernel refuses IPv6 through lo (a fall-through fails).
# Usage: tun_tcp6_iperf3.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tun_ip6_lib.sh"
tun_enter_netns "$@"
ip6_begin tun-tcp6-iperf

fail=0
kernel_listening6() { ss -ltn | grep -q " \[$1\]:$2 "; }
kernel_bg timeout 120 iperf3 -s -B "$HOST_IP6" -p 5201 >"$work/server.out" 2>"$work/server.err"
sp=$BG_PID
wait_for 10 kernel_listening6 "$HOST_IP6" 5201 || { echo "FAIL: iperf3 server did not listen"; fail=1; }
for dir in "" "-R"; do
  what="client under the shim sends"
  [ "$dir" = -R ] && what="kernel server sends (-R)"
  if shim timeout 40 iperf3 -6 -c "$HOST_IP6" -p 5201 -t 3 $dir >"$work/client$dir.out" 2>"$work/client$dir.err"; then
    rate=$(grep -E "receiver$" "$work/client$dir.out" | tail -1 | awk '{ for (i = 1; i < NF; i++) if ($(i+1) ~ /bits\/sec/) print $i, $(i+1) }')
    echo "ok: $what: $rate"
    grep -q "local $STACK_IP6 port [0-9]* connected to $HOST_IP6 port 5201" "$work/client$dir.out" ||
      { echo "FAIL: $what: the client's data connection is not $STACK_IP6 -> $HOST_IP6"; fail=1; }
  else
    echo "FAIL: $what"; tail -n 5 "$work/client$dir.out" "$work/client$dir.err" || true; fail=1
  fi
done
stop_bg "$sp"
n=$(grep -c "Accepted connection from $STACK_IP6, port" "$work/server.out" || true)
[ "$n" -ge 2 ] || { echo "FAIL: the server accepted $n connections from $STACK_IP6 (want 2)"; fail=1; }
ip6_end_check $fail
