#!/usr/bin/env bash
# nc (OpenBSD) and socat over the stack's TCP, both ways: a listener under
# the shim with a kernel client, and a kernel listener with a client under
# the shim; each carries a line there and a 1 MB file back, compared.
# Usage: tun_tcp_nc_socat.sh BUILD_DIR   (TSK_BOTH_KERNEL=1: all on the kernel)
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tun_tcp_lib.sh"
tun_enter_netns "$@"
tcp_begin tun-tcp-nc

fail=0
head -c 1000000 /dev/urandom >"$work/file"
want=$(sha256sum <"$work/file" | cut -d' ' -f1)
check() {  # check WHAT FILE
  local got
  got=$( (sha256sum <"$2") 2>/dev/null | cut -d' ' -f1) || true
  if [ "$got" = "$want" ]; then echo "ok: $1"; else echo "FAIL: $1 ($(wc -c <"$2" 2>/dev/null) bytes)"; fail=1; fi
}

# nc_pair N LISTEN_RUNNER LISTEN_ADDR CLIENT_RUNNER DIR: one nc listener on
# LISTEN_ADDR:900N and one client; DIR "in": the client sends the file,
# "out": the listener sends it (-N: shutdown after EOF; -d: no stdin).
# The client retries while the listener may not be there yet (bounded).
nc_pair() {
  local n=$1 lr=$2 la=$3 cr=$4 dir=$5 port=$((9000 + $1)) i
  : >"$work/got.$port"
  if [ "$dir" = in ]; then
    $lr timeout 60 sh -c "exec nc -l $la $port >'$work/got.$port'" 2>"$work/srv.$port.err"
  else
    $lr timeout 60 sh -c "exec nc -N -l $la $port <'$work/file'" 2>"$work/srv.$port.err"
  fi
  local sp=$BG_PID ok=0
  for i in $(seq 40); do
    sleep 0.2
    if [ "$dir" = in ]; then
      $cr timeout 30 nc -N "$la" "$port" <"$work/file" 2>>"$work/cli.$port.err" && { ok=1; break; }
    else
      $cr timeout 30 nc -d "$la" "$port" >"$work/got.$port" 2>>"$work/cli.$port.err" && { ok=1; break; }
    fi
  done
  # the listener ends with its one connection; without one, stop it
  if [ $ok = 1 ]; then wait "$sp" 2>/dev/null || true; else stop_bg "$sp"; fi
}
kernel_run() { "$@"; }

echo "--- nc listening under the shim, nc client on the kernel"
nc_pair 1 shim_bg "$STACK_IP" kernel_run in
check "nc on the kernel sends a file to nc -l under the shim" "$work/got.9001"
nc_pair 2 shim_bg "$STACK_IP" kernel_run out
check "nc -l under the shim sends a file to nc on the kernel" "$work/got.9002"
echo "--- nc listening on the kernel, nc client under the shim"
nc_pair 3 kernel_bg "$HOST_IP" shim in
check "nc under the shim sends a file to nc -l on the kernel" "$work/got.9003"
nc_pair 4 kernel_bg "$HOST_IP" shim out
check "nc -l on the kernel sends a file to nc under the shim" "$work/got.9004"

# socat: one-way file transfer each way, then an interactive echo each way.
echo "--- socat listening under the shim, kernel socat sends"
shim_bg timeout 60 socat -u "TCP-LISTEN:9011,bind=0.0.0.0,reuseaddr" "OPEN:$work/got.9011,creat,trunc" 2>"$work/srv.9011.err"
sp=$BG_PID
if timeout 30 socat -u "OPEN:$work/file" "TCP:$STACK_IP:9011,retry=40,interval=0.2" 2>"$work/cli.9011.err"; then
  wait "$sp" 2>/dev/null || true
else
  stop_bg "$sp"
fi
check "socat file into socat under the shim" "$work/got.9011"

echo "--- socat listening on the kernel, socat under the shim sends"
kernel_bg timeout 60 socat -u "TCP-LISTEN:9012,bind=$HOST_IP,reuseaddr" "OPEN:$work/got.9012,creat,trunc" 2>"$work/srv.9012.err"
sp=$BG_PID
if shim timeout 30 socat -u "OPEN:$work/file" "TCP:$HOST_IP:9012,retry=40,interval=0.2" 2>"$work/cli.9012.err"; then
  wait "$sp" 2>/dev/null || true
else
  stop_bg "$sp"
fi
check "socat under the shim sends a file to the kernel" "$work/got.9012"

echo "--- socat echo server under the shim (fork), kernel client; and the reverse"
shim_bg timeout 60 socat "TCP-LISTEN:9005,reuseaddr,fork" EXEC:cat 2>"$work/srv.9005.err"
sp=$BG_PID
kernel_bg timeout 60 socat "TCP-LISTEN:9006,bind=$HOST_IP,reuseaddr,fork" EXEC:cat 2>"$work/srv.9006.err"
kp=$BG_PID
sleep 0.5
out=$(echo "echo via the shim" | timeout 10 socat -t2 - "TCP:$STACK_IP:9005,retry=20,interval=0.2" 2>>"$work/cli.9005.err" || true)
[ "$out" = "echo via the shim" ] && echo "ok: echo from socat under the shim" || { echo "FAIL: echo from socat under the shim: '$out'"; fail=1; }
out=$(echo "echo to the kernel" | shim timeout 10 socat -t2 - "TCP:$HOST_IP:9006,retry=20,interval=0.2" 2>>"$work/cli.9006.err" || true)
[ "$out" = "echo to the kernel" ] && echo "ok: echo to socat under the shim's client" || { echo "FAIL: echo for socat under the shim: '$out'"; fail=1; }
stop_bg "$sp"
stop_bg "$kp"

tcp_end_check $fail
