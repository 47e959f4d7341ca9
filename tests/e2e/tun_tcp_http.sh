#!/usr/bin/env bash
# HTTP over the stack's TCP, both ways:
#   curl and wget under the shim fetch from a kernel nginx (198.18.0.1);
#   kernel curl fetches from `python3 -m http.server` under the shim (bound
#   to 0.0.0.0) and from nginx under the shim (master + 2 workers, epoll,
#   sendfile on), small and 5 MB files, sha256 compared.
# Usage: tun_tcp_http.sh BUILD_DIR   (TSK_BOTH_KERNEL=1: all on the kernel)
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tun_tcp_lib.sh"
tun_enter_netns "$@"
tcp_begin tun-tcp-http

fail=0
PY=$(command -v /usr/bin/python3 || command -v python3)
chmod 755 "$work"   # nginx's workers run as nobody
www=$work/www
mkdir -p "$www"
echo "hello from the test web root" >"$www/index.html"
head -c $((5 << 20)) /dev/urandom >"$www/big.bin"
want_big=$(sha256sum <"$www/big.bin" | cut -d' ' -f1)

# nginx_conf DIR ADDR PORT WORKERS: a self-contained nginx configuration.
nginx_conf() {
  local dir=$1 addr=$2 port=$3 workers=$4
  mkdir -p "$dir/tmp"
  cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 64; use epoll; }
http {
  access_log $dir/access.log;
  client_body_temp_path $dir/tmp;
  proxy_temp_path $dir/tmp;
  fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp;
  scgi_temp_path $dir/tmp;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 5;
  server {
    listen $addr:$port;
    root $www;
  }
}
EOF
}

check_fetch() {  # check_fetch WHAT FILE WANT_SHA
  local got
  got=$( (sha256sum <"$2") 2>/dev/null | cut -d' ' -f1) || true
  if [ "$got" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1 (sha256 $got)"; fail=1; fi
}
want_index=$(sha256sum <"$www/index.html" | cut -d' ' -f1)

echo "--- kernel nginx, curl and wget under the shim"
nginx_conf "$work/knginx" "$HOST_IP" 8080 1
kernel_bg timeout 120 nginx -c "$work/knginx/nginx.conf" -e "$work/knginx/error.log"
kn=$BG_PID
wait_for 10 kernel_listening "$HOST_IP" 8080 || { echo "FAIL: kernel nginx did not listen"; fail=1; }
shim timeout 20 curl -sS -o "$work/c1" "http://$HOST_IP:8080/index.html" 2>"$work/curl1.err" || true
check_fetch "curl under the shim, small file" "$work/c1" "$want_index"
shim timeout 30 curl -sS -o "$work/c2" "http://$HOST_IP:8080/big.bin" 2>"$work/curl2.err" || true
check_fetch "curl under the shim, 5 MB" "$work/c2" "$want_big"
shim timeout 30 wget -q -O "$work/w1" "http://$HOST_IP:8080/big.bin" 2>"$work/wget.err" || true
check_fetch "wget under the shim, 5 MB" "$work/w1" "$want_big"
stop_bg "$kn"

echo "--- python3 -m http.server under the shim, kernel curl"
shim_bg timeout 120 "$PY" -m http.server --bind 0.0.0.0 --directory "$www" 8081 2>"$work/pyhttp.err" >/dev/null
py=$BG_PID
wait_for 10 port_listening "$STACK_IP" 8081 || { echo "FAIL: http.server did not listen"; fail=1; }
timeout 20 curl -sS -o "$work/p1" "http://$STACK_IP:8081/index.html" 2>"$work/curl3.err" || true
check_fetch "kernel curl from http.server, small file" "$work/p1" "$want_index"
timeout 30 curl -sS -o "$work/p2" "http://$STACK_IP:8081/big.bin" 2>"$work/curl4.err" || true
check_fetch "kernel curl from http.server, 5 MB" "$work/p2" "$want_big"
stop_bg "$py"

echo "--- nginx under the shim (master + 2 workers, epoll, sendfile), kernel curl"
nginx_conf "$work/snginx" 0.0.0.0 8082 2
shim_bg timeout 120 nginx -c "$work/snginx/nginx.conf" -e "$work/snginx/error.log"
sn=$BG_PID
wait_for 10 port_listening "$STACK_IP" 8082 || { echo "FAIL: nginx under the shim did not listen"; fail=1; }
for i in 1 2 3; do
  timeout 20 curl -sS -o "$work/n$i" "http://$STACK_IP:8082/index.html" 2>>"$work/curl5.err" || true
  check_fetch "kernel curl from nginx under the shim, small file ($i)" "$work/n$i" "$want_index"
done
timeout 30 curl -sS -o "$work/n4" "http://$STACK_IP:8082/big.bin" 2>"$work/curl6.err" || true
check_fetch "kernel curl from nginx under the shim, 5 MB (sendfile)" "$work/n4" "$want_big"
# Four at once, over keep-alive connections.
pids=()
for i in 1 2 3 4; do
  timeout 30 curl -sS -o "$work/k$i.a" "http://$STACK_IP:8082/big.bin" -o "$work/k$i.b" "http://$STACK_IP:8082/index.html" 2>>"$work/curl7.err" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
for i in 1 2 3 4; do
  check_fetch "concurrent curl $i, 5 MB" "$work/k$i.a" "$want_big"
  check_fetch "concurrent curl $i, keep-alive small file" "$work/k$i.b" "$want_index"
done
stop_bg "$sn"
# The workers served (they run as nobody: each needs the daemon after
# dropping privileges) and none of them failed a call.
if grep -E '\[(alert|crit|emerg)\]' "$work/snginx/error.log" >"$work/snginx.err"; then
  echo "FAIL: nginx under the shim logged alerts"; fail=1
else
  echo "ok: nginx under the shim logged no alert"
fi

tcp_end_check $fail
