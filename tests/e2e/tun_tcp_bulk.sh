#!/usr/bin/env bash
# 100 MB each way over the stack's TCP, sha256 computed at both ends: the
# sender hashes the file it sends, the receiver hashes the stream it gets.
# Then the same with 2 % random loss each way on the kernel side (nftables
# numgen in this namespace, on the link's kernel end; this kernel has no
# netem). Each transfer bounded by a timeout.
# Usage: tun_tcp_bulk.sh BUILD_DIR   (TSK_BOTH_KERNEL=1: all on the kernel)
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tun_tcp_lib.sh"
tun_enter_netns "$@"
tcp_begin tun-tcp-bulk

fail=0
size=$((100 << 20))
head -c "$size" /dev/urandom >"$work/data"
want=$(sha256sum <"$work/data" | cut -d' ' -f1)

# transfer TAG RX_RUNNER_BG BIND TX_RUNNER DEST PORT: the receiver listens
# on BIND:PORT and hashes what arrives; the sender sends the file to DEST.
transfer() {
  local tag=$1 rx=$2 bind=$3 tx=$4 addr=$5 port=$6 t0 got
  rm -f "$work/sum.$port"
  $rx timeout 150 sh -c "socat -u 'TCP-LISTEN:$port,bind=$bind,reuseaddr' - | sha256sum >'$work/sum.$port'" 2>"$work/rx.$port.err"
  local rp=$BG_PID
  t0=$(date +%s%N)
  if $tx timeout 150 socat -u "OPEN:$work/data" "TCP:$addr:$port,retry=40,interval=0.2" 2>"$work/tx.$port.err"; then
    wait "$rp" 2>/dev/null || true
  else
    stop_bg "$rp"
  fi
  got=$(cut -d' ' -f1 "$work/sum.$port" 2>/dev/null || true)
  local secs
  secs=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  if [ "$got" = "$want" ]; then
    echo "ok: $tag: 100 MB, sha256 equal at both ends (${secs}s)"
  else
    echo "FAIL: $tag: sha256 '$got' != '$want'"
    fail=1
  fi
}
kernel_run() { "$@"; }

transfer "kernel -> shim" shim_bg 0.0.0.0 kernel_run "$STACK_IP" 9300
transfer "shim -> kernel" kernel_bg "$HOST_IP" shim "$HOST_IP" 9301

echo "--- 2 % random loss each way on the kernel's end of the link ($KERNEL_IF)"
nft -f - <<EOF2
table inet tskloss {
  chain in { type filter hook input priority -10; iifname "$KERNEL_IF" meta l4proto tcp numgen random mod 100 < 2 counter drop; }
  chain out { type filter hook output priority -10; oifname "$KERNEL_IF" meta l4proto tcp numgen random mod 100 < 2 counter drop; }
}
EOF2
transfer "kernel -> shim, 2 % loss" shim_bg 0.0.0.0 kernel_run "$STACK_IP" 9302
transfer "shim -> kernel, 2 % loss" kernel_bg "$HOST_IP" shim "$HOST_IP" 9303
nft list table inet tskloss | grep -o "counter packets [0-9]*" | sed 's/^/dropped: /'
nft delete table inet tskloss
tcp_end_check $fail
