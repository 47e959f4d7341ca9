#!/usr/bin/env bash
# iperf3 client under the shim against a kernel iperf3 server, both
# directions (-R: the server sends), 3 s each; prints the receiver's
# throughput of each (a first figure, not a goal).
# Usage: tun_tcp_iperf3.sh BUILD_DIR   (TSK_BOTH_KERNEL=1: all on the kernel)
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tun_tcp_lib.sh"
tun_enter_netns "$@"
tcp_begin tun-tcp-iperf

fail=0
kernel_bg timeout 120 iperf3 -s -B "$HOST_IP" -p 5201 >"$work/server.out" 2>"$work/server.err"
sp=$BG_PID
wait_for 10 kernel_listening "$HOST_IP" 5201 || { echo "FAIL: iperf3 server did not listen"; fail=1; }
for dir in "" "-R"; do
  what="client under the shim sends"
  [ "$dir" = -R ] && what="kernel server sends (-R)"
  if shim timeout 40 iperf3 -c "$HOST_IP" -p 5201 -t 3 $dir >"$work/client$dir.out" 2>"$work/client$dir.err"; then
    rate=$(grep -E "receiver$" "$work/client$dir.out" | tail -1 | awk '{ for (i = 1; i < NF; i++) if ($(i+1) ~ /bits\/sec/) print $i, $(i+1) }')
    echo "ok: $what: $rate"
  else
    echo "FAIL: $what"; tail -n 5 "$work/client$dir.out" "$work/client$dir.err" || true; fail=1
  fi
done
stop_bg "$sp"
tcp_end_check $fail
