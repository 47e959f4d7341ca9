#!/bin/sh
# Build a libFuzzer target (ip_input or tcp_input) with clang (whatever
# compiler built the rest) and run it for a bounded time on its committed
# corpus (tests/fuzz/corpus/ for ip_input, tests/fuzz/corpus/tcp/ for tcp_input).
# usage: run_fuzz.sh SOURCE_DIR BUILD_DIR [seconds] [target]
set -eu
src=$1
out=$2/fuzz
secs=${3:-20}
target=${4:-ip_input}
CXX=${FUZZ_CXX:-clang++}
command -v "$CXX" >/dev/null || { echo "fuzz: $CXX not found (scripts/install-deps.sh installs clang)"; exit 1; }
case $target in
  ip_input) seeds=$src/tests/fuzz/corpus; corpus=$out/corpus ;;
  tcp_input) seeds=$src/tests/fuzz/corpus/tcp; corpus=$out/corpus-tcp ;;
  *) echo "fuzz: unknown target $target"; exit 1 ;;
esac
mkdir -p "$corpus"
find "$seeds" -maxdepth 1 -type f -exec cp {} "$corpus/" \;
bin=$out/${target}_fuzz
if [ ! -x "$bin" ] || [ -n "$(find "$src/stack" "$src/tests/fuzz" -name '*.[ch]pp' -newer "$bin" | head -1)" ]; then
  "$CXX" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$src/stack" -o "$bin" "$src/tests/fuzz/${target}_fuzz.cpp" \
    "$src"/stack/kern/*.cpp "$src"/stack/local/*.cpp "$src"/stack/net/*.cpp \
    "$src"/stack/netinet/*.cpp "$src"/stack/netinet6/*.cpp "$src"/stack/wire/*.cpp -lpthread
fi
exec "$bin" -artifact_prefix="$out/" -max_total_time="$secs" -seed=1 -rss_limit_mb=1024 -print_final_stats=1 "$corpus"
