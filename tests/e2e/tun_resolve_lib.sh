# shellcheck shell=bash
# Shared setup of the name resolution tests (tun_resolve.sh over IPv4 name
# servers, tun_resolve6.sh over IPv6 ones). Source it after setting
# `build`, then:
#   resolve_enter_ns "$@"   re-run the script in fresh network, mount and
#                           UTS namespaces (its /etc/hosts, /etc/resolv.conf
#                           and host name box.example.test, so NI_NOFQDN
#                           strips ".example.test", are its own)
#   resolve_begin TAG       $work; cleanup on exit (dnsmasq in $dpid, the web
#                           server in $hpid, the daemon, the bind mounts)
#   resolve_mount           $work/hosts and $work/resolv.main become
#                           /etc/hosts and /etc/resolv.conf;
#                           use_resolv NAME puts $work/resolv.NAME there
#   resolve_dnsmasq WAIT ARGS...  dnsmasq (queries logged into
#                           $work/dnsmasq.log, authoritative for test/), until
#                           `ss -lun` shows WAIT (a regex)
#   resolve_http BIND WAIT  python3's http.server on BIND:8080 serving
#                           "resolved through the stack", until `ss -ltn`
#                           shows WAIT
#   drop_kernel_dns         from then on the namespace's kernel drops (and
#                           counts) DNS through lo; again: counters at 0
#   dropped_by WHAT         fail when the kernel carried DNS since
#   resolve_rule_works T    the rule works: glibc's own resolver under the
#                           shim (TUNSOCK_RESOLVER=host) now fails (timeout T)
#   resolve_compare         $work/kernel.txt and shim.txt must match
#   resolve_addrconfig TAG SETUP UNDO DAEMON_ARGS NAME...
#                           resolve_check --addrconfig NAME... in a network
#                           namespace of its own (lo up, then SETUP) on the
#                           kernel into $work/TAG.kernel.txt, then (after
#                           UNDO) under the shim against a daemon with
#                           DAEMON_ARGS into $work/TAG.shim.txt
#   resolve_http_stop       stop the web server
#   resolve_end             stop dnsmasq and the daemon (its log stays)
#   logged PATTERN MESSAGE  fail with MESSAGE unless the daemon's packet log
#                           has a line PATTERN (grep)
#   resolve_verdict         PASS, or FAIL with the logs' tails; exits $fail
# $check is resolve_check; $fail starts at 0.
# shellcheck source=../support/tun_ns.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../support/tun_ns.sh"
check=$build/bin/resolve_check
fail=0

resolve_enter_ns() {
  if [ -z "${TUNSOCK_E2E_IN_NS:-}" ]; then
    local u=-n
    [ "$(id -u)" -eq 0 ] || u=-rn
    export TUNSOCK_E2E_IN_NS=1
    exec unshare -m -u $u -- bash "$0" "$@"
  fi
  mount --make-rprivate / 2>/dev/null || true
  hostname box.example.test
}

resolve_begin() {
  work=$(mktemp -d "/tmp/tunsock-$1.XXXXXX")
  dpid='' hpid=''
  trap resolve_cleanup EXIT
}
resolve_cleanup() {
  set +e
  [ -n "$dpid" ] && kill "$dpid" 2>/dev/null
  [ -n "$hpid" ] && kill "$hpid" 2>/dev/null
  tun_stop 2>/dev/null
  umount /etc/resolv.conf /etc/hosts 2>/dev/null
  [ -n "${TSK_KEEP:-}" ] || rm -rf "$work"
}

resolve_mount() {
  cp "$work/resolv.main" "$work/resolv.conf"
  mount --bind "$work/hosts" /etc/hosts
  mount --bind "$work/resolv.conf" /etc/resolv.conf
}
use_resolv() { cat "$work/resolv.$1" >"$work/resolv.conf"; }

resolve_dnsmasq() {
  local wait=$1; shift
  dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces --port=53 --user="$(id -un)" \
    --pid-file="$work/dnsmasq.pid" --log-queries --local=/test/ "$@" >"$work/dnsmasq.log" 2>&1 &
  dpid=$!
  wait_for 5 sh -c "ss -lun | grep -q '$wait'" ||
    { echo "FAIL: dnsmasq did not start"; cat "$work/dnsmasq.log"; exit 1; }
}

