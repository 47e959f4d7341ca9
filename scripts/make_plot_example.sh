#!/usr/bin/env bash
# The README's picture: a 400 kB bulk transfer over the in-memory link with
# 2 % loss and 10 ms each way (tests/ctl/history_example: virtual clock,
# seeded, so the picture is the same every time), plotted from the sender's
# history by tunsockctl plot. Also writes the capture's picture beside it.
# Usage: scripts/make_plot_example.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
cmake --build "$build" --target history_example tunsockctl >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/bin/history_example" --json "$work/history.json" --pcap "$work/transfer.pcap" \
  --bytes 409600 --loss 0.02 --delay-ms 10 --seed 7 --cc reno
mkdir -p "$root/docs/img"
"$build/bin/tunsockctl" plot "$work/history.json" -o "$root/docs/img/tcp_history_loss.png" \
  --title "400 kB under 2 % loss, 20 ms RTT (reno): from the stack's history"
"$build/bin/tunsockctl" plot "$work/transfer.pcap" -o "$root/docs/img/tcp_pcap_loss.png" \
  --title "the same transfer from its capture"
