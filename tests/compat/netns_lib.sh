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

ns_base() {  # lo up, IPv6 off (nothing but our IPv4 on the links)
  "$@" ip link set lo up
  "$@" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
  "$@" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
}
