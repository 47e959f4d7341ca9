# Shared by the compat runners (run_case.sh, run_udp_case.sh). Source it;
# $work must hold the run's directory. Then:
#   run_one DIR CMD...          run the case, its transcript (output and how
#                               it ended) in DIR.out
#   compare_transcripts [EXPECTED_DIFF]
#                               diff $work/native.out and $work/shim.out and
#                               exit: 0 when they agree (or, for a deviation,
#                               when the diff is exactly EXPECTED_DIFF), else
#                               1 with both transcripts and the daemon's log;
#                               1 also when the case did not run at all.

run_one() {
  local dir=$1 rc=0
  shift
  # Every case arms its own watchdog; timeout is only the last resort.
  (cd "$dir" && COMPAT_DIR="$dir" timeout -k 5 60 "$@" >"$dir.out" 2>&1) || rc=$?
  if [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then
    echo "ended by signal $(kill -l $((rc - 128)))" >>"$dir.out"
  else
    echo "exit $rc" >>"$dir.out"
  fi
}

compare_transcripts() {
  local expected=${1:-}
  # A case binary that is missing or not executable fails alike on both
  # sides (exit 126/127 from timeout): equal transcripts that prove nothing.
  case "$(tail -n 1 "$work/native.out" 2>/dev/null)" in
    "exit 126" | "exit 127" | "")
      echo "the case did not run (missing or not executable?):"
      cat "$work/native.out" 2>/dev/null
      exit 1
      ;;
  esac
  diff -u --label kernel --label tunsock "$work/native.out" "$work/shim.out" >"$work/diff"
  if [ -n "$expected" ]; then
    if [ -f "$expected" ] && cmp -s "$expected" "$work/diff"; then
      echo "the known deviation, exactly ($(basename "$expected")):"
      cat "$work/diff"
      exit 0
    fi
    echo "the deviation differs from $(basename "$expected") (missing, changed or gone):"
    diff -u --label expected --label now "$expected" "$work/diff" 2>/dev/null || cat "$work/diff"
  elif [ ! -s "$work/diff" ]; then
    cat "$work/native.out"
    exit 0
  else
    cat "$work/diff"
  fi
  echo "--- kernel"; cat "$work/native.out"
  echo "--- tunsock"; cat "$work/shim.out"
  echo "--- daemon log (tail)"; tail -40 "$work/daemon/daemon.log"
  exit 1
}
