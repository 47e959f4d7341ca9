#!/usr/bin/env bash
# Name resolution through the stack with IPv6 name servers, differential
# (tun_resolve.sh's companion): the kernel's dnsmasq listens on the TUN
# device's host side, 2001:db8::1 and 198.18.0.1; the stack has
# 2001:db8::2/64 and 198.18.0.2/24. The same resolver calls
# (tests/programs/resolve_check.c) run on the kernel and under the shim with
# a private /etc/resolv.conf naming IPv6 servers, and the transcripts must
# match: A, AAAA, CNAME chains to AAAA-only names, NXDOMAIN, /etc/hosts
# entries (IPv6 ones, ::1), getnameinfo/gethostbyaddr of IPv6 addresses
# (PTR in ip6.arpa), gethostbyname2(AF_INET6), AI_ADDRCONFIG with both
# families configured, AI_V4MAPPED and AI_ALL, a 40-AAAA answer (truncated
# over UDP, asked again over TCP over IPv6), a silent IPv6 server
# (timeout:1 attempts:2: the same errors, as many queries, about as long),
# a silent IPv6 server before an IPv4 one, and "options rotate" over an
# IPv4 and an IPv6 server (both get queries). AI_ADDRCONFIG on an
# IPv6-only view (a namespace with one IPv6 address against a daemon with
# only an IPv6 --address): the same answers. Then `curl http://NAME:8080/`
# under the shim, NAME an A or an AAAA name, resolved by the IPv4 and by
# the IPv6 server. The kernel's own DNS through lo is dropped (nftables)
# during the shim's runs, and the daemon's packet log shows the queries.
# Skipped (77) while the stack does not serve inet6 UDP.
# Usage: tun_resolve6.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tun_resolve_lib.sh
source "$here/tun_resolve_lib.sh"
resolve_enter_ns "$@"

STACK_IP6=2001:db8::2
HOST_IP6=2001:db8::1
SILENT6=2001:db8::77
resolve_begin tun-resolve6
TUN_EXTRA_ARGS="--address $STACK_IP6/64 --gateway $HOST_IP6"
tun_start "$work"
sysctl -qw "net.ipv6.conf.$TUN_DEV.disable_ipv6=0"
sysctl -qw "net.ipv6.conf.$TUN_DEV.accept_dad=0"
ip -6 addr add "$HOST_IP6/64" dev "$TUN_DEV" nodad
ip link set "$TUN_DEV" up
# The answers' addresses (198.19.0.0/16, 2001:db8:1::/48) reachable from
# both sides (RFC 6724's rule 1 sees the same usable destinations).
ip route add 198.19.0.0/16 dev "$TUN_DEV"
ip -6 route add 2001:db8:1::/48 dev "$TUN_DEV"

if ! LD_PRELOAD="$build/lib/libtunsock.so" python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8::2", 0))' 2>/dev/null; then
  echo "SKIP: the stack does not serve inet6 UDP yet (an AF_INET6 socket under the shim cannot bind $STACK_IP6)"
  exit 77
fi

cat >"$work/hosts" <<'EOF'
127.0.0.1 localhost
::1 localhost ip6-localhost
198.19.0.50 filehost.test filealias
2001:db8:1::50 filehost6.test filealias6
198.19.0.60 multi.test
2001:db8:1::60 multi.test
EOF
printf 'nameserver %s\nsearch example.test\noptions ndots:1 timeout:2 attempts:2\n' "$HOST_IP6" >"$work/resolv.main"
printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$HOST_IP" >"$work/resolv.v4"
printf 'nameserver %s\noptions timeout:1 attempts:2\n' "$SILENT6" >"$work/resolv.silent"
printf 'nameserver %s\nnameserver %s\noptions timeout:1 attempts:1\n' "$SILENT6" "$HOST_IP" >"$work/resolv.silentfirst"
printf 'nameserver %s\nnameserver %s\noptions rotate timeout:2 attempts:2\n' "$HOST_IP" "$HOST_IP6" >"$work/resolv.rotate"
resolve_mount

resolve_dnsmasq "\\[$HOST_IP6\\]:53 " --listen-address="$HOST_IP" --listen-address="$HOST_IP6" \
  --local=/198.in-addr.arpa/ --local=/8.b.d.0.1.0.0.2.ip6.arpa/ \
  --host-record=www.example.test,198.19.0.10 \
  --host-record=v6.example.test,2001:db8:1::10 \
  --host-record=both.example.test,198.19.0.11,2001:db8:1::11 \
  --host-record=web.example.test,"$HOST_IP" \
  --host-record=web6.example.test,"$HOST_IP6" \
  --cname=alias.example.test,v6.example.test \
  --cname=alias2.example.test,alias.example.test \
  $(for i in $(seq 10 49); do printf -- '--host-record=big6.example.test,2001:db8:1::1:%d ' "$i"; done)

