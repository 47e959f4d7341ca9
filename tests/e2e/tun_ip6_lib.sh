# Shared setup of the IPv6 end-to-end tests (tests/e2e/tun_*6*.sh); source it
# after setting `build`, then call tun_enter_netns "$@" and ip6_begin TAG.
# On top of tun_tcp_lib.sh (shim, shim_bg, kernel_bg, stop_bg, wait_for):
# the daemon's TUN device tsk0 carries both families, the stack
# 198.18.0.2/24 and 2001:db8::2/64, the namespace's kernel (the host side)
# 198.18.0.1/24 and 2001:db8::1/64, given by the daemon itself
# (--host-address in both families: IPv6 is off for new links in these
# namespaces, tunsockd turns it on for its device).
#   ip6_begin TAG     $work, the nftables rule, the daemon; cleanup on exit
#   on_kernel_via_lo CMD...  CMD on the kernel with the rule lifted
#   ip6_fellthrough   fails (and says so) when the namespace's kernel carried
#                     traffic of the program side: IPv6 of any protocol, or
#                     IPv4 TCP, through lo (refused by the rule and counted)
#   ip6_end_check F   ip6_fellthrough, stop the daemon; the test's verdict
# The program side runs under the shim in this namespace; the kernel side
# (nginx, dnsmasq, iperf3, curl) on the namespace's kernel, reached through
# tsk0. The kernel talks to its own 2001:db8::1 and 198.18.0.1 through lo:
# a program whose socket silently fell through to the kernel would do so
# too, and the rule refuses it (IPv6 of every protocol, IPv4 TCP), so the
# test fails instead of passing. Every client is bounded by `timeout`.
# shellcheck source=tun_tcp_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tun_tcp_lib.sh"
STACK_IP6=2001:db8::2
HOST_IP6=2001:db8::1

# ip6_daemon: (re)start the daemon on tsk0 with both families
# (IP6_EXTRA_ARGS: more options; IP6_PCAP=NAME: --pcap $work/NAME).
ip6_daemon() {
  local pcap=${IP6_PCAP:+--pcap $work/$IP6_PCAP}
  TUN_EXTRA_ARGS="--address $STACK_IP6/64 --gateway $HOST_IP6 --host-address $HOST_IP6/64 $pcap ${IP6_EXTRA_ARGS:-}" \
    tun_start "$work"
  wait_for 5 ip6_host_ready || { echo "FAIL: $HOST_IP6 not usable on $TUN_DEV"; ip -6 addr show dev "$TUN_DEV"; return 1; }
}
ip6_host_ready() { ip -6 addr show dev "$TUN_DEV" | grep -q "inet6 $HOST_IP6/64 scope global" &&
  ! ip -6 addr show dev "$TUN_DEV" | grep -q tentative; }

# ip6_rule: install the refusing rule (counters at zero).
ip6_rule() {
  nft -f - <<'EOF'
table inet tsk {
  chain out {
    type filter hook output priority 0;
    oifname "lo" meta nfproto ipv6 counter reject
    oifname "lo" meta nfproto ipv4 tcp flags & rst == 0 counter reject with tcp reset
  }
}
EOF
}
# on_kernel_via_lo CMD...: CMD on the kernel with the rule lifted (a check
# that the kernel side works: it talks to its own address through lo), then
# the rule back with its counters at zero.
on_kernel_via_lo() {
  local rc=0
  nft delete table inet tsk
  "$@" || rc=$?
  ip6_rule
  return $rc
}

ip6_begin() {
  work=$(mktemp -d "/tmp/tunsock-$1.XXXXXX")
  spid=
  trap tcp_end EXIT
  ip link set lo up
  ip6_rule
  ip6_daemon
  KERNEL_IF=$TUN_DEV
}

ip6_fellthrough() {
  local n
  n=$(nft list chain inet tsk out 2>/dev/null | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
  if [ "$n" != 0 ]; then
    echo "FAIL: fall-through: the namespace's kernel sent $n packets of the program side through lo"
    nft list chain inet tsk out
    return 1
  fi
  if grep -q "the host kernel's" "$work/daemon.log"; then
    echo "FAIL: fall-through: the daemon handed a socket to the host kernel"
    return 1
  fi
}

ip6_end_check() {
  local fail=$1
  ip6_fellthrough || fail=1
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
