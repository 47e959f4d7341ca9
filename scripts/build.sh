#!/usr/bin/env bash
# Configure and build. Usage: scripts/build.sh [--sanitize] [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=OFF
if [ "${1:-}" = "--sanitize" ]; then sanitize=ON; shift; fi
dir=${1:-build}
[ "$sanitize" = ON ] && [ "$dir" = build ] && dir=build-asan
cmake -S . -B "$dir" -DTUNSOCK_SANITIZE=$sanitize >/dev/null
cmake --build "$dir" -j"$(nproc)"
