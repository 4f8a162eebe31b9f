#!/usr/bin/env bash
# Builds uperf 1.0.8 (not packaged in Debian) from ../shared/third-party
# for the real-uperf tests (plugins/test-uperf/tests/real_uperf.rs,
# host/tests/run_uperf.rs) and installs the binary as /usr/local/bin/uperf.
#
#   .ci/uperf-setup.sh          (root: installs build deps with apt-get)
#
# The source dir is read-only: the build happens in a temp dir, removed
# afterwards. Nothing of uperf goes into this repository. Skips the build
# when the installed uperf already reports this version.
set -euo pipefail
cd "$(dirname "$0")/.."

version=1.0.8
tarball=$(realpath -m "../shared/third-party/uperf-$version.tar.gz")
# From ../shared/third-party/README.md.
sha256=dcb123aaaec58b77b37dfee56178c30ca6868ca9da8be05cd6ce99f3f2672a6f
target=/usr/local/bin/uperf

die() {
    echo "uperf-setup: $*" >&2
    exit 1
}

# `uperf -V` prints "Uperf Version 1.0.8" among other lines.
if [ -x "$target" ] && "$target" -V 2>&1 | grep -qF "Version $version"; then
    echo "uperf-setup: $target is already uperf $version"
    exit 0
fi

[ -f "$tarball" ] || die "$tarball not found (the shared third-party dir must sit beside the repository)"
actual=$(sha256sum "$tarball" | cut -d' ' -f1)
[ "$actual" = "$sha256" ] || die "$tarball has sha256 $actual, expected $sha256 (see ../shared/third-party/README.md)"

export DEBIAN_FRONTEND=noninteractive
packages=(autoconf automake libtool libssl-dev make gcc libc6-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "uperf-setup: installing ${missing[*]}"
    apt-get update -qq || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        die "apt-get install ${missing[*]} failed"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/build.log

# Runs one build step with its output in the log, shown when it fails.
step() {
    if ! "$@" >>"$log" 2>&1; then
        tail -n 40 "$log" >&2
        die "'$*' failed in $PWD (last 40 lines of the build log above)"
    fi
}

tar xzf "$tarball" -C "$work" || die "cannot unpack $tarball"
cd "$work/uperf-$version"
step autoreconf -fi
step ./configure --disable-sctp
step make -j"$(nproc)"
[ -x src/uperf ] || die "the build produced no src/uperf"
install -m 0755 src/uperf "$target" || die "cannot install $target (run as root)"

"$target" -V 2>&1 | grep -qF "Version $version" ||
    die "$target -V does not report version $version: $("$target" -V 2>&1 | head -n 3)"
echo "uperf-setup: installed uperf $version as $target"
