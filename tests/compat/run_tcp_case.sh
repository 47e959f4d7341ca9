#!/usr/bin/env bash
# Differential run of one TCP compat case (tests/compat/tcp): once on the
# kernel, once under the shim, over the same addresses; the transcripts must
# be identical (or differ exactly as EXPECTED_DIFF says).
# Usage: run_tcp_case.sh BUILD_DIR CASE_BINARY [EXPECTED_DIFF]
#   BUILD_DIR holds bin/tunsockd, bin/tcp_peer and lib/libtunsock.so.
#   COMPAT_NATIVE_ONLY=1 runs the kernel side only (to look at a case).
#   TSK_BOTH_KERNEL=1 runs the kernel side twice, each time in fresh
#   namespaces, and compares those: it proves a case deterministic.
#
# Everything happens in network namespaces this script makes (unshare -n as
# root, else unshare -rn) and that die with it:
#   kernel run:  ns "host" (this script's own) vh 198.18.0.1/24 ==veth== vp 198.18.0.2/24 ns "prog"
#                the case runs in "prog" on the kernel's stack
#   shim run:    ns "tun": kernel tsk0 198.18.0.1/24 ==TUN== tunsockd 198.18.0.2/24
#                the case runs there under libtunsock.so (the daemon serves inet);
#                nftables rejects (RST) every TCP packet the namespace's kernel sends
#                through lo (to 198.18.0.1 or 127.0.0.1 from its own sockets),
#                so a socket that silently falls through to the kernel fails
#                the case; the daemon's packets enter through the TUN fd and
#                the peer's leave through tsk0, neither is touched.
# Both have 127.0.0.1 on the program's side, no default route, and the same
# peer (tcp_peer, commands through the FIFO $TCP_PEER_CTL) on the kernel's
# 198.18.0.1, where nftables drops SYNs to port 9998 (the silent port)
# and answers TCP over IPv6 to 9997 with ICMPv6 port unreachable, to 9996
# with ICMPv6 administratively prohibited.
# The IPv6 cases (tcp6/, binaries compat_tcp6_*, or COMPAT_INET6=1) have
# IPv6 on besides: the program's side 2001:db8::2/64 (and ::1), the kernel's
# 2001:db8::1/64 (no DAD), tcp_peer listening on both of the kernel's
# addresses; under the shim the daemon gets --address 2001:db8::2/64 and the
# nftables rule above (table inet) rejects the kernel's TCP over IPv6 too.
set -uo pipefail
if [ -z "${TUNSOCK_TCP_IN_NS:-}" ]; then
  u=-n
  [ "$(id -u)" -eq 0 ] || u=-rn
  TUNSOCK_TCP_IN_NS=1 exec unshare $u -- bash "$0" "$@"
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

