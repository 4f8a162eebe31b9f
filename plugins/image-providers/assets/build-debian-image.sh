#!/bin/sh
# runperf LocalDebian: build a small bootable Debian guest image locally,
# from the Debian mirror the host's apt uses (no other network needed).
# Needs root, loop devices, mmdebstrap, sfdisk, mkfs.ext4, extlinux (with
# syslinux-common's mbr.bin) and qemu-img on the host.
#
# usage: build-debian-image.sh IMAGE SUITE PUBKEY_FILE PASSWORD [SETUP_SCRIPT]
#   IMAGE        output qcow2 image
#   SUITE        Debian suite (bookworm, trixie, ...)
#   PUBKEY_FILE  public key authorized for root
#   PASSWORD     root password ("" leaves root without one)
#   SETUP_SCRIPT script run inside the image at the end (optional)
# Environment: RUNPERF_IMAGE_SIZE (default 4G), RUNPERF_IMAGE_PACKAGES
# (extra packages, comma separated), RUNPERF_DEBIAN_MIRROR (mirror URI).
set -eu

if [ "${1:-}" = "--configure" ]; then
    # Runs as mmdebstrap's customize hook: $2 is the new root.
    R="$2"
    echo runperf-guest > "$R/etc/hostname"
    printf 'UUID=%s / ext4 errors=remount-ro 0 1\n' "$FS_UUID" > "$R/etc/fstab"
    printf 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n' \
        > "$R/etc/network/interfaces"
    mkdir -p "$R/root/.ssh" "$R/etc/ssh/sshd_config.d"
    cp "$PUBKEY_FILE" "$R/root/.ssh/authorized_keys"
    chmod 700 "$R/root/.ssh"
    chmod 600 "$R/root/.ssh/authorized_keys"
    echo 'PermitRootLogin yes' > "$R/etc/ssh/sshd_config.d/runperf.conf"
    if [ -n "$PASSWORD" ]; then
        echo "root:$PASSWORD" | chroot "$R" chpasswd
    fi
    KERNEL="$(cd "$R/boot" && ls vmlinuz-* | sort -V | tail -n 1)"
    INITRD="initrd.img-${KERNEL#vmlinuz-}"
    mkdir -p "$R/boot/extlinux"
    cat > "$R/boot/extlinux/extlinux.conf" <<CONF
DEFAULT debian
TIMEOUT 1
LABEL debian
    LINUX /boot/$KERNEL
    INITRD /boot/$INITRD
    APPEND root=UUID=$FS_UUID ro console=tty0 console=ttyS0,115200 net.ifnames=0
CONF
    if [ -n "$SETUP_SCRIPT" ]; then
        cp "$SETUP_SCRIPT" "$R/root/runperf-setup.sh"
        chroot "$R" /bin/sh -e /root/runperf-setup.sh
        rm -f "$R/root/runperf-setup.sh"
    fi
    exit 0
fi

IMAGE="$1"
SUITE="$2"
export PUBKEY_FILE="$3"
export PASSWORD="$4"
export SETUP_SCRIPT="${5:-}"
SIZE="${RUNPERF_IMAGE_SIZE:-4G}"
PACKAGES="linux-image-amd64,systemd-sysv,udev,openssh-server,ifupdown,isc-dhcp-client,iproute2,procps,kmod,fio${RUNPERF_IMAGE_PACKAGES:+,$RUNPERF_IMAGE_PACKAGES}"

MIRROR="${RUNPERF_DEBIAN_MIRROR:-}"
if [ -z "$MIRROR" ]; then
    # The first Debian (not security) URI of the host's apt sources.
    MIRROR="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
                  /etc/apt/sources.list.d/*.sources 2>/dev/null \
              | sed -n -e 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' -e 's/^URIs: *\([^ ]*\).*/\1/p' \
              | grep -v -e security -e '^$' | head -n 1)"
fi
[ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian
APT_OPTS=""
for CONF in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
    # Carry the host's proxy and validity settings into the build.
    [ -f "$CONF" ] && grep -q 'Acquire::' "$CONF" && APT_OPTS="$APT_OPTS --aptopt=$CONF"
done

WORK="$(mktemp -d /var/tmp/runperf-debian-XXXXXX)"
ROOT="$WORK/root"
RAW="$WORK/disk.raw"
LOOP=""
cleanup() {
    set +e
    mountpoint -q "$ROOT" && umount "$ROOT"
    [ -n "$LOOP" ] && losetup -d "$LOOP"
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

truncate -s "$SIZE" "$RAW"
echo 'start=2048, type=83, bootable' | sfdisk -q "$RAW"
# The filesystem through a loop device at the partition's offset: no
# partition scanning (udev) needed.
LOOP="$(losetup --find --show --offset $((2048 * 512)) "$RAW")"
mkfs.ext4 -q -O ^64bit -L runperf-root "$LOOP"
export FS_UUID="$(blkid -s UUID -o value "$LOOP")"
mkdir -p "$ROOT"
mount "$LOOP" "$ROOT"
# shellcheck disable=SC2086
mmdebstrap --mode=root --variant=apt --include="$PACKAGES" $APT_OPTS \
    --customize-hook="sh '$0' --configure \"\$1\"" \
    "$SUITE" "$ROOT" "$MIRROR"
# The boot loader is installed from the host (extlinux needs to see the
# mounted filesystem, which it cannot from inside the chroot).
extlinux --install "$ROOT/boot/extlinux"
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$RAW" bs=440 count=1 conv=notrunc status=none
umount "$ROOT"
losetup -d "$LOOP"
LOOP=""
qemu-img convert -f raw -O qcow2 "$RAW" "$IMAGE"
chmod 644 "$IMAGE"
