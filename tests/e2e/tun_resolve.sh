#!/usr/bin/env bash
# Name resolution through the stack, differential: the same resolver calls
# (tests/programs/resolve_check.c: getaddrinfo with several hint sets,
# getnameinfo, gethostbyname*, gethostbyaddr, res_query/res_search/
# res_querydomain) run on the kernel and under the shim against the same
# dnsmasq on the TUN device's host side, and the transcripts must match:
# A, AAAA, CNAME, NXDOMAIN, /etc/hosts entries (no query made for them),
# search domains with ndots, and a server that does not answer
# (EAI_AGAIN on both). Then `getent hosts`, python3's socket module and
# `curl http://NAME:8080/` under the shim. The test's own /etc/hosts and /etc/resolv.conf are bind
# mounts in a private mount namespace (the machine's files are never
# touched). Also: an IPv6 name server listed first, a 40-address answer
# (truncated over UDP, asked again over TCP), TUNSOCK_RESOLVER=host and
# TUNSOCK_DOMAINS=unix (glibc's own resolver), no daemon at all (errors at
# once), AI_ADDRCONFIG with a loopback-only daemon against a loopback-only
# namespace (neither counts 127.0.0.1 or ::1). Proof that the shim's queries went through the stack: the
# daemon's packet log shows them, and during the shim's runs nftables drops
# the namespace kernel's own DNS traffic through lo, so a lookup that fell
# through to the kernel would fail.
# Usage: tun_resolve.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tun_resolve_lib.sh
source "$here/tun_resolve_lib.sh"
resolve_enter_ns "$@"
resolve_begin tun-resolve
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
tun_start "$work"
# The answers' addresses (198.19.0.0/16) reachable from both sides, so that
# glibc's RFC 6724 ordering sees the same usable destinations on the kernel
# (this route) as under the shim (the stack's default route).
ip route add 198.19.0.0/16 dev "$TUN_DEV"

# The test's own hosts file and resolver configuration.
cat >"$work/hosts" <<'EOF'
127.0.0.1 localhost
198.19.0.50 filehost.test filealias
2001:db8::50 filehost6.test
198.19.0.51 www2.example.test
198.18.0.1 hostside
198.19.0.60 multi.test
2001:db8::60 multi.test
198.19.0.61 multi.test multialias
198.18.0.200 near.test
198.18.0.3 near.test
EOF
printf 'nameserver %s\nsearch example.test\noptions ndots:1 timeout:2 attempts:2\n' "$HOST_IP" >"$work/resolv.main"
printf 'nameserver %s\nsearch example.test\noptions ndots:2 timeout:2 attempts:2\n' "$HOST_IP" >"$work/resolv.ndots"
printf 'nameserver 198.18.0.77\noptions timeout:1 attempts:1\n' >"$work/resolv.dead"
printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$HOST_IP" >"$work/resolv.quick"
printf 'nameserver 2001:db8::53\nnameserver %s\noptions timeout:3 attempts:1\n' "$HOST_IP" >"$work/resolv.v6first"
resolve_mount

resolve_dnsmasq "$HOST_IP:53 " --listen-address="$HOST_IP" --local=/19.198.in-addr.arpa/ \
  --host-record=www.example.test,198.19.0.10 \
  --host-record=v6.example.test,2001:db8::10 \
  --host-record=both.example.test,198.19.0.11,2001:db8::11 \
  --host-record=www2.example.test,198.19.0.52 \
  --host-record=a.b.example.test,198.19.0.12 \
  --host-record=web.example.test,"$HOST_IP" \
  --cname=alias.example.test,www.example.test \
  $(for i in $(seq 10 49); do printf -- '--host-record=big.example.test,198.19.1.%d ' "$i"; done) \
  --cname=alias2.example.test,alias.example.test

# big.example.test: 40 A records, more than a 512-byte UDP answer holds:
# truncated, asked again over TCP (through the stack's TCP under the shim).
names=(www.example.test v6.example.test both.example.test alias2.example.test nosuch.example.test
       www filehost.test filealias filehost6.test www2.example.test localhost a.b
       www.example.test. WWW.Example.TEST)
