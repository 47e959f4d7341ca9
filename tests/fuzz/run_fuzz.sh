#!/bin/sh
# Build the ip_input libFuzzer target with clang (whatever compiler built the
# rest) and run it for a bounded time on the committed corpus.
# usage: run_fuzz.sh SOURCE_DIR BUILD_DIR [seconds]
set -eu
src=$1
out=$2/fuzz
secs=${3:-20}
CXX=${FUZZ_CXX:-clang++}
command -v "$CXX" >/dev/null || { echo "fuzz: $CXX not found (scripts/install-deps.sh installs clang)"; exit 1; }
mkdir -p "$out/corpus"
cp "$src"/tests/fuzz/corpus/* "$out/corpus/" 2>/dev/null || true
bin=$out/ip_input_fuzz
if [ ! -x "$bin" ] || [ -n "$(find "$src/stack" "$src/tests/fuzz" -name '*.[ch]pp' -newer "$bin" | head -1)" ]; then
  "$CXX" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$src/stack" -o "$bin" "$src/tests/fuzz/ip_input_fuzz.cpp" \
    "$src"/stack/kern/*.cpp "$src"/stack/local/*.cpp "$src"/stack/net/*.cpp \
    "$src"/stack/netinet/*.cpp "$src"/stack/wire/*.cpp -lpthread
fi
exec "$bin" -max_total_time="$secs" -seed=1 -rss_limit_mb=1024 -print_final_stats=1 "$out/corpus"
