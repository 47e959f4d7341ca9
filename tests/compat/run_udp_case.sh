#!/usr/bin/env bash
# Differential run of one UDP compat case (tests/compat/udp): once on the
# kernel, once under the shim, over the same addresses; the transcripts must
# be identical (or differ exactly as EXPECTED_DIFF says).
# Usage: run_udp_case.sh BUILD_DIR CASE_BINARY [EXPECTED_DIFF]
#   BUILD_DIR holds bin/tunsockd, bin/udp_peer and lib/libtunsock.so.
#   COMPAT_NATIVE_ONLY=1 runs the kernel side only (to validate a case).
#
# Everything happens in network namespaces this script makes (unshare -n as
# root, else unshare -rn) and that die with it:
#   kernel run:  ns "host" (this script's own) vh 198.18.0.1/24 ==veth== vp 198.18.0.2/24 ns "prog"
#                the case runs in "prog" on the kernel's stack
#   shim run:    ns "tun": kernel tsk0 198.18.0.1/24 ==TUN== tunsockd 198.18.0.2/24
#                the case runs there under libtunsock.so (the daemon serves inet: the stack gets it)
# Both have 127.0.0.1 on the program's side, no default route, and the same
# peer (udp_peer: echo, discard, commands) on the kernel's 198.18.0.1.
# The IPv6 cases (udp6/, binaries compat_udp6_*, or COMPAT_INET6=1) have
# IPv6 on besides: the program's side 2001:db8::2/64 (and ::1), the kernel's
# 2001:db8::1/64 (no DAD), udp_peer on both of the kernel's addresses; under
# the shim the daemon gets --address 2001:db8::2/64, and nftables drops (and
# counts) every UDP, UDP-Lite and ICMP packet the shim namespace's kernel
# sends through lo, so a socket that falls through to the kernel fails the
# case (the peer's packets leave through tsk0, the daemon's enter through
# the TUN fd: neither is touched).
set -uo pipefail
if [ -z "${TUNSOCK_UDP_IN_NS:-}" ]; then
  u=-n
  [ "$(id -u)" -eq 0 ] || u=-rn
  TUNSOCK_UDP_IN_NS=1 exec unshare $u -- bash "$0" "$@"
fi
build=$(cd "$1" && pwd)
bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
expected=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
export TUNSOCK_BUILD=$build
# shellcheck source=netns_lib.sh
source "$here/netns_lib.sh"
inet6_mode "$bin"
peer_addr=198.18.0.1
[ "$COMPAT_INET6" = 1 ] && peer_addr=198.18.0.1,$PEER6
# shellcheck source=../support/daemon.sh
source "$here/../support/daemon.sh"
# shellcheck source=transcript.sh
source "$here/transcript.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/tunsock-udp.XXXXXX")
holders=() peers=()
cleanup() {
  stop_tunsockd
  local p
  for p in "${peers[@]}" "${holders[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/native" "$work/shim"

# start_peer [NS_PID]: udp_peer on 198.18.0.1 (in that namespace, else here).
start_peer() {
  local ready=$work/peer.ready.$#
  rm -f "$ready"
  if [ $# -gt 0 ]; then
    nsenter -t "$1" -n -- env -u LD_PRELOAD "$build/bin/udp_peer" "$peer_addr" "$ready" 2>>"$work/peer.log" &
  else
    env -u LD_PRELOAD "$build/bin/udp_peer" "$peer_addr" "$ready" 2>>"$work/peer.log" &
  fi
  peers+=("$!")
  local i
  for i in $(seq 200); do
    [ -e "$ready" ] && return 0
    sleep 0.01
  done
  echo "udp_peer did not start" >&2
  cat "$work/peer.log" >&2
  return 1
}

# --- the kernel's run ---
ns_base || exit 1
new_ns || exit 1
prog=$ns_pid
ns_base in_ns "$prog" || exit 1
ip link add vh type veth peer name vp netns "$prog"
ip addr add 198.18.0.1/24 brd + dev vh
ip link set vh up
in_ns "$prog" ip addr add 198.18.0.2/24 brd + dev vp
in_ns "$prog" ip link set vp up
if [ "$COMPAT_INET6" = 1 ]; then
  addr6 vh "$PEER6" || exit 1
  addr6 vp "$US6" in_ns "$prog" || exit 1
  peer_icmp_unlimited || exit 1
fi
start_peer || exit 1
run_one "$work/native" nsenter -t "$prog" -n -- env -u LD_PRELOAD "$bin"
if [ "${COMPAT_NATIVE_ONLY:-0}" = 1 ]; then
  cat "$work/native.out"
  exit 0
fi

# --- the shim's run ---
new_ns || exit 1
tun=$ns_pid
ns_base in_ns "$tun" || exit 1
daemon_args="--tun tsk0 --address 198.18.0.2/24 --host-address 198.18.0.1/24"
if [ "$COMPAT_INET6" = 1 ]; then
  command -v nft >/dev/null || { echo "nft missing (scripts/install-deps.sh installs nftables)"; exit 1; }
  daemon_args="$daemon_args --address $US6/64"
  peer_icmp_unlimited in_ns "$tun" || exit 1
  in_ns "$tun" nft -f - <<'EOF' || exit 1
table inet tsk {
  chain out {
    type filter hook output priority 0;
    oifname "lo" meta l4proto { udp, udplite, icmp, ipv6-icmp } counter drop
  }
}
EOF
fi
TUNSOCKD_PREFIX="nsenter -t $tun -n --" TUNSOCK_LOG=${TUNSOCK_LOG:-info,ip=debug} \
  TUNSOCKD_ARGS="$daemon_args" start_tunsockd "$work/daemon" || exit 1
if [ "$COMPAT_INET6" = 1 ]; then
  # The kernel's side of the device (the daemon gives it the IPv4 address).
  in_ns "$tun" ip -6 addr show dev tsk0 | grep -q "$PEER6/" || addr6 tsk0 "$PEER6" in_ns "$tun" || exit 1
fi
start_peer "$tun" || exit 1
run_one "$work/shim" nsenter -t "$tun" -n -- env LD_PRELOAD="$build/lib/libtunsock.so" "$bin"
stop_tunsockd
if [ "$COMPAT_INET6" = 1 ]; then
  fell=$(in_ns "$tun" nft list chain inet tsk out 2>/dev/null | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
  if [ -n "$fell" ] && [ "$fell" != 0 ]; then
    echo "fall-through: the kernel of the shim's namespace sent $fell UDP/ICMP packets through lo" >>"$work/shim.out"
  fi
  if grep -q "socket.*the host kernel's" "$work/daemon/daemon.log"; then
    echo "fall-through: the daemon handed an inet socket to the host kernel" >>"$work/shim.out"
  fi
fi

compare_transcripts "$expected"