transcript() {  # transcript TAG PREFIX...: every case, into $work/TAG.txt
  local tag=$1; shift
  {
    use_resolv main
    "$@" timeout 60 "$check" --fixed "${names[@]}" || echo "resolve_check: exit $?"
    "$@" timeout 60 "$check" --async || echo "resolve_check: exit $?"
    echo "### getent"
    for q in "ahosts both.example.test" "ahostsv4 alias2.example.test" "ahostsv6 www.example.test" \
             "hosts 198.19.0.10" "hosts v6.example.test" "hosts multialias" "hosts nosuch.example.test"; do
      # shellcheck disable=SC2086
      rc=0; "$@" timeout 30 getent $q || rc=$?; echo "getent $q: exit $rc"
    done
    echo "### 40 addresses, in dnsmasq's shuffled order: compared sorted"
    "$@" timeout 60 "$check" --sort big.example.test || echo "resolve_check: exit $?"
    echo "### ndots:2"
    use_resolv ndots
    "$@" timeout 60 "$check" a.b www.example.test || echo "resolve_check: exit $?"
    echo "### an IPv6 name server first (not reachable: the next one answers)"
    use_resolv v6first
    "$@" timeout 60 "$check" --few www.example.test nosuch.example.test || echo "resolve_check: exit $?"
    echo "### a server that does not answer"
    use_resolv dead
    "$@" timeout 60 "$check" --few www.example.test || echo "resolve_check: exit $?"
    use_resolv main
  } >"$work/$tag.txt" 2>&1
}

# Names the hosts file answers and numeric names make no query, on either
# side (dnsmasq logs every query it gets).
files_check() {  # files_check SIDE PREFIX...
  local side=$1; shift
  local mark
  mark=$(wc -l <"$work/dnsmasq.log")
  "$@" "$check" --files filehost.test filealias www2.example.test localhost multi.test multialias near.test 198.18.0.9 \
    2001:db8::9 \
    >"$work/files.$side.txt" 2>&1 || true
  if sed -n "$((mark + 1)),\$p" "$work/dnsmasq.log" | grep "query\[" >"$work/files.$side.queries"; then
    echo "FAIL: hosts-file or numeric names made queries ($side):"; cat "$work/files.$side.queries"; fail=1
  fi
}
files_shim() { files_check shim env LD_PRELOAD="$build/lib/libtunsock.so"; }

# The web server for curl, started now: its start-up reverse lookup of its
# own address (socket.getfqdn; the hosts file answers it) is the kernel's.
resolve_http "$HOST_IP" "$HOST_IP:8080 "

transcript kernel
files_check kernel
# glibc's own resolver under the shim on request, or when inet is not the
# stack's: the kernel's answers, and the shim's log says why.
for how in TUNSOCK_RESOLVER=host TUNSOCK_DOMAINS=unix; do
  env "$how" TUNSOCK_SHIM_LOG="$work/host.log" LD_PRELOAD="$build/lib/libtunsock.so" timeout 30 "$check" \
    --few www.example.test >"$work/host.txt" 2>&1 || true
  timeout 30 "$check" --few www.example.test >"$work/host.kernel.txt" 2>&1 || true
  diff -u "$work/host.kernel.txt" "$work/host.txt" || { echo "FAIL: $how under the shim is not glibc's resolver"; fail=1; }
done
grep -q "resolver: the daemon does not serve inet (or TUNSOCK_DOMAINS keeps it on the kernel): glibc's own" \
  "$work/host.log" || { echo "FAIL: no log line for glibc's resolver with TUNSOCK_DOMAINS=unix"; fail=1; }
if grep -q "through the stack" "$work/host.log"; then echo "FAIL: a lookup through the stack with glibc's asked for"; fail=1; fi
: >"$work/dnsmasq.log.kernel"; cp "$work/dnsmasq.log" "$work/dnsmasq.log.kernel"
grep -q "^getaddrinfo(www.example.test, NULL, family=0 socktype=0 flags=0): 0" "$work/kernel.txt" ||
  { echo "FAIL: the responder does not answer on the kernel"; cat "$work/kernel.txt"; exit 1; }

# From here on the namespace's kernel may not carry DNS through lo.
drop_kernel_dns
use_resolv quick
resolve_rule_works 20
drop_kernel_dns
lines_before=$(wc -l <"$work/dnsmasq.log")
transcript shim env TUNSOCK_SHIM_LOG="$work/shim.log" LD_PRELOAD="$build/lib/libtunsock.so"
resolve_compare
dropped_by "the shim's transcript"
files_shim
diff -u "$work/files.kernel.txt" "$work/files.shim.txt" || { echo "FAIL: hosts-file transcripts differ"; fail=1; }
tail -n +"$((lines_before + 1))" "$work/dnsmasq.log" >"$work/dnsmasq.shim.log"
grep -q "query\[A\] www.example.test from $STACK_IP" "$work/dnsmasq.shim.log" ||
  { echo "FAIL: dnsmasq saw no query from the stack's address"; fail=1; }

echo "--- AI_ADDRCONFIG as glibc decides it, on a loopback-only view"
# A namespace of its own with lo alone (127.0.0.1, ::1: neither counts, so
# glibc narrows nothing and refuses AF_INET and AF_INET6 alike), and under
# the shim a daemon without --tun (its interfaces: lo with 127.0.0.1/8):
# the same answers. (The daemon's TUN addresses: the transcripts above.)
resolve_addrconfig addrconfig "" "" "" localhost filehost.test multi.test NULL 198.18.0.9 2001:db8::9
if ! grep -q "^getaddrinfo(localhost, 80, family=2 socktype=1 flags=0x20): EAI_NONAME$" "$work/addrconfig.kernel.txt"; then
  echo "FAIL: the loopback-only namespace's glibc does not refuse AF_INET with AI_ADDRCONFIG"; fail=1