command -v nft >/dev/null || { echo "nft missing (scripts/install-deps.sh installs nftables)"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tunsock-tcp.XXXXXX")
holders=() peers=()
cleanup() {
  stop_tunsockd
  local p
  for p in "${peers[@]}" "${holders[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/native" "$work/shim" "$work/daemon"
: >"$work/daemon/daemon.log"

# peer_rules [PREFIX...]: the peer's namespace drops SYNs to the silent port.
peer_rules() {
  "$@" nft -f - <<'EOF'
table inet tskpeer {
  chain in {
    type filter hook input priority 0;
    tcp dport 9998 tcp flags & (syn | ack) == syn drop
    meta nfproto ipv6 tcp dport 9997 reject with icmpv6 type port-unreachable
    meta nfproto ipv6 tcp dport 9996 reject with icmpv6 type admin-prohibited
    meta nfproto ipv4 tcp dport 9997 reject with icmp type port-unreachable
    meta nfproto ipv4 tcp dport 9996 reject with icmp type admin-prohibited
  }
}
EOF
}

# start_peer RUN [NS_PID]: tcp_peer on 198.18.0.1 (in that namespace, else here).
start_peer() {
  local run=$1 ready=$work/peer.ready.$1
  shift
  export TCP_PEER_CTL=$work/peer.$run.ctl
  rm -f "$ready"
  if [ $# -gt 0 ]; then
    nsenter -t "$1" -n -- env -u LD_PRELOAD "$build/bin/tcp_peer" "$peer_addr" "$TCP_PEER_CTL" "$ready" 2>>"$work/peer.log" &
  else
    env -u LD_PRELOAD "$build/bin/tcp_peer" "$peer_addr" "$TCP_PEER_CTL" "$ready" 2>>"$work/peer.log" &
  fi
  peers+=("$!")
  local i
  for i in $(seq 200); do
    [ -e "$ready" ] && return 0
    sleep 0.01
  done
  echo "tcp_peer did not start" >&2
  cat "$work/peer.log" >&2
  return 1
}

# icmp_later [PREFIX...]: the ICMP errors the kernel peer sends out of vh
# come a few milliseconds late. Over a veth pair the peer's reject would
# otherwise come back within the sending call itself, while the sender
# holds its socket, and Linux's tcp_v4_err/tcp_v6_err keep an error that
# meets an owned socket as a soft one only (the SYN retried a second
# later): a case would see that artefact, never what an error from a
# remote host (or the stack's, over TUN) gives. An HTB class too slow for
# any ICMP packet holds them; each is first duplicated (nft dup) to an
# address nobody has on the link, so that the copy spends the class's
# tokens and the error itself always waits for the next.
icmp_later() {
  "$@" tc qdisc add dev vh root handle 1: htb &&
    "$@" tc class add dev vh parent 1: classid 1:1 htb rate 64kbit ceil 64kbit burst 1 cburst 1 quantum 1514 &&
    "$@" tc filter add dev vh parent 1: protocol ip prio 1 u32 match ip protocol 1 0xff flowid 1:1 &&
    "$@" tc filter add dev vh parent 1: protocol ipv6 prio 2 u32 match ip6 protocol 58 0xff flowid 1:1 &&
    "$@" ip neigh add 198.18.0.77 lladdr 02:00:00:00:00:77 dev vh nud permanent &&
    "$@" nft add table ip tskprime &&
    "$@" nft add chain ip tskprime out '{ type filter hook output priority 0; }' &&
    "$@" nft add rule ip tskprime out oifname vh icmp type destination-unreachable dup to 198.18.0.77 device vh || return 1
  [ "$COMPAT_INET6" = 1 ] || return 0
  "$@" ip -6 neigh add 2001:db8::77 lladdr 02:00:00:00:00:77 dev vh nud permanent &&
    "$@" nft add table ip6 tskprime &&
    "$@" nft add chain ip6 tskprime out '{ type filter hook output priority 0; }' &&
    "$@" nft add rule ip6 tskprime out oifname vh icmpv6 type destination-unreachable dup to 2001:db8::77 device vh
}

# kernel_run DIR: fresh "prog" namespace joined to a fresh "host" namespace
# by a veth pair, peer in "host", the case in "prog" on the kernel.
kernel_run() {
  local dir=$1 host prog
  new_ns || exit 1
  host=$ns_pid
  new_ns || exit 1
  prog=$ns_pid
  ns_base in_ns "$host" || exit 1
  ns_base in_ns "$prog" || exit 1
  in_ns "$host" ip link add vh type veth peer name vp netns "$prog"
  in_ns "$host" ip addr add 198.18.0.1/24 brd + dev vh
  in_ns "$host" ip link set vh up
  in_ns "$prog" ip addr add 198.18.0.2/24 brd + dev vp
  in_ns "$prog" ip link set vp up
  if [ "$COMPAT_INET6" = 1 ]; then
    addr6 vh "$PEER6" in_ns "$host" || exit 1
    addr6 vp "$US6" in_ns "$prog" || exit 1
    peer_icmp_unlimited in_ns "$host" || exit 1
  fi
  peer_rules in_ns "$host" || exit 1
  icmp_later in_ns "$host" || exit 1
  start_peer "$(basename "$dir")" "$host" || exit 1
  run_one "$dir" nsenter -t "$prog" -n -- env -u LD_PRELOAD "$bin"
}

kernel_run "$work/native"
if [ "${COMPAT_NATIVE_ONLY:-0}" = 1 ]; then
  cat "$work/native.out"
  exit 0
fi

if [ "${TSK_BOTH_KERNEL:-0}" = 1 ]; then
  kernel_run "$work/shim"
  compare_transcripts "$expected"
fi

# --- the shim's run ---
new_ns || exit 1
tun=$ns_pid
ns_base in_ns "$tun" || exit 1
peer_rules in_ns "$tun" || exit 1
daemon_args="--tun tsk0 --address 198.18.0.2/24 --host-address 198.18.0.1/24"
if [ "$COMPAT_INET6" = 1 ]; then
  daemon_args="$daemon_args --address $US6/64"
  peer_icmp_unlimited in_ns "$tun" || exit 1
fi
in_ns "$tun" nft -f - <<'EOF' || exit 1
table inet tsk {
  chain out {
    type filter hook output priority 0;
    oifname "lo" tcp flags & rst == 0 counter reject with tcp reset
  }
}
EOF
TUNSOCKD_PREFIX="nsenter -t $tun -n --" TUNSOCK_LOG=${TUNSOCK_LOG:-info,ip=debug} \
  TUNSOCKD_ARGS="$daemon_args" start_tunsockd "$work/daemon" || exit 1
if [ "$COMPAT_INET6" = 1 ]; then
  # The kernel's side of the device (the daemon gives it the IPv4 address).
  in_ns "$tun" ip -6 addr show dev tsk0 | grep -q "$PEER6/" || addr6 tsk0 "$PEER6" in_ns "$tun" || exit 1
fi
start_peer shim "$tun" || exit 1
run_one "$work/shim" nsenter -t "$tun" -n -- env LD_PRELOAD="$build/lib/libtunsock.so" "$bin"
fell=$(in_ns "$tun" nft list chain inet tsk out 2>/dev/null | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
stop_tunsockd
if [ -n "$fell" ] && [ "$fell" != 0 ]; then
  echo "fall-through: the kernel of the shim's namespace sent $fell TCP packets through lo" >>"$work/shim.out"
fi
# A socket the daemon hands to the host kernel may pass a case that never
# touches the wire (options only): that is no pass of the stack.
if grep -q "inet6\? stream socket.*the host kernel's" "$work/daemon/daemon.log"; then
  echo "fall-through: the daemon handed an inet stream socket to the host kernel" >>"$work/shim.out"
fi

compare_transcripts "$expected"
