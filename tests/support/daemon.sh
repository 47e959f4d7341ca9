# Start and stop a tunsockd for a shell test. Source it, then:
#   start_tunsockd DIR   daemon on DIR/ctl.sock, log in DIR/daemon.log,
#                        exports TUNSOCK_SOCKET and TUNSOCKD_PID
#   stop_tunsockd        SIGTERM, wait (bounded), SIGKILL if it hangs
# The build directory comes from $TUNSOCK_BUILD. Extra daemon flags may be
# given in $TUNSOCKD_ARGS; $TUNSOCKD_PREFIX runs the daemon under a command
# (e.g. "nsenter -t PID -n --" to start it inside a namespace).

start_tunsockd() {
  local dir=$1
  mkdir -p "$dir"
  export TUNSOCK_SOCKET=$dir/ctl.sock
  # shellcheck disable=SC2086
  ${TUNSOCKD_PREFIX:-} env TUNSOCK_LOG="${TUNSOCK_LOG:-debug}" "$TUNSOCK_BUILD/bin/tunsockd" \
    --socket "$TUNSOCK_SOCKET" ${TUNSOCKD_ARGS:-} >"$dir/daemon.log" 2>&1 &
  TUNSOCKD_PID=$!
  export TUNSOCKD_PID
  local i
  for i in $(seq 200); do
    [ -S "$TUNSOCK_SOCKET" ] && return 0
    kill -0 "$TUNSOCKD_PID" 2>/dev/null || break
    sleep 0.025
  done
  echo "tunsockd did not start:" >&2
  cat "$dir/daemon.log" >&2
  return 1
}

stop_tunsockd() {
  [ -n "${TUNSOCKD_PID:-}" ] || return 0
  kill -TERM "$TUNSOCKD_PID" 2>/dev/null || true
  local i
  for i in $(seq 100); do
    kill -0 "$TUNSOCKD_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$TUNSOCKD_PID" 2>/dev/null || true
  wait "$TUNSOCKD_PID" 2>/dev/null || true
  TUNSOCKD_PID=
}
