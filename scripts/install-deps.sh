#!/usr/bin/env bash
# Install the Debian 12 packages tunsock needs to build and test, when missing.
# Runs apt-get update at most once, and only when something must be installed.
set -euo pipefail
pkgs=(cmake g++ make libboost-dev libspdlog-dev doctest-dev iproute2 clang strace procps util-linux
      iputils-ping socat bind9-dnsutils dnsmasq-base tcpdump ccache
      nftables curl wget netcat-openbsd nginx-light iperf3 redis-server redis-tools openssh-server
      openssh-client python3 nlohmann-json3-dev libc-ares-dev libpcap-dev tshark python3-matplotlib "$@")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
