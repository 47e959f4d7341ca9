#!/usr/bin/env bash
# A fork-per-connection server under the shim (Python's ForkingTCPServer:
# accept, fork, the child serves the connection; the parent's copy of the
# accepted socket is closed), with 20 kernel clients at once, each sending
# its own lines and checking the answers; then the server is stopped.
# Usage: tun_tcp_fork_server.sh BUILD_DIR   (TSK_BOTH_KERNEL=1: all on the kernel)
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tun_tcp_lib.sh"
tun_enter_netns "$@"
tcp_begin tun-tcp-fork

fail=0
PY=$(command -v /usr/bin/python3 || command -v python3)
cat >"$work/server.py" <<'PYEOF'
import os, socketserver, sys
class Upper(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(b"%d " % os.getpid() + line.upper())
class Server(socketserver.ForkingTCPServer):
    allow_reuse_address = True
    request_queue_size = 32
with Server(("0.0.0.0", int(sys.argv[1])), Upper) as s:
    s.serve_forever()
PYEOF
cat >"$work/client.py" <<'PYEOF'
import socket, sys, time
addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for attempt in range(50):
    try:
        s = socket.create_connection((addr, port), timeout=10)
        break
    except OSError:
        time.sleep(0.2)
else:
    print("client %d: no connection" % n); sys.exit(1)
f = s.makefile("rwb")
pids = set()
for i in range(20):
    f.write(b"client %d line %d\n" % (n, i)); f.flush()
    pid, rest = f.readline().split(b" ", 1)
    if rest != b"CLIENT %d LINE %d\n" % (n, i):
        print("client %d: bad answer %r" % (n, rest)); sys.exit(1)
    pids.add(pid)
s.close()
print("client %d: 20 answers from %d process" % (n, len(pids)))
PYEOF
shim_bg timeout 120 "$PY" "$work/server.py" 9100 2>"$work/server.err"
sp=$BG_PID
pids=()
for n in $(seq 20); do
  timeout 60 "$PY" "$work/client.py" "$STACK_IP" 9100 "$n" >"$work/client.$n.out" 2>"$work/client.$n.err" &
  pids+=($!)
done
ok=0
for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)) || true; done
echo "clients served: $ok of 20"
[ "$ok" -eq 20 ] || fail=1
grep -h "answers from 1 process" "$work"/client.*.out | wc -l | xargs echo "clients each served by one child:"
[ "$(grep -l "answers from 1 process" "$work"/client.*.out | wc -l)" -eq 20 ] || fail=1
# the children were different processes
cut -d' ' -f1 "$work"/client.*.out >/dev/null
stop_bg "$sp"
tcp_end_check $fail
