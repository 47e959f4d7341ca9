#!/usr/bin/env bash
# The demo: installs what it needs, builds, starts tunsockd, and runs the
# chapter's server and client (tests/programs) over the stack with the
# launcher, then shows what the daemon logged.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
scripts/install-deps.sh
scripts/build.sh >/dev/null
build=$top/build
work=$(mktemp -d /tmp/tunsock-demo.XXXXXX)
export TUNSOCK_SOCKET=$work/tunsockd.sock
dpid=
cleanup() {
  [ -n "${spid:-}" ] && kill "$spid" 2>/dev/null || true
  [ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting tunsockd on $TUNSOCK_SOCKET (log: TUNSOCK_LOG=info)"
TUNSOCK_LOG=${TUNSOCK_LOG:-info} "$build/bin/tunsockd" --socket "$TUNSOCK_SOCKET" >"$work/daemon.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do [ -S "$TUNSOCK_SOCKET" ] && break; sleep 0.05; done

cd "$work"
echo "== tunsock chapter_server &   (the chapter's server, unmodified)"
"$build/bin/tunsock" "$build/bin/chapter_server" &
spid=$!
for _ in $(seq 100); do [ -S sockname ] && break; sleep 0.05; done
for i in 1 2 3 4 5; do
  echo "== tunsock chapter_client   (#$i)"
  "$build/bin/tunsock" "$build/bin/chapter_client"
  sleep 0.2
done
kill "$spid"; wait "$spid" 2>/dev/null || true; spid=

echo "== what tunsockd logged"
cat "$work/daemon.log"