names=(www.example.test v6.example.test both.example.test alias2.example.test nosuch.example.test v6
       filehost6.test filealias6 multi.test localhost web6.example.test)
reverse=(2001:db8:1::10 2001:db8:1::11 2001:db8:1::99 "$HOST_IP6" 2001:db8:1::50 ::1 ::ffff:198.19.0.10
         fe80::1 198.19.0.11)
# silent PREFIX...: the silent server's case, its wall time into $work/silent.ms
silent() {
  local t0
  t0=$(date +%s%N)
  "$@" timeout 60 "$check" --few www.example.test || echo "resolve_check: exit $?"
  echo $((($(date +%s%N) - t0) / 1000000)) >"$work/silent.ms"
}
transcript() {  # transcript TAG PREFIX...: every case, into $work/TAG.txt
  local tag=$1; shift
  {
    use_resolv main
    "$@" timeout 60 "$check" --fixed "${names[@]}" || echo "resolve_check: exit $?"
    echo "### reverse"
    "$@" timeout 60 "$check" --reverse "${reverse[@]}" || echo "resolve_check: exit $?"
    echo "### AI_ADDRCONFIG, both families configured"
    "$@" timeout 60 "$check" --addrconfig both.example.test v6.example.test www.example.test NULL filehost6.test ||
      echo "resolve_check: exit $?"
    echo "### 40 AAAA, truncated over UDP: over TCP (compared sorted)"
    "$@" timeout 60 "$check" --sort big6.example.test || echo "resolve_check: exit $?"
    echo "### an IPv4 server"
    use_resolv v4
    "$@" timeout 60 "$check" --few web6.example.test alias2.example.test || echo "resolve_check: exit $?"
    echo "### a silent IPv6 server before an IPv4 one"
    use_resolv silentfirst
    "$@" timeout 60 "$check" --few www.example.test nosuch.example.test || echo "resolve_check: exit $?"
    echo "### a silent IPv6 server alone"
    use_resolv silent
    silent "$@"
    use_resolv main
  } >"$work/$tag.txt" 2>&1
  cp "$work/silent.ms" "$work/$tag.silent.ms"
}
# rotate SIDE PREFIX...: lookups over an IPv4 and an IPv6 server with
# "options rotate"; both must get queries (dnsmasq logs the source).
rotate() {
  local side=$1; shift
  local mark
  mark=$(wc -l <"$work/dnsmasq.log")
  use_resolv rotate
  "$@" timeout 60 "$check" --few www.example.test v6.example.test both.example.test web.example.test \
    >"$work/rotate.$side.txt" 2>&1 || echo "resolve_check: exit $?" >>"$work/rotate.$side.txt"
  use_resolv main
  sed -n "$((mark + 1)),\$p" "$work/dnsmasq.log" >"$work/rotate.$side.log"
}

# The web server for curl: dual-stack on the kernel ([::]:8080).
resolve_http :: ":8080 "

# The kernel's queries to the silent server, counted on the way out.
nft -f - <<EOF
table inet tskcount {
  chain out {
    type filter hook output priority 0;
    ip6 daddr $SILENT6 udp dport 53 counter
  }
}
EOF
silent_count() { nft list table inet tskcount | awk '{for (i = 1; i < NF; ++i) if ($i == "packets") s += $(i + 1)} END {print s + 0}'; }
transcript kernel
kernel_silent=$(silent_count)
rotate kernel
grep -q "^getaddrinfo(www.example.test, NULL, family=0 socktype=0 flags=0): 0" "$work/kernel.txt" ||
  { echo "FAIL: the responder does not answer on the kernel"; cat "$work/kernel.txt"; exit 1; }

# From here on the namespace's kernel may not carry DNS through lo.
drop_kernel_dns
resolve_rule_works 30
drop_kernel_dns

shim_env=(env TUNSOCK_SHIM_LOG="$work/shim.log" LD_PRELOAD="$build/lib/libtunsock.so")
lines_before=$(wc -l <"$work/dnsmasq.log")
transcript shim "${shim_env[@]}"
resolve_compare
rotate shim "${shim_env[@]}"
diff -u "$work/rotate.kernel.txt" "$work/rotate.shim.txt" || { echo "FAIL: rotate transcripts differ"; fail=1; }
dropped_by "the shim's transcripts"
tail -n +"$((lines_before + 1))" "$work/dnsmasq.log" >"$work/dnsmasq.shim.log"
grep -q "query\[AAAA\] v6.example.test from $STACK_IP6" "$work/dnsmasq.shim.log" ||
  { echo "FAIL: dnsmasq saw no query from the stack's IPv6 address"; fail=1; }

