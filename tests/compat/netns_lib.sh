# Network namespaces for the compat runners (sourced): each is held by a
# sleeping process whose pid the caller's holders array keeps, so that its
# cleanup kills them and the namespaces go with them.

# new_ns: start a process holding a fresh network namespace; its pid in $ns_pid.
new_ns() {
  unshare -n sleep 300 &
  ns_pid=$!
  holders+=("$ns_pid")
  local i
  for i in $(seq 100); do
    [ "$(readlink /proc/$ns_pid/ns/net)" != "$(readlink /proc/self/ns/net)" ] && return 0
    sleep 0.01
  done
  echo "no namespace" >&2
  return 1
}
in_ns() { local p=$1; shift; nsenter -t "$p" -n -- "$@"; }

# ns_base [PREFIX...]: lo up, IPv6 off (nothing but our IPv4 on the links);
# with COMPAT_INET6=1 (the IPv6 cases) IPv6 on instead, with no duplicate
# address detection, router solicitation or autoconfiguration, so that the
# 2001:db8:: addresses work at once and nothing else appears on the links.
# Both: ping sockets allowed to root's group (both runs alike).
ns_base() {
  "$@" ip link set lo up
  "$@" sysctl -qw "net.ipv4.ping_group_range=0 0" || return 1
  if [ "${COMPAT_INET6:-0}" = 1 ]; then
    local k
    for k in all default; do
      "$@" sysctl -qw net.ipv6.conf.$k.disable_ipv6=0 net.ipv6.conf.$k.accept_dad=0 \
        net.ipv6.conf.$k.dad_transmits=0 net.ipv6.conf.$k.router_solicitations=0 \
        net.ipv6.conf.$k.accept_ra=0 net.ipv6.conf.$k.autoconf=0 || return 1
    done
    "$@" sysctl -qw net.ipv6.conf.lo.disable_ipv6=0 || return 1
    return 0
  fi
  "$@" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
  "$@" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
}

# inet6_mode CASE_BINARY: sets COMPAT_INET6=1 for the IPv6 cases (binaries
# compat_udp6_* and compat_tcp6_*) unless the environment says already.
inet6_mode() {
  case "$(basename "$1")" in
    compat_udp6_* | compat_tcp6_*) COMPAT_INET6=${COMPAT_INET6:-1} ;;
  esac
  export COMPAT_INET6=${COMPAT_INET6:-0}
}

# The IPv6 cases' addresses (2001:db8::/64 on the link; the program's side
# ::2, the kernel peer's ::1), as inet6_compat.h has them.
PEER6=2001:db8::1
US6=2001:db8::2
# addr6 DEV ADDR [PREFIX...]: ADDR/64 on DEV without DAD.
addr6() {
  local dev=$1 a=$2
  shift 2
  "$@" ip -6 addr add "$a/64" dev "$dev" nodad
}
# peer_icmp_unlimited [PREFIX...]: the kernel peer's ICMP errors unlimited
# (its port unreachables must not depend on how fast a case sends).
peer_icmp_unlimited() {
  "$@" sysctl -qw net.ipv6.icmp.ratelimit=0 net.ipv4.icmp_ratelimit=0
}
