#!/usr/bin/env bash
# Installs what the libvirt end-to-end test needs on a Debian machine with
# KVM, and starts libvirt (systemd, or the daemons directly where there is
# no systemd). Then run:
#   RUNPERF_E2E_LIBVIRT=1 cargo test -p runperf-profile-tuned-libvirt --test e2e_libvirt -- --nocapture
# Not called by .ci/run: the test builds a Debian image and boots a VM
# (see docs/profiles-libvirt.md for the time it takes).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(libvirt-daemon-system libvirt-clients virtinst qemu-system-x86 qemu-utils
          libosinfo-bin dnsmasq-base iptables mmdebstrap fdisk e2fsprogs extlinux
          syslinux-common openssh-client)
apt-get update -qq
# qemu-utils may come from backports on these machines while qemu-system-x86
# comes from the release; install the release's qemu-utils then.
if ! apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; then
    release_qemu="$(apt-cache policy qemu-system-x86 | awk '/Candidate:/ {print $2}')"
    apt-get install -y -qq --no-install-recommends --allow-downgrades \
        "${packages[@]/#qemu-utils/qemu-utils=$release_qemu}" >/dev/null
fi

if ! virsh version >/dev/null 2>&1; then
    systemctl start libvirtd 2>/dev/null || { virtlogd --daemon; libvirtd --daemon; }
    for _ in $(seq 30); do virsh version >/dev/null 2>&1 && break; sleep 0.5; done
fi
virsh net-info default | grep -q '^Active: *yes' || virsh net-start default
test -w /dev/kvm || { echo "no usable /dev/kvm: the e2e test needs KVM" >&2; exit 1; }