fi
diff -u "$work/addrconfig.kernel.txt" "$work/addrconfig.shim.txt" ||
  { echo "FAIL: AI_ADDRCONFIG on a loopback-only view differs"; fail=1; }

echo "--- libcares.so.2 is mapped at the first lookup, not before"
maps=$(LD_PRELOAD="$build/lib/libtunsock.so" cat /proc/self/maps)
if grep -q libcares <<<"$maps"; then echo "FAIL: a program that resolves nothing maps libcares"; fail=1; fi
maps=$(LD_PRELOAD="$build/lib/libtunsock.so" python3 -c '
import socket; socket.getaddrinfo("198.18.0.9", 80); print(open("/proc/self/maps").read().count("libcares"))
socket.gethostbyname("filehost.test"); print(open("/proc/self/maps").read().count("libcares") > 0)')
[ "$(echo $maps)" = "0 True" ] || { echo "FAIL: libcares mapped at the wrong time ($maps)"; fail=1; }

echo "--- no daemon: errors at once, never a hang, numeric names still answered"
start=$SECONDS
nod=$(TUNSOCK_SOCKET=$work/nowhere.sock LD_PRELOAD="$build/lib/libtunsock.so" timeout 20 "$check" --few www.example.test 198.18.0.9 2>/dev/null || true)
echo "$nod"
grep -q "^getaddrinfo(www.example.test, NULL, family=0 socktype=0 flags=0): EAI_AGAIN$" <<<"$nod" &&
  grep -q "^gethostbyname(www.example.test): NULL h_errno=TRY_AGAIN$" <<<"$nod" &&
  grep -q "^getaddrinfo(198.18.0.9, NULL, family=0 socktype=0 flags=0): 0$" <<<"$nod" ||
  { echo "FAIL: lookups without a daemon"; fail=1; }
[ $((SECONDS - start)) -lt 10 ] || { echo "FAIL: lookups without a daemon took $((SECONDS - start)) s"; fail=1; }

echo "--- getent hosts, python3 and curl under the shim"
out=$(TUNSOCK_SHIM_LOG="$work/shim.log" timeout 20 "$build/bin/tunsock" getent hosts www.example.test || true)
echo "getent: $out"
[ "$(echo $out)" = "198.19.0.10 www.example.test" ] || { echo "FAIL: getent hosts under the shim"; fail=1; }
py=$(TUNSOCK_SHIM_LOG="$work/shim.log" timeout 20 "$build/bin/tunsock" python3 -c \
  'import socket; print(socket.gethostbyname("alias2.example.test"), socket.getaddrinfo("v6.example.test", 80, type=socket.SOCK_STREAM)[0][4][0])' || true)
echo "python3: $py"
[ "$py" = "198.19.0.10 2001:db8::10" ] || { echo "FAIL: python3's socket.gethostbyname/getaddrinfo under the shim"; fail=1; }
# Lookups from many threads at once (a channel of c-ares per lookup, a
# control connection per thread).
par=$(timeout 60 "$build/bin/tunsock" python3 -c '
import socket
from concurrent.futures import ThreadPoolExecutor
names = ["www.example.test", "alias2.example.test", "a.b.example.test", "filehost.test"] * 40
with ThreadPoolExecutor(8) as ex:
    got = list(ex.map(socket.gethostbyname, names))
print(len(set(zip(names, got))), sorted(set(got)))' || true)
echo "threads: $par"
[ "$par" = "4 ['198.19.0.10', '198.19.0.12', '198.19.0.50']" ] || { echo "FAIL: lookups from 8 threads under the shim"; fail=1; }
body=$(TUNSOCK_SHIM_LOG="$work/shim.log" timeout 20 "$build/bin/tunsock" curl -s --max-time 10 http://web.example.test:8080/ || true)
echo "curl: $body"
[ "$body" = "resolved through the stack" ] || { echo "FAIL: curl http://web.example.test:8080/ under the shim"; fail=1; }
resolve_http_stop
dropped_by "getent, python3 and curl"

resolve_end
logged "Out IP $STACK_IP\.[0-9]* > $HOST_IP\.53: UDP, length [0-9]*" \
  "no query to port 53 in the daemon's packet log"
logged "Out IP $STACK_IP\.[0-9]* > $HOST_IP\.53: Flags \[S\]" \
  "no DNS over TCP (the truncated answer) in the daemon's packet log"
logged "Out IP $STACK_IP\.[0-9]* > 198.18.0.77\.53: UDP" \
  "the query to the silent server did not leave through the stack"
resolve_verdict
