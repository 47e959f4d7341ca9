#!/usr/bin/env bash
# What logging and live capture cost (a benchmark, not a test: not in ctest).
# The same bulk TCP transfer as scripts/bench_tcp.sh's shim run (iperf3 -c
# under the shim, stack on TUN tsk0, to a kernel server at its far side, both
# directions, -C reno) with three daemons, interleaved run by run:
#   off      BUILD_B, configured with -DTUNSOCK_LOG_COMPILED_OUT=ON
#   info     BUILD_A (normal build), TUNSOCK_LOG=info, no capture
#   capture  BUILD_A, TUNSOCK_LOG=info, `tunsockctl capture -w FILE` (tmpfs)
# Prints the median receiver Mbit/s of each, the ratio to "off", runs done.
# Usage: scripts/bench_log_cost.sh [RUNS [SECONDS]]   (default 5 runs of 5 s)
#   BUILD_A, BUILD_B: build dirs (default build, build-logoff: configured and
#   built here, targets tunsockd tunsock_launcher tunsock_shim [tunsockctl]).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
secs=${2:-5}
[[ $runs =~ ^[0-9]+$ && $runs -ge 1 && $runs -le 50 ]] || { echo "RUNS: 1..50" >&2; exit 2; }
[[ $secs =~ ^[0-9]+$ && $secs -ge 1 && $secs -le 60 ]] || { echo "SECONDS: 1..60" >&2; exit 2; }

if [ -z "${TSK_BENCH_IN_NS:-}" ]; then
  command -v iperf3 >/dev/null || "$top/scripts/install-deps.sh"
  a=${BUILD_A:-$top/build} b=${BUILD_B:-$top/build-logoff}
  if [ -z "${BUILD_A:-}" ]; then
    cmake -S "$top" -B "$a" >/dev/null
    nice cmake --build "$a" -j2 --target tunsockd tunsock_launcher tunsock_shim tunsockctl >/dev/null
  fi
  if [ -z "${BUILD_B:-}" ]; then
    cmake -S "$top" -B "$b" -DTUNSOCK_LOG_COMPILED_OUT=ON >/dev/null
    nice cmake --build "$b" -j2 --target tunsockd tunsock_launcher tunsock_shim >/dev/null
  fi
  for f in "$a/bin/tunsockctl" "$a/bin/tunsockd" "$b/bin/tunsockd" "$a/bin/tunsock" "$a/lib/libtunsock.so"; do
    [ -e "$f" ] || { echo "missing $f" >&2; exit 2; }
  done
  [ -c /dev/net/tun ] || { echo "needs /dev/net/tun" >&2; exit 2; }
  u=-n
  [ "$(id -u)" -eq 0 ] || u=-rn
  export TSK_BENCH_IN_NS=1 BUILD_A=$(cd "$a" && pwd) BUILD_B=$(cd "$b" && pwd)
  exec unshare $u -- bash "$0" "$@"
fi

HOST_IP=198.18.0.1 STACK_IP=198.18.0.2 PORT=5201
work=$(mktemp -d /dev/shm/tunsock-logcost.XXXXXX 2>/dev/null || mktemp -d /tmp/tunsock-logcost.XXXXXX)
srv_pid='' daemon_pid='' cap_pid=''
stop() {  # stop PID: SIGTERM, wait (bounded), SIGKILL if it lingers
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() { set +e; stop "$cap_pid"; stop "$daemon_pid"; stop "$srv_pid"; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

ip link set lo up
sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
sysctl -qw net.ipv4.tcp_congestion_control=reno
export TUNSOCK_SOCKET=$work/ctl.sock

# daemon_start BUILD: a daemon on tsk0 at TUNSOCK_LOG=info.
daemon_start() {
  rm -f "$TUNSOCK_SOCKET"
  TUNSOCK_LOG=info "$1/bin/tunsockd" --socket "$TUNSOCK_SOCKET" --tun tsk0 \
    --address "$STACK_IP/24" --gateway "$HOST_IP" --host-address "$HOST_IP/24" >>"$work/daemon.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 200); do [ -S "$TUNSOCK_SOCKET" ] && break; sleep 0.025; done
  [ -S "$TUNSOCK_SOCKET" ] || { echo "tunsockd did not start:"; cat "$work/daemon.log"; exit 1; }
}

iperf3 -s -p "$PORT" >"$work/server.log" 2>&1 &
srv_pid=$!
for _ in $(seq 100); do ss -ltn | grep -q ":$PORT " && break; sleep 0.05; done

# one CFG DIR N: one iperf3 run under the shim; receiver bits/s appended to $work/CFG$DIR.
one() {
  local cfg=$1 dir=$2 n=$3 out=$work/$1$2.$3.json rc=0 bps
  timeout $((secs + 30)) "$BUILD_A/bin/tunsock" iperf3 -c "$HOST_IP" -p "$PORT" -t "$secs" -C reno -J $dir \
    >"$out" 2>"$out.err" || rc=$?
  bps=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"])' "$out" 2>/dev/null) || bps=
  if [ "$rc" -ne 0 ] || [ -z "$bps" ]; then echo "  $cfg${dir:+ $dir} run $n failed (exit $rc)"; return 0; fi
  echo "$bps" >>"$work/$cfg$dir"
  awk -v k="$cfg" -v d="$dir" -v n="$n" -v b="$bps" 'BEGIN { printf "  %-8s %-3s run %d: %8.1f Mbit/s\n", k, d, n, b / 1e6 }'
}

echo "== iperf3 under the shim: $runs runs of ${secs} s each way per configuration, interleaved"
for n in $(seq "$runs"); do
  for cfg in off info capture; do
    if [ "$cfg" = off ]; then daemon_start "$BUILD_B"; else daemon_start "$BUILD_A"; fi
    if [ "$cfg" = capture ]; then
      "$BUILD_A/bin/tunsockctl" capture -w "$work/cap.pcap" >"$work/cap.log" 2>&1 &
      cap_pid=$!
      sleep 0.3
    fi
    one "$cfg" "" "$n"
    one "$cfg" -R "$n"
    if [ -n "$cap_pid" ]; then
      stop "$cap_pid"; cap_pid=''
      echo "  (capture wrote $(stat -c %s "$work/cap.pcap" 2>/dev/null || echo 0) bytes)"
      rm -f "$work/cap.pcap"
    fi
    stop "$daemon_pid"; daemon_pid=''
  done
done

python3 - "$work" "$runs" "$secs" <<'PY'
import os, statistics, sys
work, runs, secs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def med(name):
    p = os.path.join(work, name)
    v = [float(l) for l in open(p)] if os.path.exists(p) else []
    return (statistics.median(v) / 1e6 if v else None), len(v)
print()
print(f"Cost of logging and capture: iperf3 -C reno under the shim, median of {runs} x {secs} s (Mbit/s, receiver)")
print(f"{'configuration':<36}{'sends':>9}{'ratio':>8}{'recvs -R':>10}{'ratio':>8}{'runs':>7}")
base = {d: med("off" + d)[0] for d in ("", "-R")}
for cfg, what in (("off", "logging compiled out"), ("info", "TUNSOCK_LOG=info, capture off"),
                  ("capture", "info + tunsockctl capture -w tmpfs")):
    row, done = f"{what:<36}", []
    for d in ("", "-R"):
        m, n = med(cfg + d)
        done.append(str(n))
        r = f"{m / base[d]:.3f}" if m is not None and base[d] else "-"
        row += f"{(f'{m:.1f}' if m is not None else '-'):>{9 if d == '' else 10}}{r:>8}"
    print(row + f"{'/'.join(done):>7}")
PY
