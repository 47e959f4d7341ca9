#!/usr/bin/env bash
# redis-server under the shim (epoll, many clients), redis-cli and a
# bounded redis-benchmark (-n 2000, 10 clients) from the kernel.
# Usage: tun_tcp_redis.sh BUILD_DIR   (TSK_BOTH_KERNEL=1: all on the kernel)
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tun_tcp_lib.sh"
tun_enter_netns "$@"
tcp_begin tun-tcp-redis

fail=0
shim_bg timeout 120 redis-server --port 6380 --bind 0.0.0.0 --protected-mode no --save "" --appendonly no \
  --daemonize no --dir "$work" --logfile "$work/redis.log"
sp=$BG_PID
if ! wait_for 15 sh -c "timeout 2 redis-cli -h $STACK_IP -p 6380 ping 2>/dev/null | grep -q PONG"; then
  # redis-benchmark would retry refused connections until its timeout
  echo "FAIL: no PONG from redis-server under the shim"
  stop_bg "$sp"
  tcp_end_check 1
  exit 1
fi
echo "ok: PONG"
timeout 10 redis-cli -h "$STACK_IP" -p 6380 set greeting "hello over tun" >/dev/null 2>>"$work/cli.err" || true
got=$(timeout 10 redis-cli -h "$STACK_IP" -p 6380 get greeting 2>>"$work/cli.err" || true)
[ "$got" = "hello over tun" ] && echo "ok: set/get" || { echo "FAIL: get: '$got'"; fail=1; }
if timeout 90 redis-benchmark -h "$STACK_IP" -p 6380 -n 2000 -c 10 -t set,get,incr,lpush,lrange_100 -q \
    >"$work/bench.out" 2>"$work/bench.err"; then
  tr '\r' '\n' <"$work/bench.out" | grep "requests per second" | sed 's/^/ok: /'
  [ "$(tr '\r' '\n' <"$work/bench.out" | grep -c "requests per second")" -ge 5 ] || { echo "FAIL: benchmark incomplete"; fail=1; }
else
  echo "FAIL: redis-benchmark"; fail=1
fi
stop_bg "$sp"
tcp_end_check $fail