resolve_http() {
  mkdir -p "$work/www" && echo "resolved through the stack" >"$work/www/index.html"
  python3 -m http.server --bind "$1" --directory "$work/www" 8080 >"$work/http.log" 2>&1 &
  hpid=$!
  wait_for 30 sh -c "ss -ltn | grep -q '$2'" || { echo "FAIL: http.server did not start"; exit 1; }
}

drop_kernel_dns() {
  nft delete table inet tskr 2>/dev/null || true
  nft -f - <<'NFT'
table inet tskr {
  chain out {
    type filter hook output priority 0;
    oifname "lo" udp dport 53 counter drop
    oifname "lo" tcp dport 53 counter reject with tcp reset
  }
}
NFT
}
dropped_by() {
  local n
  n=$(nft list table inet tskr | awk '{for (i = 1; i < NF; ++i) if ($i == "packets") s += $(i + 1)} END {print s + 0}')
  [ "${n:-0}" = 0 ] || { echo "FAIL: the kernel carried $n DNS packets through lo (by $1)"; fail=1; }
}
resolve_rule_works() {
  local sanity
  sanity=$(TUNSOCK_RESOLVER=host LD_PRELOAD="$build/lib/libtunsock.so" timeout "$1" "$check" --few www.example.test 2>&1 ||
    true)
  grep -q "^getaddrinfo(www.example.test, NULL, family=0 socktype=0 flags=0): EAI_AGAIN$" <<<"$sanity" ||
    { echo "FAIL: the kernel's DNS is not dropped: a fall-through would pass"; echo "$sanity"; fail=1; }
}

resolve_compare() {
  if diff -u "$work/kernel.txt" "$work/shim.txt" >"$work/diff.txt"; then
    echo "transcripts match: $(grep -c '^getaddrinfo\|^gethostby\|^res_\|getnameinfo' "$work/kernel.txt") calls"
  else
    echo "FAIL: kernel and shim transcripts differ"; cat "$work/diff.txt"; fail=1
  fi
}

resolve_addrconfig() {
  local tag=$1 setup=$2 undo=$3 args=$4
  shift 4
  # shellcheck disable=SC2016
  unshare -n -- bash -c '
    b=$1 w=$2 tag=$3 setup=$4 undo=$5 args=$6; shift 6
    ip link set lo up
    eval "$setup"
    "$b/bin/resolve_check" --addrconfig "$@" >"$w/$tag.kernel.txt" 2>&1
    eval "$undo"
    export TUNSOCK_SOCKET=$w/$tag.sock
    # shellcheck disable=SC2086
    "$b/bin/tunsockd" --socket "$TUNSOCK_SOCKET" $args >"$w/$tag.log" 2>&1 & d=$!
    for _ in $(seq 200); do [ -S "$TUNSOCK_SOCKET" ] && break; sleep 0.025; done
    LD_PRELOAD=$b/lib/libtunsock.so timeout 30 "$b/bin/resolve_check" --addrconfig "$@" >"$w/$tag.shim.txt" 2>&1
    kill $d; wait $d 2>/dev/null' bash "$build" "$work" "$tag" "$setup" "$undo" "$args" "$@" || true
}

resolve_http_stop() { kill "$hpid" 2>/dev/null || true; wait "$hpid" 2>/dev/null || true; hpid=; }

resolve_end() {
  kill "$dpid" 2>/dev/null || true; wait "$dpid" 2>/dev/null || true; dpid=
  tun_stop
}
logged() { grep -q "$1" "$work/daemon.log" || { echo "FAIL: $2"; fail=1; }; }
resolve_verdict() {
  if [ $fail -ne 0 ]; then
    echo "--- shim log (tail)"; tail -30 "$work/shim.log" 2>/dev/null || true
    echo "--- daemon log (tail)"; tail -30 "$work/daemon.log"
    echo FAIL
  else
    echo PASS
  fi
  exit $fail
}
