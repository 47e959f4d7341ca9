#!/usr/bin/env bash
# HTTP over the stack's TCP over IPv6, both ways:
#   curl -6 under the shim fetches from a kernel nginx on [2001:db8::1]
#   (small and 5 MB files, sha256 compared);
#   `python3 -m http.server --bind ::` under the shim (one dual-stack
#   AF_INET6 listener) serves the kernel's curl over IPv4 (198.18.0.2: a
#   v4-mapped connection in the stack) and over IPv6 ([2001:db8::2]);
#   tunsockctl ss shows the listener as ss would ("*:8081") and the
#   connections with mapped and IPv6 addresses, tunsockctl history the
#   curl -6 connection under its IPv6 4-tuple.
# The namespace's kernel refuses IPv6 and IPv4 TCP through lo, so a socket
# that fell through to the kernel fails the test.
# Usage: tun_tcp6_http.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tun_ip6_lib.sh"
tun_enter_netns "$@"
ip6_begin tun-tcp6-http

fail=0
PY=$(command -v /usr/bin/python3 || command -v python3)
chmod 755 "$work"   # nginx's workers run as nobody
www=$work/www
mkdir -p "$www" "$work/knginx/tmp"
echo "hello over IPv6" >"$www/index.html"
head -c $((5 << 20)) /dev/urandom >"$www/big.bin"
want_big=$(sha256sum <"$www/big.bin" | cut -d' ' -f1)
want_index=$(sha256sum <"$www/index.html" | cut -d' ' -f1)
cat >"$work/knginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $work/knginx/nginx.pid;
error_log $work/knginx/error.log warn;
events { worker_connections 64; use epoll; }
http {
  access_log $work/knginx/access.log;
  client_body_temp_path $work/knginx/tmp;
  proxy_temp_path $work/knginx/tmp;
  fastcgi_temp_path $work/knginx/tmp;
  uwsgi_temp_path $work/knginx/tmp;
  scgi_temp_path $work/knginx/tmp;
  sendfile on;
  keepalive_timeout 5;
  server {
    listen [$HOST_IP6]:8080;
    root $www;
  }
}
EOF

