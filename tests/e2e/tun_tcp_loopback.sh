#!/usr/bin/env bash
# Two programs under the shim talk TCP over 127.0.0.1 inside the stack (its
# loopback; the namespace's kernel refuses TCP through its own lo, so a
# fall-through fails): socat echo server and client, a 10 MB file one way
# compared by sha256, and the kernel must not hold the port.
# Usage: tun_tcp_loopback.sh BUILD_DIR   (TSK_BOTH_KERNEL=1: all on the kernel)
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tun_tcp_lib.sh"
tun_enter_netns "$@"
tcp_begin tun-tcp-lo

fail=0
shim_bg timeout 60 socat "TCP-LISTEN:9200,bind=127.0.0.1,reuseaddr,fork" EXEC:cat 2>"$work/server.err"
sp=$BG_PID
msg="over the stack's loopback $RANDOM"
out=$(echo "$msg" | shim timeout 10 socat -t2 - "TCP:127.0.0.1:9200,retry=40,interval=0.2" 2>"$work/client.err" || true)
[ "$out" = "$msg" ] && echo "ok: echo over 127.0.0.1" || { echo "FAIL: echo over 127.0.0.1: '$out'"; fail=1; }
if [ "${TSK_BOTH_KERNEL:-0}" != 1 ] && ss -ltn | grep -q '127.0.0.1:9200'; then
  echo "FAIL: the kernel has 127.0.0.1:9200"; fail=1
fi
stop_bg "$sp"
head -c $((10 << 20)) /dev/urandom >"$work/file"
shim_bg timeout 60 socat -u "TCP-LISTEN:9201,bind=127.0.0.1,reuseaddr" "OPEN:$work/got,creat,trunc" 2>"$work/server2.err"
sp=$BG_PID
if shim timeout 30 socat -u "OPEN:$work/file" "TCP:127.0.0.1:9201,retry=40,interval=0.2" 2>"$work/client2.err"; then
  wait "$sp" 2>/dev/null || true
else
  stop_bg "$sp"
fi
if cmp -s "$work/file" "$work/got"; then echo "ok: 10 MB over 127.0.0.1"; else echo "FAIL: 10 MB over 127.0.0.1 ($(wc -c <"$work/got" 2>/dev/null || echo 0) bytes)"; fail=1; fi
tcp_end_check $fail
