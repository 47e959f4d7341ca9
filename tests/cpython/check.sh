#!/usr/bin/env bash
# CPython's test_socket on the kernel and under the shim (every domain in
# the stack, the namespace's kernel lo down: scripts/cpython_test_socket.sh)
# against known_failures.txt. Prints both runs' counts side by side
# (run, OK, failed, errors, skipped). Fails when a test fails under the
# shim (FAIL or ERROR) that the list does not name, when a listed test
# passes (the list stays honest; "flaky" ones may do either), when a test
# is skipped under the shim but not on the kernel for a reason the list's
# "skip:" lines do not name (and when a listed reason skips nothing any
# more), and when a run does not reach its end (a hang or a crash).
# Usage: check.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
# TSK_KEEP=1: keep the results (the directory is printed); TSK_PY_REUSE=DIR:
# check the results kept in DIR again, without running anything.
if [ -n "${TSK_PY_REUSE:-}" ]; then
  out=$TSK_PY_REUSE
else
  out=$(mktemp -d /tmp/tunsock-cpython-check.XXXXXX)
  if [ -n "${TSK_KEEP:-}" ]; then echo "results in $out"; else trap 'rm -rf "$out"' EXIT; fi
  BUILD=$build TSK_PY_TIMEOUT=${TSK_PY_TIMEOUT:-220} \
    "$here/../../scripts/cpython_test_socket.sh" --out "$out" >"$out/script.out" 2>&1 || true
fi
list=$here/known_failures.txt
# Those listed as slow or hang are left out of the run: not expected to
# fail; those listed as flaky may fail or pass.
{ grep -E '^test\.test_socket\.' "$list" | grep -Ev '^[^ ]+ +(slow|hang|flaky)' || true; } |
  awk '{ print $1 }' | sort -u >"$out/known"
{ grep -E '^test\.test_socket\.[^ ]+ +flaky' "$list" || true; } | awk '{ print $1 }' | sort -u >"$out/flaky"
fail=0
python3 - "$out" "$list" <<'PY' || fail=1
import re, sys
out, listfile = sys.argv[1], sys.argv[2]
def parse(kind):
    log = open(f"{out}/{kind}.log", errors="replace").read()
    counts = open(f"{out}/{kind}.counts").read().split()
    c = dict(p.split("=", 1) for p in counts if "=" in p and p.split("=", 1)[0] in ("run", "failures", "errors", "skipped"))
    # unittest prints the reason's repr: in double quotes when it holds a '
    skipped = {m.group(1): m.group(3) for m in
               re.finditer(r"^\S+ \((\S+)\) \.\.\. (?:.*?)skipped (['\"])(.*)\2$", log, re.M)}
    return c, skipped, " ".join(counts[4:])
rows = {}
for kind in ("kernel", "shim"):
    try:
        rows[kind] = parse(kind)
    except (OSError, ValueError):
        print(f"{kind}: no result"); sys.exit(1)
print(f"{'':8}{'run':>6}{'OK':>6}{'failed':>8}{'errors':>8}{'skipped':>9}")
for kind, (c, _, status) in rows.items():
    try:
        run, f, e, s = (int(c[k]) for k in ("run", "failures", "errors", "skipped"))
        print(f"{'stack' if kind == 'shim' else kind:8}{run:>6}{run - f - e - s:>6}{f:>8}{e:>8}{s:>9}   {status}")
    except (KeyError, ValueError):
        print(f"{kind:8} incomplete: {status}")
skips = [(m.group(2), m.group(3)) for m in re.finditer(r"^skip: (['\"])(.*?)\1(.*)$", open(listfile).read(), re.M)]
allowed = [r for r, _ in skips]
# A reason whose cause starts with "flaky" may skip or not (timing under load).
flaky_skips = {r for r, cause in skips if cause.strip().startswith("flaky")}
only = {t: r for t, r in rows["shim"][1].items() if t not in rows["kernel"][1]}
by = {}
for t, r in only.items():
    by.setdefault(r, []).append(t)
bad = 0
print(f"skipped under the shim only: {len(only)}")
for r, ts in sorted(by.items(), key=lambda x: -len(x[1])):
    ok = r in allowed
    print(f"  {len(ts):4} '{r}'{'' if ok else '   NOT LISTED (skip: lines of known_failures.txt)'}")
    if not ok:
        bad = 1
        for t in sorted(ts)[:20]: print(f"         {t}")
for r in allowed:
    if r not in by and r not in flaky_skips:
        print(f"FAIL: known_failures.txt lists skip reason '{r}', which skips nothing under the shim only: take it off")
        bad = 1
sys.exit(bad)
PY
for kind in kernel shim; do
  counts=$(cat "$out/$kind.counts" 2>/dev/null || echo "no result")
  case $counts in
    run=[0-9]*" "*" success "*|run=[0-9]*" "*" failure "*) ;;
    *) echo "FAIL: the $kind run did not reach its end ($counts)"; fail=1 ;;
  esac
done
if [ -s "$out/kernel.failed" ]; then
  echo "failing on the kernel too (not held against the shim):"; sed 's/^/  /' "$out/kernel.failed"
fi
new=$(comm -13 "$out/known" "$out/shim.failed" | comm -23 - "$out/flaky")
gone=$(comm -23 "$out/known" "$out/shim.failed")
if [ -n "$new" ]; then
  echo "FAIL: failing under the shim, not in known_failures.txt:"
  sed 's/^/  /' <<<"$new"
  fail=1
fi
if [ -n "$gone" ]; then
  echo "FAIL: listed in known_failures.txt but passed (take them off the list):"
  sed 's/^/  /' <<<"$gone"
  fail=1
fi
flaky_failed=$(comm -12 "$out/flaky" "$out/shim.failed")
[ -z "$flaky_failed" ] || { echo "failed, listed as flaky:"; sed 's/^/  /' <<<"$flaky_failed"; }
if [ $fail -ne 0 ]; then
  for t in $new; do
    echo "--- $t"
    python3 - "$out/shim.log" "$t" <<'PY'
import re, sys
log, t = open(sys.argv[1], errors="replace").read(), sys.argv[2]
m = re.search(r"^(?:FAIL|ERROR): \S+ \(" + re.escape(t) + r"\).*?(?=^={20,}|^-{20,}\nRan )", log, re.M | re.S)
print(m.group(0)[-1500:] if m else "(no traceback found)")
PY
  done
  echo "--- daemon log (tail)"; tail -20 "$out/daemon.log" 2>/dev/null || true
  echo FAIL
else
  echo PASS
fi
exit $fail
