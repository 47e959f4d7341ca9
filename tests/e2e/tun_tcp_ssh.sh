#!/usr/bin/env bash
# ssh over the stack's TCP both ways, key authentication with keys made in
# the test's directory: ssh under the shim to a kernel sshd, and a kernel ssh
# to sshd under the shim; each runs a command and pipes 1 MB through
# sha256sum on the far side.
# Usage: tun_tcp_ssh.sh BUILD_DIR   (TSK_BOTH_KERNEL=1: all on the kernel)
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tun_tcp_lib.sh"
tun_enter_netns "$@"
tcp_begin tun-tcp-ssh

fail=0
mkdir -p /run/sshd   # sshd's privilege separation directory
chmod 755 "$work"
ssh-keygen -q -t ed25519 -N "" -f "$work/hostkey"
ssh-keygen -q -t ed25519 -N "" -f "$work/userkey"
cp "$work/userkey.pub" "$work/authorized_keys"
head -c 1000000 /dev/urandom >"$work/data"
want=$(sha256sum <"$work/data" | cut -d' ' -f1)
sshd_conf() {  # sshd_conf ADDR PORT
  cat >"$work/sshd.$2.conf" <<EOF2
Port $2
ListenAddress $1
HostKey $work/hostkey
AuthorizedKeysFile $work/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin yes
PidFile $work/sshd.$2.pid
LogLevel ERROR
EOF2
}
ssh_opts=(-i "$work/userkey" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes
          -o ConnectTimeout=10 -o LogLevel=ERROR)
user=$(id -un)
# try_ssh WHAT RUNNER ADDR PORT
try_ssh() {
  local what=$1 runner=$2 addr=$3 port=$4 i out
  for i in $(seq 20); do
    out=$($runner timeout 30 ssh "${ssh_opts[@]}" -p "$port" "$user@$addr" "echo hello from \$(hostname -s)" 2>>"$work/ssh.$port.err" || true)
    [ -n "$out" ] && break
    sleep 0.3
  done
  case $out in hello\ from*) echo "ok: $what: command ran";; *) echo "FAIL: $what: '$out'"; fail=1; return;; esac
  out=$($runner timeout 30 ssh "${ssh_opts[@]}" -p "$port" "$user@$addr" sha256sum <"$work/data" 2>>"$work/ssh.$port.err" | cut -d' ' -f1 || true)
  [ "$out" = "$want" ] && echo "ok: $what: 1 MB through, sha256 equal" || { echo "FAIL: $what: sha256 '$out'"; fail=1; }
}
kernel_run() { "$@"; }

echo "--- ssh under the shim to a kernel sshd"
sshd_conf "$HOST_IP" 2201
kernel_bg timeout 120 /usr/sbin/sshd -D -e -f "$work/sshd.2201.conf" 2>"$work/sshd.2201.err"
kp=$BG_PID
try_ssh "ssh under the shim -> kernel sshd" shim "$HOST_IP" 2201
stop_bg "$kp"

echo "--- kernel ssh to sshd under the shim"
sshd_conf 0.0.0.0 2202
shim_bg timeout 120 /usr/sbin/sshd -D -e -f "$work/sshd.2202.conf" 2>"$work/sshd.2202.err"
sp=$BG_PID
try_ssh "kernel ssh -> sshd under the shim" kernel_run "$STACK_IP" 2202
stop_bg "$sp"
# LogLevel ERROR: whatever sshd printed is an error (e.g. a socket option
# the stack refused, or its sandboxed child killed for a call it forbids).
for port in 2201 2202; do
  if [ -s "$work/sshd.$port.err" ]; then echo "FAIL: sshd on port $port logged errors"; fail=1
  else echo "ok: sshd on port $port logged no error"; fi
done
tcp_end_check $fail
