#!/usr/bin/env bash
# Prepares a Debian machine for the libvirt end-to-end test: installs the
# libvirt/qemu stack and the image build tools, starts the daemons
# (systemd, or directly where there is no systemd, as on our CI
# sandboxes), and makes libvirt's NAT network `default` active. Safe to
# run again. Then:
#   RUNPERF_E2E_LIBVIRT=1 cargo test -p runperf-profile-tuned-libvirt --test e2e_libvirt -- --nocapture
# See docs/profiles-libvirt.md ("Tests") for what it does and how long.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

say() { echo "libvirt-setup: $*" >&2; }

packages=(libvirt-daemon-system libvirt-clients virtinst qemu-system-x86 qemu-utils
          libosinfo-bin dnsmasq-base iptables mmdebstrap fdisk e2fsprogs extlinux
          syslinux-common openssh-client)
missing=()
for p in "${packages[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get update -qq
    # qemu-utils may come from backports on these machines while
    # qemu-system-x86 comes from the release; install the release's
    # qemu-utils then.
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
        release_qemu="$(apt-cache policy qemu-system-x86 | awk '/Candidate:/ {print $2}')"
        apt-get install -y -qq --no-install-recommends --allow-downgrades \
            "${missing[@]/#qemu-utils/qemu-utils=$release_qemu}" >/dev/null
    fi
fi

# The daemons: through systemd when it runs, else started directly.
# virtlogd must be up before a VM starts (qemu's log goes through it).
if [ -d /run/systemd/system ]; then
    systemctl start virtlogd libvirtd
else
    for daemon in virtlogd libvirtd; do
        if ! pgrep -x "$daemon" >/dev/null; then
            say "starting $daemon (no systemd)"
            "$daemon" --daemon
        fi
    done
fi
for _ in $(seq 60); do virsh version >/dev/null 2>&1 && break; sleep 0.5; done
virsh version >/dev/null || { say "libvirtd does not answer (virsh version fails)"; exit 1; }

# The VMs get their address from the `default` network's DHCP.
if ! virsh net-info default >/dev/null 2>&1; then
    say "defining libvirt's default network"
    virsh net-define /usr/share/libvirt/networks/default.xml >/dev/null
fi
# (Captured, not piped into grep -q: with pipefail, virsh's SIGPIPE
# would count as "not active".)
net_info="$(virsh net-info default)"
if ! grep -q '^Active: *yes' <<<"$net_info"; then
    say "starting libvirt's default network"
    virsh net-start default >/dev/null
fi

# What the VMs will run on (the profile decides the same way, accel.rs).
if [ -e /sys/module/kvm_pvm ]; then
    say "KVM here is PVM: the e2e VM runs under TCG emulation (slower, still a few minutes)"
elif [ ! -e /dev/kvm ]; then
    say "no /dev/kvm: the e2e VM runs under TCG emulation"
fi
losetup --find >/dev/null || { say "no free loop device: the image build needs one"; exit 1; }
say "ready"