echo "--- rotate over $HOST_IP and $HOST_IP6: both servers asked"
for side in kernel shim; do
  src4=$HOST_IP src6=$HOST_IP6
  [ $side = shim ] && src4=$STACK_IP src6=$STACK_IP6
  n4=$(grep -c "query\[.*\] .* from $src4$" "$work/rotate.$side.log" || true)
  n6=$(grep -c "query\[.*\] .* from $src6$" "$work/rotate.$side.log" || true)
  echo "$side: $n4 queries to $HOST_IP, $n6 to $HOST_IP6"
  [ "$n4" -gt 0 ] && [ "$n6" -gt 0 ] || { echo "FAIL: rotate on the $side asked one server only"; fail=1; }
done

echo "--- the silent IPv6 server (timeout:1 attempts:2)"
shim_silent=$(grep -c "Out IP6 $STACK_IP6\.[0-9]* > $SILENT6\.53: UDP" "$work/daemon.log" || true)
ks=$(cat "$work/kernel.silent.ms") ss_=$(cat "$work/shim.silent.ms")
echo "queries to $SILENT6 (both silent cases): kernel $kernel_silent, shim $shim_silent"
echo "the silent server alone: kernel ${ks} ms, shim ${ss_} ms"
[ "$shim_silent" = "$kernel_silent" ] || { echo "FAIL: not as many queries to the silent server"; fail=1; }
# As long within a second per call (three calls: getaddrinfo,
# gethostbyname, res_query).
d=$((ks - ss_))
[ ${d#-} -le 3000 ] || { echo "FAIL: the silent server's calls took ${ss_} ms under the shim, ${ks} ms on the kernel"; fail=1; }

echo "--- AI_ADDRCONFIG on an IPv6-only view"
# A namespace of its own with one IPv6 address (on a TUN device nobody
# holds: addresses count whatever the link's state), and under
# the shim a daemon whose only --address is IPv6 (a TUN device of that
# namespace): IPv6 counts, IPv4 does not (127.0.0.1 never does).
resolve_addrconfig addrconfig6 "ip tuntap add d6 mode tun && ip link set d6 up
  sysctl -qw net.ipv6.conf.d6.accept_dad=0 2>/dev/null || true
  ip -6 addr add 2001:db8:5::1/64 dev d6 nodad" "ip link del d6" "--tun tsk9 --address 2001:db8:5::2/64" \
  localhost filehost6.test multi.test NULL 198.18.0.9 2001:db8::9
grep -q "^getaddrinfo(localhost, 80, family=2 socktype=1 flags=0x20): EAI_NONAME$" "$work/addrconfig6.kernel.txt" ||
  { echo "FAIL: the IPv6-only namespace's glibc does not refuse AF_INET with AI_ADDRCONFIG"; fail=1; }
diff -u "$work/addrconfig6.kernel.txt" "$work/addrconfig6.shim.txt" ||
  { echo "FAIL: AI_ADDRCONFIG on an IPv6-only view differs"; fail=1; }

echo "--- curl http://NAME:8080/ under the shim, NAME from an IPv4 and an IPv6 server"
for server in v4 main; do
  use_resolv $server
  for name in web.example.test web6.example.test; do
    body=$("${shim_env[@]}" timeout 30 curl -s --max-time 10 "http://$name:8080/" || true)
    echo "curl $name (server $(awk '/^nameserver/ {print $2; exit}' "$work/resolv.conf")): $body"
    [ "$body" = "resolved through the stack" ] || { echo "FAIL: curl http://$name:8080/ under the shim"; fail=1; }
  done
done
use_resolv main
resolve_http_stop
grep -q "\"GET / HTTP/1.1\" 200" "$work/http.log" || { echo "FAIL: http.server saw no request"; fail=1; }
dropped_by "curl"

resolve_end
logged "Out IP6 $STACK_IP6\.[0-9]* > $HOST_IP6\.53: UDP" \
  "no query to [$HOST_IP6]:53 in the daemon's packet log"
logged "Out IP6 $STACK_IP6\.[0-9]* > $HOST_IP6\.53: Flags \[S\]" \
  "no DNS over TCP over IPv6 (the truncated answer) in the daemon's packet log"
logged "Out IP6 $STACK_IP6\.[0-9]* > $HOST_IP6\.8080: Flags \[S\]" \
  "no HTTP over IPv6 through the stack in the daemon's packet log"
resolve_verdict