check_fetch() {  # check_fetch WHAT FILE WANT_SHA
  local got
  got=$( (sha256sum <"$2") 2>/dev/null | cut -d' ' -f1) || true
  if [ "$got" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1 (sha256 $got)"; fail=1; fi
}
kernel_listening6() { ss -ltn | grep -q " \[$1\]:$2 "; }

echo "--- kernel nginx on [$HOST_IP6]:8080, curl -6 under the shim"
kernel_bg timeout 120 nginx -c "$work/knginx/nginx.conf" -e "$work/knginx/error.log"
kn=$BG_PID
wait_for 10 kernel_listening6 "$HOST_IP6" 8080 || { echo "FAIL: kernel nginx did not listen"; fail=1; }
shim timeout 20 curl -6 -sS -o "$work/c1" "http://[$HOST_IP6]:8080/index.html" 2>"$work/curl1.err" || true
check_fetch "curl -6 under the shim, small file" "$work/c1" "$want_index"
shim timeout 30 curl -6 -sS -o "$work/c2" "http://[$HOST_IP6]:8080/big.bin" 2>"$work/curl2.err" || true
check_fetch "curl -6 under the shim, 5 MB" "$work/c2" "$want_big"
# nginx saw the stack's address as the client.
grep -q "^$STACK_IP6 - - .*\"GET /big.bin HTTP/1.1\" 200 $((5 << 20))" "$work/knginx/access.log" ||
  { echo "FAIL: nginx's access log has no 5 MB GET from $STACK_IP6"; cat "$work/knginx/access.log"; fail=1; }
stop_bg "$kn"
# The connection's history, headed by its IPv6 4-tuple as ss writes it.
hist=$(TUNSOCK_SOCKET=$work/ctl.sock "$build/bin/tunsockctl" history "dport = :8080" 2>&1 || true)
grep -qE "^\[$STACK_IP6\]:[0-9]+ > \[$HOST_IP6\]:8080  (TIME-WAIT|CLOSED)  \(sock [0-9]+" <<<"$hist" &&
  echo "ok: tunsockctl history heads the curl -6 connection [$STACK_IP6]:PORT > [$HOST_IP6]:8080" ||
  { echo "FAIL: tunsockctl history: no IPv6 4-tuple heading"; head -5 <<<"$hist"; fail=1; }
hj=$(TUNSOCK_SOCKET=$work/ctl.sock "$build/bin/tunsockctl" --json history "dport = :8080" 2>&1 || true)
grep -q '"family": "inet6"' <<<"$hj" || { echo "FAIL: tunsockctl --json history: no inet6 family"; fail=1; }

echo "--- python3 -m http.server --bind :: under the shim, kernel curl over IPv4 and IPv6"
shim_bg timeout 120 "$PY" -m http.server --bind :: --directory "$www" 8081 2>"$work/pyhttp.log" >/dev/null
py=$BG_PID
wait_for 10 port_listening "$STACK_IP" 8081 || { echo "FAIL: http.server did not listen on IPv4"; fail=1; }
wait_for 10 port_listening "$STACK_IP6" 8081 || { echo "FAIL: http.server did not listen on IPv6"; fail=1; }
timeout 20 curl -4 -sS -o "$work/p1" "http://$STACK_IP:8081/index.html" 2>"$work/curl3.err" || true
check_fetch "kernel curl -4 from http.server --bind ::, small file" "$work/p1" "$want_index"
timeout 30 curl -4 -sS -o "$work/p2" "http://$STACK_IP:8081/big.bin" 2>"$work/curl4.err" || true
check_fetch "kernel curl -4 from http.server --bind ::, 5 MB" "$work/p2" "$want_big"
timeout 20 curl -6 -sS -o "$work/p3" "http://[$STACK_IP6]:8081/index.html" 2>"$work/curl5.err" || true
check_fetch "kernel curl -6 from http.server --bind ::, small file" "$work/p3" "$want_index"
timeout 30 curl -6 -sS -o "$work/p4" "http://[$STACK_IP6]:8081/big.bin" 2>"$work/curl6.err" || true
check_fetch "kernel curl -6 from http.server --bind ::, 5 MB" "$work/p4" "$want_big"
# http.server logs each client: a v4-mapped peer for IPv4 (as on Linux).
grep -q "^::ffff:$HOST_IP - - .*\"GET /big.bin HTTP/1.1\" 200" "$work/pyhttp.log" ||
  { echo "FAIL: http.server did not see ::ffff:$HOST_IP"; cat "$work/pyhttp.log"; fail=1; }
grep -q "^$HOST_IP6 - - .*\"GET /big.bin HTTP/1.1\" 200" "$work/pyhttp.log" ||
  { echo "FAIL: http.server did not see $HOST_IP6"; cat "$work/pyhttp.log"; fail=1; }
# The listener in tunsockctl ss as ss prints a dual-stack one.
ssout=$(TUNSOCK_SOCKET=$work/ctl.sock "$build/bin/tunsockctl" ss -tln 2>&1 || true)
echo "$ssout"
grep -qE "^LISTEN +0 +[0-9]+ +\*:8081 +\*:\* *$" <<<"$ssout" ||
  { echo "FAIL: tunsockctl ss -tln does not show *:8081"; fail=1; }
# A connection held open over each family: ss -tn shows the mapped and the
# IPv6 4-tuples.
kernel_bg timeout 20 "$PY" -c '
import socket, sys, time
a = socket.create_connection(("'"$STACK_IP"'", 8081)); b = socket.create_connection(("'"$STACK_IP6"'", 8081))
print("open", flush=True); time.sleep(8)'
hold=$BG_PID
sleep 1
ssout=$(TUNSOCK_SOCKET=$work/ctl.sock "$build/bin/tunsockctl" ss -tn 2>&1 || true)
echo "$ssout"
grep -qE "^ESTAB .* \[::ffff:$STACK_IP\]:8081 +\[::ffff:$HOST_IP\]:[0-9]+ *$" <<<"$ssout" ||
  { echo "FAIL: tunsockctl ss -tn: no v4-mapped connection"; fail=1; }
grep -qE "^ESTAB .* \[$STACK_IP6\]:8081 +\[$HOST_IP6\]:[0-9]+ *$" <<<"$ssout" ||
  { echo "FAIL: tunsockctl ss -tn: no IPv6 connection"; fail=1; }
stop_bg "$hold"
stop_bg "$py"

ip6_end_check $fail
