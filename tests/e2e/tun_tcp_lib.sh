# Shared setup of the TCP end-to-end tests (tests/e2e/tun_tcp_*.sh); source
# it after setting `build`, then call tun_enter_netns "$@" and tcp_begin TAG. On top of
# tests/support/tun_ns.sh (same daemon, same TUN device tsk0), with the
# addresses of the TCP tests: the stack 198.18.0.2/24, the kernel 198.18.0.1.
#   tcp_begin TAG     $work, namespaces, the daemon (or the veth pair), and
#                     cleanup on exit of every pid in $bgpids
#   shim CMD...       run CMD as "the program side": under libtunsock.so
#   shim_bg CMD...    the same in the background (BG_PID, added to bgpids)
#   kernel_bg CMD...  CMD on the kernel side in the background (BG_PID too)
#   stop_bg PID       kill and reap one background program
#   tcp_fellthrough   fails (and says so) when the namespace's kernel carried
#                     TCP of the program side: packets through lo that the
#                     nftables rule refused, or a socket the daemon handed to
#                     the kernel
#   tcp_end_check     tcp_fellthrough, stop the daemon; exit status for the test
# The program side runs under the shim with the daemon's TUN device in this
# namespace; nftables refuses (RST) every TCP packet the namespace's kernel
# sends through lo, so a program whose socket silently fell through to the
# kernel fails instead of passing (the daemon's packets come in through the
# TUN fd and the kernel's answers leave through tsk0: both untouched).
# TSK_BOTH_KERNEL=1: the program side runs on the kernel too, in a namespace
# of its own joined by a veth pair with the same addresses (to check that a
# script itself is right while the stack's TCP is not reachable).
# Every test is bounded: `timeout` on each client, bounded loops.
# shellcheck source=../support/tun_ns.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../support/tun_ns.sh"
STACK_IP=198.18.0.2
HOST_IP=198.18.0.1
bgpids=()
prog_ns=

tcp_begin() {
  work=$(mktemp -d "/tmp/tunsock-$1.XXXXXX")
  spid=
  trap tcp_end EXIT
  ip link set lo up
  sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
  sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
  if [ "${TSK_BOTH_KERNEL:-0}" = 1 ]; then
    unshare -n sleep 3600 </dev/null >/dev/null 2>&1 &
    prog_ns=$!
    local i
    for i in $(seq 100); do
      [ "$(readlink /proc/$prog_ns/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
      sleep 0.01
    done
    nsenter -t "$prog_ns" -n -- ip link set lo up
    ip link add vh type veth peer name vp netns "$prog_ns"
    ip addr add "$HOST_IP/24" dev vh
    ip link set vh up
    nsenter -t "$prog_ns" -n -- ip addr add "$STACK_IP/24" dev vp
    nsenter -t "$prog_ns" -n -- ip link set vp up
    : >"$work/daemon.log"
    KERNEL_IF=vh
  else
    nft -f - <<'EOF'
table inet tsk {
  chain out {
    type filter hook output priority 0;
    oifname "lo" tcp flags & rst == 0 counter reject with tcp reset
  }
}
EOF
    tun_start "$work"
    KERNEL_IF=$TUN_DEV
  fi
}

tcp_end() {
  set +e   # a trap must run to its end
  local p i
  for p in "${bgpids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${bgpids[@]}"; do
    for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  tun_stop 2>/dev/null
  if [ -n "$prog_ns" ]; then kill -KILL "$prog_ns" 2>/dev/null; wait "$prog_ns" 2>/dev/null; fi
  rm -rf "$work"
}

if [ "${TSK_BOTH_KERNEL:-0}" = 1 ]; then
  shim() { nsenter -t "$prog_ns" -n -- "$@"; }
  shim_bg() {
    nsenter -t "$prog_ns" -n -- "$@" &
    BG_PID=$!
    bgpids+=("$BG_PID")
  }
else
  shim() { LD_PRELOAD=$build/lib/libtunsock.so "$@"; }
  shim_bg() {
    (exec env LD_PRELOAD="$build/lib/libtunsock.so" "$@") &
    BG_PID=$!
    bgpids+=("$BG_PID")
  }
fi
kernel_bg() {
  "$@" &
  BG_PID=$!
  bgpids+=("$BG_PID")
}
stop_bg() {
  kill "$1" 2>/dev/null || true
  local i
  for i in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# port_listening IP PORT: a listener of the program side, as seen from the
# kernel side (a connect that succeeds), bounded by 1 s.
port_listening() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
# kernel_listening IP PORT: a kernel listener (ss; a probe through lo would
# be refused by the fall-through rule).
kernel_listening() { ss -ltn | grep -q " $1:$2 "; }

tcp_fellthrough() {
  [ "${TSK_BOTH_KERNEL:-0}" = 1 ] && return 0
  local n
  n=$(nft list chain inet tsk out 2>/dev/null | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
  if [ -n "$n" ] && [ "$n" != 0 ]; then
    echo "FAIL: fall-through: the namespace's kernel sent $n TCP packets of the program side through lo"
    return 1
  fi
  if grep -q "stream socket.*the host kernel.s" "$work/daemon.log"; then
    echo "FAIL: fall-through: the daemon handed an inet stream socket to the host kernel"
    return 1
  fi
}

# tcp_end_check FAIL: the test's verdict, with the daemon's log on failure.
tcp_end_check() {
  local fail=$1
  tcp_fellthrough || fail=1
  tun_stop 2>/dev/null || true
  if [ "$fail" -ne 0 ]; then
    for f in "$work"/*.err; do [ -s "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
    echo "--- daemon log (tail)"; tail -30 "$work/daemon.log"
    echo "FAIL"
  else
    echo "PASS"
  fi
  return "$fail"
}
