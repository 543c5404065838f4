#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the .deb and .rpm packages of vnettune from a clean copy of the source tree and lints them.
# Installs what it needs with apt-get (Debian 12, as root); exits non-zero when anything fails.
# Used by CI through tests/packaging (meson test --suite packaging) and by hand:
#
#   sudo packaging/build-packages.sh --out /tmp/vnettune-packages
#
# See packaging/README.md for the layout of the packages and what the linters say.

set -eu -o pipefail

SRCDIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

out=
formats=deb,rpm
lint=1
install_deps=1
upgrade=
keep=

# What dpkg-buildpackage, rpmbuild and the linters need, on top of debian/control's Build-Depends
# (which dpkg-buildpackage checks itself). The Build-Depends are installed from here as well, so that
# a fresh machine needs nothing but this script.
packages=(
        debhelper dpkg-dev lintian rpm rpmlint git
        meson ninja-build pkgconf gcc libc6-dev scdoc systemd udev
        libsystemd-dev libudev-dev libnl-3-dev libnl-route-3-dev libmnl-dev libjansson-dev
)

usage() {
        cat <<EOF
Usage: $0 --out DIR [OPTIONS]

Copies the tree (tracked and untracked files git does not ignore, no build directories) to a
temporary directory and builds, into DIR:
  DIR/*.deb, *.ddeb, *.changes, *.buildinfo   dpkg-buildpackage -b (packaging/debian as debian/)
  DIR/*.rpm                                   rpmbuild -ba --nodeps (packaging/rpm/vnettune.spec)
then runs lintian on the .changes and rpmlint on the spec and the .rpm files.

  --out DIR        where the packages go (created; files of the same name are replaced)
  --formats LIST   deb, rpm or deb,rpm (default)
  --upgrade        also build the .deb packages again with a higher version (VERSION+upgrade1,
                   same binaries, not linted) into DIR/upgrade/, for the upgrade test
  --no-lint        skip lintian and rpmlint
  --no-deps        do not install missing Debian packages
  --keep           keep the temporary build directory and print its name
  --print-deps     print the Debian packages this script needs (and installs) and exit
EOF
}

say() {
        echo "==> $*" >&2
}

die() {
        echo "build-packages: $*" >&2
        exit 1
}

ensure_packages() {
        local p status missing=()

        for p in "${packages[@]}"; do
                status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
                [[ $status == "install ok installed" ]] || missing+=("$p")
        done
        ((${#missing[@]} == 0)) && return 0
        ((EUID == 0)) || die "missing packages (${missing[*]}); run as root so apt-get can install them"
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# copy_tree DEST: the files of the tree as a fresh checkout plus uncommitted work would have them.
copy_tree() {
        local dest=$1

        mkdir -p "$dest"
        if git -C "$SRCDIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
                # Tracked and untracked-but-not-ignored files that exist (a deleted tracked file is skipped).
                git -C "$SRCDIR" ls-files -z --cached --others --exclude-standard |
                        while IFS= read -r -d '' f; do
                                [[ -e $SRCDIR/$f || -L $SRCDIR/$f ]] && printf '%s\0' "$f"
                        done |
                        tar -C "$SRCDIR" --null --no-recursion -T - -cf - |
                        tar -C "$dest" -xf -
        else
                tar -C "$SRCDIR" --exclude=./.git --exclude='./build*' --exclude=./builddir -cf - . |
                        tar -C "$dest" -xf -
        fi
}

project_version() {
        sed -n "s/^[[:space:]]*version[[:space:]]*:[[:space:]]*'\([^']*\)'.*/\1/p" "$SRCDIR/meson.build" | head -n 1
}

