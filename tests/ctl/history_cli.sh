#!/usr/bin/env bash
# tunsockctl history against a running tunsockd: socat sends a file to a
# socat under the shim over the stack's 127.0.0.1; afterwards the client's
# connection (in TIME-WAIT, which keeps its ring) shows its 4-tuple, state and
# events (SYN-SENT, ESTABLISHED, FIN-WAIT-1/2, TIME-WAIT) with relative
# times, and -tt gives epoch times between the test's start and now; --json
# gives the raw events; a filter or the socket id selects it; plot draws it;
# TUNSOCK_LOG=tcp=debug logged the same events with the 4-tuple.
# Usage: history_cli.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
export TUNSOCK_BUILD=$build
source "$here/../support/daemon.sh"
cleanup() { stop_tunsockd; rm -rf "$work"; }
trap cleanup EXIT
py=/usr/bin/python3
ctl=$build/bin/tunsockctl
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

t0=$(date +%s)
TUNSOCK_LOG=tcp=debug start_tunsockd "$work"
head -c 300000 /dev/urandom >"$work/file"
(exec env LD_PRELOAD="$build/lib/libtunsock.so" timeout 30 socat -u TCP-LISTEN:9300,bind=127.0.0.1,reuseaddr \
  "OPEN:$work/got,creat,trunc") 2>"$work/server.err" &
server=$!
env LD_PRELOAD="$build/lib/libtunsock.so" timeout 30 socat -u "OPEN:$work/file" \
  "TCP:127.0.0.1:9300,retry=40,interval=0.1" 2>"$work/client.err" || bad "socat client: $(cat "$work/client.err")"
wait "$server" 2>/dev/null || true
cmp -s "$work/file" "$work/got" && ok "300 kB over the stack's 127.0.0.1" || bad "the transfer"

"$ctl" --json history >"$work/all.json"
read -r sock lport < <("$py" - "$work/all.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = [c for c in d['connections'] if c['remote']['port'] == 9300]
print(c[0]['sock_id'], c[0]['local']['port']) if c else print(0, 0)
PY
)
[ "$sock" != 0 ] && ok "--json: the client's connection, sock $sock, port $lport" || bad "--json holds no connection to :9300"

"$ctl" history "$sock" >"$work/one.txt"
head -1 "$work/one.txt" | grep -q "^127.0.0.1:$lport > 127.0.0.1:9300  TIME-WAIT  (sock $sock" &&
  ok "header: 4-tuple and state" || bad "header: $(head -1 "$work/one.txt")"
want="state CLOSED -> SYN-SENT|state SYN-SENT -> ESTABLISHED|state ESTABLISHED -> FIN-WAIT-1|state FIN-WAIT-1 -> FIN-WAIT-2|state FIN-WAIT-2 -> TIME-WAIT"
got=$(grep -oE "state [A-Z0-9-]+ -> [A-Z0-9-]+" "$work/one.txt" | paste -sd'|')
[ "$got" = "$want" ] && ok "the state changes in order" || bad "state changes: $got"
grep -qE '^  \+0\.[0-9]{6} ' "$work/one.txt" && ok "times relative to the connection's start" || bad "relative times"
grep -q "cwnd .* (init)" "$work/one.txt" && ok "the initial window" || bad "no init cwnd line"

"$ctl" history -tt "$sock" >"$work/tt.txt"
t1=$(date +%s)
"$py" - "$work/tt.txt" "$t0" "$t1" <<'PY' && ok "-tt: epoch times within the test" || bad "-tt times"
import re, sys
ts = [float(m.group(1)) for m in re.finditer(r'^  (\d+\.\d{6}) ', open(sys.argv[1]).read(), re.M)]
sys.exit(0 if ts and all(int(sys.argv[2]) - 1 <= t <= int(sys.argv[3]) + 1 for t in ts) and ts == sorted(ts) else 1)
PY

# A filter selects it (when this build has ss filters), ss -H hands over to history.
if "$ctl" history 'dport = :9300' >"$work/f.txt" 2>"$work/f.err"; then
  n=$(grep -c '^127' "$work/f.txt" || true)
  [ "$n" = 1 ] && grep -q "127.0.0.1:$lport > 127.0.0.1:9300" "$work/f.txt" && ok "filter 'dport = :9300'" ||
    bad "filter: $n connections"
  "$ctl" history 'dport = :1' | grep -q '^127' && bad "filter 'dport = :1' matched" || ok "filter 'dport = :1' matches none"
  if "$ctl" ss -H 'dport = :9300' >"$work/ss.txt" 2>/dev/null; then
    cmp -s "$work/ss.txt" "$work/f.txt" && ok "ss -H = history" || bad "ss -H differs from history"
  fi
else
  bad "filter: $(cat "$work/f.err")"
fi

"$ctl" plot "$sock" -o "$work/c.png" 2>/dev/null
[ "$(head -c 8 "$work/c.png" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ] && ok "plot $sock writes a PNG" || bad "plot"

"$ctl" plot 'dport = :9300' -o "$work/f.png" 2>/dev/null
[ "$(head -c 8 "$work/f.png" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ] && ok "plot 'dport = :9300' writes a PNG" ||
  bad "plot by filter"

grep -qE "tcp debug: 127\.0\.0\.1:$lport > 127\.0\.0\.1:9300 state FIN-WAIT-2 -> TIME-WAIT" "$work/daemon.log" &&
  ok "TUNSOCK_LOG=tcp=debug logged the events with the 4-tuple" || bad "no tcp debug line in the daemon's log"
exit $fail
