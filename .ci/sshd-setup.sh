#!/bin/sh
# Prepare this machine for the SSH transport tests (host/tests/machine_ssh*.rs).
# The tests start their own sshd on a free 127.0.0.1 port with generated keys;
# nothing listens on port 22. Needs root (the tests also create a throw-away
# user with useradd to exercise password logins).
set -eu

need=""
[ -x /usr/sbin/sshd ] || need="$need openssh-server"
command -v ssh-keygen >/dev/null 2>&1 || need="$need openssh-client"
command -v useradd >/dev/null 2>&1 || need="$need passwd"
command -v pgrep >/dev/null 2>&1 || need="$need procps"
# ssh2 builds libssh2 from source against the system OpenSSL.
pkg-config --exists openssl 2>/dev/null || need="$need libssl-dev pkg-config"
if [ -n "$need" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q $need
fi

# sshd refuses to start without its privilege separation directory.
mkdir -p /run/sshd
chmod 755 /run/sshd
# System host keys are not used by the tests, but keep `sshd -t` happy.
ssh-keygen -A >/dev/null
# Installing openssh-server may start a system sshd; the tests do not need it.
echo "sshd test prerequisites ready: $(/usr/sbin/sshd -V 2>&1 | head -n 1)"