build_deb() {
        local tree=$1 v

        say "building .deb packages"
        mv "$tree/packaging/debian" "$tree/debian"
        v=$(cd "$tree" && dpkg-parsechangelog -S Version)
        [[ $v == "$version" || $v == "$version"-* ]] ||
                die "debian/changelog says $v but meson.build says $version; add a changelog entry"
        (cd "$tree" && dpkg-buildpackage -b -us -uc -j"$(nproc)") >"$work/deb-build.log" 2>&1 || {
                tail -n 60 "$work/deb-build.log" >&2
                die "dpkg-buildpackage failed (log above)"
        }
        mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
        compgen -G "$work/*.ddeb" >/dev/null && mv "$work"/*.ddeb "$out"/
        return 0
}

# A second set of .deb with a higher version from the same build tree (nothing is recompiled): what
# the install test upgrades to.
build_deb_upgrade() {
        local tree=$1 v name email

        say "building the upgrade .deb packages"
        v=$(cd "$tree" && dpkg-parsechangelog -S Version)
        name=$(cd "$tree" && dpkg-parsechangelog -S Maintainer)
        email=${name##*<}
        email=${email%>}
        name=${name% <*}
        {
                printf 'vnettune (%s+upgrade1) UNRELEASED; urgency=medium\n\n' "$v"
                printf '  * Rebuild with a higher version, for the upgrade test.\n\n'
                printf ' -- %s <%s>  %s\n\n' "$name" "$email" "$(date -R)"
                cat "$tree/debian/changelog"
        } >"$work/changelog.new"
        mv "$work/changelog.new" "$tree/debian/changelog"
        mkdir -p "$out/upgrade"
        (cd "$tree" && dpkg-buildpackage -b -nc -us -uc -j"$(nproc)") >"$work/deb-upgrade.log" 2>&1 || {
                tail -n 60 "$work/deb-upgrade.log" >&2
                die "dpkg-buildpackage (upgrade) failed (log above)"
        }
        mv "$work"/*.deb "$out/upgrade/"
        rm -f "$work"/*.changes "$work"/*.buildinfo "$work"/*.ddeb
}

build_rpm() {
        local tree=$1 top=$work/rpm v
        local -a macros=()

        say "building .rpm packages"
        v=$(sed -n 's/^Version:[[:space:]]*//p' "$tree/packaging/rpm/vnettune.spec")
        [[ $v == "$version" ]] ||
                die "vnettune.spec says Version: $v but meson.build says $version; add a %changelog entry"
        mkdir -p "$top"/{BUILD,RPMS,SOURCES,SPECS,SRPMS}
        tar -C "$(dirname "$tree")" -czf "$top/SOURCES/vnettune-$version.tar.gz" "$(basename "$tree")"
        # Debian's rpm has none of Fedora's macros (%_unitdir, %meson, %systemd_post, ...).
        [[ -n $(rpm --eval '%{?_unitdir}') ]] || macros=(--load "$tree/packaging/rpm/macros.fallback")
        # --nodeps: the BuildRequires name Fedora's -devel packages, which a Debian machine does not
        # have as rpm packages; their Debian counterparts are installed (see packages above).
        rpmbuild -ba --nodeps "${macros[@]}" \
                --define "_topdir $top" \
                --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
                "$tree/packaging/rpm/vnettune.spec" >"$work/rpm-build.log" 2>&1 || {
                tail -n 60 "$work/rpm-build.log" >&2
                die "rpmbuild failed (log above)"
        }
        mv "$top"/RPMS/*.rpm "$top"/SRPMS/*.rpm "$out"/
}

run_lintian() {
        local changes

        changes=$(compgen -G "$out/vnettune_${version}*_$(dpkg --print-architecture).changes" | head -n 1)
        [[ -n $changes ]] || die "no .changes file in $out"
        say "lintian ${changes##*/}"
        # Errors and warnings fail; informational tags are shown. Overrides live in
        # packaging/debian/*.lintian-overrides, each with its reason.
        lintian --display-info --fail-on error,warning "$changes"
}

run_rpmlint() {
        local tree=$1

        say "rpmlint"
        # The settings and filters of rpmlint.toml are explained there and in packaging/README.md.
        rpmlint --config "$tree/packaging/rpm/rpmlint.toml" \
                "$tree/packaging/rpm/vnettune.spec" "$out"/*.rpm
}

main() {
        local tree

        while (($# > 0)); do
                case $1 in
                --out)          (($# >= 2)) || { usage >&2; exit 2; }; out=$2; shift ;;
                --out=*)        out=${1#*=} ;;
                --formats)      (($# >= 2)) || { usage >&2; exit 2; }; formats=$2; shift ;;
                --formats=*)    formats=${1#*=} ;;
                --upgrade)      upgrade=1 ;;
                --no-lint)      lint= ;;
                --no-deps)      install_deps= ;;
                --keep)         keep=1 ;;
                --print-deps)   printf '%s\n' "${packages[@]}"; exit 0 ;;
                -h|--help)      usage; exit 0 ;;
                *)              echo "unknown option '$1'" >&2; usage >&2; exit 2 ;;
                esac
                shift
        done
        [[ -n $out ]] || { usage >&2; exit 2; }
        [[ ,$formats, =~ ,(deb|rpm), ]] || die "--formats takes deb, rpm or deb,rpm"
        [[ -n $upgrade && ,$formats, != *,deb,* ]] && die "--upgrade needs the deb format"

        [[ -n $install_deps ]] && ensure_packages
        version=$(project_version)
        [[ -n $version ]] || die "cannot read the project version from meson.build"

        mkdir -p "$out"
        out=$(cd "$out" && pwd)
        work=$(mktemp -d "${TMPDIR:-/tmp}/vnettune-packages.XXXXXX")
        if [[ -n $keep ]]; then
                trap 'say "kept $work"' EXIT
        else
                trap 'rm -rf -- "$work"' EXIT
        fi

        # One pristine copy per format: the Debian build turns packaging/debian into debian/.
        if [[ ,$formats, == *,rpm,* ]]; then
                tree=$work/rpmsrc/vnettune-$version
                copy_tree "$tree"
                build_rpm "$tree"
        fi
        if [[ ,$formats, == *,deb,* ]]; then
                tree=$work/vnettune-$version
                copy_tree "$tree"
                build_deb "$tree"
                [[ -n $upgrade ]] && build_deb_upgrade "$tree"
        fi

        if [[ -n $lint ]]; then
                [[ ,$formats, == *,deb,* ]] && run_lintian
                [[ ,$formats, == *,rpm,* ]] && run_rpmlint "$work/rpmsrc/vnettune-$version"
        fi
        say "packages in $out:"
        find "$out" -maxdepth 2 -type f \( -name '*.deb' -o -name '*.rpm' \) -printf '    %P\n' | sort >&2
}

main "$@"
