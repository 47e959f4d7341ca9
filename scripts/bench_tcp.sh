#!/usr/bin/env bash
# TCP throughput benchmark (not a test: not in ctest). iperf3 in both
# directions, side by side:
#   kernel  a kernel iperf3 client in a namespace of its own, over a veth pair
#           (198.18.1.2 -> 198.18.1.1), to the kernel server;
#   shim    `tunsock iperf3 -c` with tunsockd on TUN device tsk0 in the
#           client's namespace (stack 198.18.0.2/24), to the same kernel
#           server at the TUN's far side (198.18.0.1).
# Both clients pin TCP_CONGESTION with -C reno (the server takes it from the
# client; the namespaces' default is reno too), so the kernel is not
# compared with cubic against the stack's NewReno. Runs are interleaved
# (kernel, shim, kernel -R, shim -R, ...) so that load from elsewhere on the
# machine falls on both alike; each iperf3 is bounded by `timeout`.
# The table at the end gives the median receiver throughput of each, the
# ratio shim/kernel and the number of runs that completed.
# Usage: scripts/bench_tcp.sh [RUNS [SECONDS]]   (default 5 runs of 5 s)
#   BUILD=DIR  build directory (default: build); needs root (or unprivileged
#   user namespaces) and /dev/net/tun. The daemon logs at TUNSOCK_LOG=info
#   (no packet trace: that would measure the logger).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${BUILD:-$top/build}" && pwd)
runs=${1:-5}
secs=${2:-5}
[[ $runs =~ ^[0-9]+$ && $runs -ge 1 && $runs -le 50 ]] || { echo "RUNS: 1..50" >&2; exit 2; }
[[ $secs =~ ^[0-9]+$ && $secs -ge 1 && $secs -le 60 ]] || { echo "SECONDS: 1..60" >&2; exit 2; }

if [ -z "${TSK_BENCH_IN_NS:-}" ]; then
  command -v iperf3 >/dev/null || "$top/scripts/install-deps.sh"
  for f in bin/tunsockd bin/tunsock lib/libtunsock.so; do
    [ -e "$build/$f" ] || { echo "missing $build/$f (scripts/build.sh)" >&2; exit 2; }
  done
  [ -c /dev/net/tun ] || { echo "needs /dev/net/tun" >&2; exit 2; }
  u=-n
  [ "$(id -u)" -eq 0 ] || u=-rn
  export TSK_BENCH_IN_NS=1
  exec unshare $u -- bash "$0" "$@"
fi

