# Shared setup of the TUN end-to-end tests. Source it from a test script
# after setting `build`; then:
#   tun_enter_netns "$@"   re-run the calling script inside a fresh network
#                          namespace (unshare -n as root, else unshare -rn);
#                          the namespace dies with the script, nothing to clean
#   tun_start DIR          lo up, tunsockd on DIR creating TUN device tsk0:
#                          stack 198.18.0.2/24, gateway and host side 198.18.0.1/24
#   tun_stop               stop the daemon (its log keeps the final counters)
#   tun_begin TAG          $work, the daemon in it, cleanup on exit ($spid too)
#   shim CMD...            run CMD under libtunsock.so (unix and inet go to the
#                          stack: the daemon serves them)
#   shim_bg CMD...         the same in the background; BG_PID is CMD itself (a
#                          function in the background would be a subshell, and
#                          killing it would leave CMD holding ctest's output)
#   kernel_bg CMD...       CMD in the background on the kernel; BG_PID as above
#   wait_for SECONDS CMD... poll until CMD succeeds
# Topology (see scripts/netns.sh): the namespace's kernel is the host side.
TUN_DEV=tsk0
STACK_IP=198.18.0.2
HOST_IP=198.18.0.1

here_support=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=daemon.sh
source "$here_support/daemon.sh"

tun_enter_netns() {
  if [ -z "${TUNSOCK_E2E_IN_NS:-}" ]; then
    local u=-n
    [ "$(id -u)" -eq 0 ] || u=-rn
    export TUNSOCK_E2E_IN_NS=1
    exec unshare $u -- bash "$0" "$@"
  fi
}

tun_start() {
  local dir=$1
  export TUNSOCK_BUILD=$build
  ip link set lo up
  # IPv4 only on the test link: no IPv6 router solicitations into the stack.
  sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
  TUNSOCKD_ARGS="--tun $TUN_DEV --address $STACK_IP/24 --gateway $HOST_IP --host-address $HOST_IP/24 ${TUN_EXTRA_ARGS:-}" \
    TUNSOCK_LOG=${TUNSOCK_LOG:-info,ip=debug} start_tunsockd "$dir"
  # The device exists once the control socket does (interfaces come first).
  ip link show "$TUN_DEV" >/dev/null
}

tun_stop() { stop_tunsockd; }

# tun_begin TAG: $work made (/tmp/tunsock-TAG.*), the daemon started in it;
# on exit the background program in $spid (if any) is killed, the daemon
# stopped and $work removed.
tun_begin() {
  work=$(mktemp -d "/tmp/tunsock-$1.XXXXXX")
  spid=
  trap tun_end EXIT
  tun_start "$work"
}
tun_end() {
  [ -n "${spid:-}" ] && kill "$spid" 2>/dev/null || true
  tun_stop 2>/dev/null || true
  rm -rf "$work"
}

shim() { LD_PRELOAD=$build/lib/libtunsock.so "$@"; }
shim_bg() {
  (exec env LD_PRELOAD="$build/lib/libtunsock.so" "$@") &
  BG_PID=$!
}
kernel_bg() {
  "$@" &
  BG_PID=$!
}

wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.05
  done
}
