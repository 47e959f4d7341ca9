#!/usr/bin/env bash
# The chapter's server and client (tests/programs) as unrelated processes:
# the server forks a child per connection, five clients connect in a row.
# Run once on the kernel and once under tunsock; the transcripts must match,
# and the daemon's log must show the sockets created, connected and closed.
# Usage: chapter.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
export TUNSOCK_BUILD=$build
# shellcheck source=../support/daemon.sh
source "$here/../support/daemon.sh"

work=$(mktemp -d /tmp/tunsock-chapter.XXXXXX)
spid=
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null || true
  stop_tunsockd 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() {  # wait_for SECONDS COMMAND...: poll until COMMAND succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.05
  done
}
lines_at_least() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }

# run_chapter DIR [PRELOAD]: prints the transcript of one run.
run_chapter() {
  local dir=$1 preload=${2:-}
  mkdir -p "$dir" && cd "$dir"
  env ${preload:+LD_PRELOAD=$preload} "$build/bin/chapter_server" >server.out 2>&1 &
  spid=$!
  wait_for 5 test -S sockname || { echo "server did not bind"; return 1; }
  for i in 1 2 3 4 5; do
    local rc=0
    env ${preload:+LD_PRELOAD=$preload} timeout 10 "$build/bin/chapter_client" || rc=$?
    echo "client $i exit $rc" >>clients.out
    # Each child prints before the next client comes, as a person would see it.
    wait_for 5 lines_at_least server.out "$i" || true
  done
  kill "$spid"; wait "$spid" 2>/dev/null || true; spid=
  cat clients.out server.out
}

native=$(run_chapter "$work/native")
start_tunsockd "$work"
shimmed=$(run_chapter "$work/shim" "$build/lib/libtunsock.so")
stop_tunsockd

echo "--- kernel"; echo "$native"
echo "--- tunsock"; echo "$shimmed"
fail=0
[ "$(grep -c '^server read hi guy$' <<<"$native")" -eq 5 ] || { echo "FAIL: kernel run did not print 5 lines"; fail=1; }
[ "$native" = "$shimmed" ] || { echo "FAIL: transcripts differ"; diff <(echo "$native") <(echo "$shimmed") || true; fail=1; }
for word in created listening connected accepted closed; do
  grep -qi "$word" "$work/daemon.log" || { echo "FAIL: daemon log never says '$word'"; fail=1; }
done
[ $fail -eq 0 ] || { echo "--- daemon log (tail)"; tail -40 "$work/daemon.log"; }
exit $fail