# In a fresh namespace: the servers' side (the kernel server, the TUN).
SRV_IP=198.18.1.1 CLI_IP=198.18.1.2   # veth pair (kernel run)
HOST_IP=198.18.0.1 STACK_IP=198.18.0.2  # TUN (shim run)
PORT=5201
work=$(mktemp -d /tmp/tunsock-bench.XXXXXX)
cli_ns='' srv_pid='' daemon_pid=''
stop() {  # stop PID: SIGTERM, wait (bounded), SIGKILL if it lingers
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  set +e
  stop "$srv_pid"
  stop "$daemon_pid"
  stop "$cli_ns"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip link set lo up
sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
sysctl -qw net.ipv4.tcp_congestion_control=reno

# The kernel client's namespace, joined by a veth pair.
unshare -n sleep 3600 </dev/null >/dev/null 2>&1 &
cli_ns=$!
for _ in $(seq 100); do
  [ "$(readlink /proc/$cli_ns/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
  sleep 0.01
done
incli() { nsenter -t "$cli_ns" -n -- "$@"; }
incli ip link set lo up
incli sysctl -qw net.ipv4.tcp_congestion_control=reno
ip link add vsrv type veth peer name vcli netns "$cli_ns"
ip addr add "$SRV_IP/24" dev vsrv
ip link set vsrv up
incli ip addr add "$CLI_IP/24" dev vcli
incli ip link set vcli up

# The daemon on its TUN device in this namespace: the shim's client runs here.
export TUNSOCK_SOCKET=$work/ctl.sock
TUNSOCK_LOG=info "$build/bin/tunsockd" --socket "$TUNSOCK_SOCKET" --tun tsk0 \
  --address "$STACK_IP/24" --gateway "$HOST_IP" --host-address "$HOST_IP/24" >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 200); do [ -S "$TUNSOCK_SOCKET" ] && break; sleep 0.025; done
[ -S "$TUNSOCK_SOCKET" ] || { echo "tunsockd did not start:"; cat "$work/daemon.log"; exit 1; }

# One kernel server for both (no -B: it answers on the veth and on tsk0).
iperf3 -s -p "$PORT" >"$work/server.log" 2>&1 &
srv_pid=$!
for _ in $(seq 100); do ss -ltn | grep -q ":$PORT " && break; sleep 0.05; done

# one KIND DIR N: one iperf3 run; its receiver bits/s appended to
# $work/KIND$DIR (nothing when the run failed).
one() {
  local kind=$1 dir=$2 n=$3 out=$work/$1$2.$3.json
  local args=(-c "$SRV_IP" -p "$PORT" -t "$secs" -C reno -J $dir)
  local rc=0
  if [ "$kind" = kernel ]; then
    incli timeout $((secs + 30)) iperf3 "${args[@]}" >"$out" 2>"$out.err" || rc=$?
  else
    args[1]=$HOST_IP
    timeout $((secs + 30)) "$build/bin/tunsock" iperf3 "${args[@]}" >"$out" 2>"$out.err" || rc=$?
  fi
  local bps
  bps=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"])' "$out" 2>/dev/null) || bps=
  if [ "$rc" -ne 0 ] || [ -z "$bps" ]; then
    echo "  $kind${dir:+ $dir} run $n failed (exit $rc): $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("error",""))' "$out" 2>/dev/null || tail -1 "$out.err")"
    return 0
  fi
  echo "$bps" >>"$work/$kind$dir"
  awk -v k="$kind" -v d="$dir" -v n="$n" -v b="$bps" 'BEGIN { printf "  %-6s %-3s run %d: %8.1f Mbit/s\n", k, d, n, b / 1e6 }'
}

echo "== iperf3: $runs runs of ${secs} s each way, -C reno, interleaved"
for n in $(seq "$runs"); do
  one kernel "" "$n"
  one shim "" "$n"
  one kernel -R "$n"
  one shim -R "$n"
done

# The shim's client must have used the stack: a socket the daemon handed to
# the host kernel would make this a kernel-to-kernel figure.
fellthrough=0
if grep -q "inet stream socket.*the host kernel's" "$work/daemon.log"; then
  fellthrough=1
fi

python3 - "$work" "$runs" "$secs" "$fellthrough" <<'EOF'
import os, statistics, sys
work, runs, secs, fell = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
def vals(name):
    p = os.path.join(work, name)
    return [float(l) for l in open(p)] if os.path.exists(p) else []
print()
print(f"TCP throughput, iperf3 -C reno, median of {runs} x {secs} s (Mbit/s, receiver)")
print(f"{'direction':<28}{'kernel':>10}{'shim':>10}{'shim/kernel':>13}{'runs k/s':>10}")
for d, what in (("", "client sends"), ("-R", "server sends (-R)")):
    k, s = vals("kernel" + d), vals("shim" + d)
    mk = statistics.median(k) / 1e6 if k else None
    ms = statistics.median(s) / 1e6 if s else None
    ratio = f"{ms / mk:.3f}" if mk and ms is not None else "-"
    fmt = lambda v: f"{v:.1f}" if v is not None else "-"
    print(f"{what:<28}{fmt(mk):>10}{fmt(ms):>10}{ratio:>13}{f'{len(k)}/{len(s)}':>10}")
if fell:
    print("NOTE: the daemon handed the shim's inet stream socket to the host kernel:")
    print("      the 'shim' column is the kernel over TUN, not the stack's TCP.")
EOF
