#!/usr/bin/env bash
# A network namespace for running programs over tunsock on a real TUN device,
# so that nothing touches the machine's own network. Needs root.
#
#   scripts/netns.sh up [NAME]     create namespace NAME (default tsk0) with:
#                                    lo up
#                                    TUN device NAME, persistent, owned by $TUNSOCK_USER
#                                    (default: $SUDO_USER or root), host side
#                                    $HOST_ADDR (198.18.0.1/24), MTU $MTU (1500), up
#   scripts/netns.sh down [NAME]   kill what runs inside, delete the device and namespace
#   scripts/netns.sh exec [NAME] CMD...   run CMD inside (ip netns exec)
#
# Topology: one namespace holds everything. Its kernel is "the host side":
# it owns 198.18.0.1 on the TUN device and routes 198.18.0.0/24 into it. tunsockd
# runs inside the same namespace, attached to the device, and is 198.18.0.2 on
# the other end of it. Programs under the shim must run inside too: the
# daemon's per-socket channels are abstract AF_UNIX names, which are per
# network namespace. So, inside the namespace:
#
#   kernel programs (ping, socat, dnsmasq) --- tsk0 198.18.0.1 ==TUN== tunsockd 198.18.0.2 --- programs under the shim
#
# Then, e.g.:
#   scripts/netns.sh exec tsk0 build/bin/tunsockd --tun tsk0 --address 198.18.0.2/24 --gateway 198.18.0.1 &
#   scripts/netns.sh exec tsk0 build/bin/tunsock ping -c 3 198.18.0.1
# Tests do not use this script: each makes its own anonymous namespace with
# `unshare -n` (or `unshare -rn` without root), which vanishes with it.
set -euo pipefail

HOST_ADDR=${HOST_ADDR:-198.18.0.1/24}
MTU=${MTU:-1500}

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

up() {
  local ns=$1 user=${TUNSOCK_USER:-${SUDO_USER:-root}}
  if ip netns list | grep -qw "^$ns"; then
    echo "namespace $ns exists (scripts/netns.sh down $ns first)" >&2
    exit 1
  fi
  ip netns add "$ns"
  # From here on, a failure removes what was made.
  trap 'down "$ns" >/dev/null 2>&1 || true' ERR
  ip -n "$ns" link set lo up
  ip netns exec "$ns" ip tuntap add "$ns" mode tun user "$user"
  ip -n "$ns" link set "$ns" mtu "$MTU" txqueuelen 4096
  ip -n "$ns" addr add "$HOST_ADDR" dev "$ns"
  # IPv4 only on this link: no router solicitations into the stack.
  ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ns.disable_ipv6=1" || true
  ip -n "$ns" link set "$ns" up
  trap - ERR
  echo "namespace $ns: TUN device $ns (owner $user), host side $HOST_ADDR, mtu $MTU"
  echo "run the daemon:  ip netns exec $ns tunsockd --tun $ns --address 198.18.0.2/24 --gateway ${HOST_ADDR%/*}"
}

down() {
  local ns=$1
  ip netns list | grep -qw "^$ns" || return 0
  local pids
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 20); do
      [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
      sleep 0.1
    done
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  fi
  ip netns exec "$ns" ip tuntap del "$ns" mode tun 2>/dev/null || true
  ip netns del "$ns"
  echo "namespace $ns removed"
}

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
case $cmd in
  up) up "${1:-tsk0}" ;;
  down) down "${1:-tsk0}" ;;
  exec)
    ns=tsk0
    if [ $# -gt 1 ] && ip netns list | grep -qw "^$1"; then ns=$1; shift; fi
    exec ip netns exec "$ns" "$@"
    ;;
  *) usage ;;
esac
