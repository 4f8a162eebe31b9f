#!/usr/bin/env bash
# Prepares a Debian machine for the libvirt end-to-end test: installs the
# libvirt/qemu stack (the test's VM uses qemu's user-mode networking, its
# SSH forwarded to a 127.0.0.1 port, so no traffic leaves loopback), the
# image build tools and iproute2 (the test checks qemu's sockets with
# ss), and starts the daemons (systemd, or directly where
# there is no systemd, as on our CI sandboxes). Safe to run again. Exits
# non-zero, saying why, when the machine cannot be prepared. Then:
#   RUNPERF_E2E_LIBVIRT=1 cargo test -p runperf-profile-tuned-libvirt --test e2e_libvirt -- --nocapture
# See docs/profiles-libvirt.md ("Tests") for what it does and how long.
# Labs running the profiles with `network` `default` need libvirt's NAT
# network instead; the profile starts it itself (docs/profiles-libvirt.md).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

say() { echo "libvirt-setup: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

packages=(libvirt-daemon-system libvirt-clients virtinst qemu-system-x86 qemu-utils
          libosinfo-bin mmdebstrap fdisk e2fsprogs extlinux syslinux-common
          openssh-client iproute2)

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
installed_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }
candidate() { apt-cache policy "$1" | awk '/Candidate:/ {print $2}'; }

missing=()
for p in "${packages[@]}"; do
    installed "$p" || missing+=("$p")
done

# The release's qemu-system-x86 cannot sit beside a newer qemu-utils (the
# image of our CI machines ships qemu-utils from bookworm-backports, which
# Breaks: qemu-system-common (< 1:8.0+dfsg-5~)): then the release's
# qemu-utils is installed with the rest (a downgrade). Sets qemu_utils_pin
# to the qemu-utils=VERSION to install, or leaves it empty.
qemu_utils_pin=""
pin_release_qemu_utils() {
    local system utils
    system="$(candidate qemu-system-x86)"
    utils="$(installed_version qemu-utils)"
    if [ -z "$utils" ] || [ "$utils" = "$system" ]; then
        return 0
    fi
    if ! apt-cache madison qemu-utils | awk -F'|' '{gsub(/ /, "", $2); print $2}' \
            | grep -qxF -- "$system"; then
        fail "qemu-utils $utils is installed and qemu-system-x86 $system needs the qemu-utils of" \
             "its own release, which apt does not offer; install matching versions of both by hand" \
             "(apt-cache policy qemu-utils qemu-system-x86), then run this again"
    fi
    say "qemu-utils $utils is not the version of qemu-system-x86 $system (a newer one, as" \
        "from backports, Breaks its qemu-system-common): installing qemu-utils $system with it"
    qemu_utils_pin="qemu-utils=$system"
}

if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get update -qq || fail "apt-get update failed; check the apt sources and the network to the mirror"
    args=()
    if [[ " ${missing[*]} " == *" qemu-system-x86 "* ]]; then
        pin_release_qemu_utils
    fi
    if [ -n "$qemu_utils_pin" ]; then
        args+=(--allow-downgrades "$qemu_utils_pin")
    fi
    for p in "${missing[@]}"; do
        [ -n "$qemu_utils_pin" ] && [ "$p" = qemu-utils ] || args+=("$p")
    done
    if ! log="$(apt-get install -y -qq --no-install-recommends "${args[@]}" 2>&1)"; then
        echo "$log" >&2
        fail "apt-get install ${args[*]} failed (apt's message above); fix what it names, then run this again"
    fi
    for p in "${packages[@]}"; do
        installed "$p" || fail "package $p is still not installed after apt-get install"
    done
fi

# The daemons: through systemd when it runs, else started directly.
# virtlogd must be up before a VM starts (qemu's log goes through it).
if [ -d /run/systemd/system ]; then
    systemctl start virtlogd libvirtd || fail "systemctl start virtlogd libvirtd failed"
else
    for daemon in virtlogd libvirtd; do
        if ! pgrep -x "$daemon" >/dev/null; then
            say "starting $daemon (no systemd)"
            "$daemon" --daemon || fail "$daemon --daemon failed"
        fi
    done
fi
for _ in $(seq 60); do virsh version >/dev/null 2>&1 && break; sleep 0.5; done
virsh version >/dev/null || fail "libvirtd does not answer (virsh version fails)"

# /dev/kvm as Debian's udev rule leaves it (group kvm, 0660), where no
# udev ran (our CI sandboxes have it root-only): libvirt probes qemu as
# root, finds KVM, then sees /dev/kvm closed to its qemu user and throws
# the probe away ("KVM was enabled when probing ..., but it is not
# available now"), again at every lookup: minutes per VM start.
if [ -c /dev/kvm ] && getent group kvm >/dev/null \
        && [ "$(stat -c %G:%a /dev/kvm)" = "root:600" ]; then
    say "giving /dev/kvm to group kvm (0660), as udev would"
    chgrp kvm /dev/kvm && chmod 0660 /dev/kvm || fail "cannot change the group and mode of /dev/kvm"
fi

# What the VMs will run on (the profile decides the same way, accel.rs).
if [ -e /sys/module/kvm_pvm ]; then
    say "KVM here is PVM: the e2e VM runs under TCG emulation (slower, still a few minutes)"
elif [ ! -e /dev/kvm ]; then
    say "no /dev/kvm: the e2e VM runs under TCG emulation"
fi
losetup --find >/dev/null || fail "no free loop device: the image build needs one"
say "ready"
