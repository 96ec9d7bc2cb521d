# SPDX-License-Identifier: MIT
# Sourced by scripts/test and scripts/bench: install missing Debian packages.

# dmab_need PKG...: install the packages that are missing (as root), or print
# the exact command and fail (as anyone else).
dmab_need() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing Debian packages; run as root:" >&2
		echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
		return 1
	fi
	echo "installing: ${missing[*]}" >&2
	if [ -z "${DMAB_APT_UPDATED:-}" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
		DMAB_APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
}

# dmab_need_arm64: the cross toolchain, qemu-user and arm64 libraries.
dmab_need_arm64() {
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "run as root: dpkg --add-architecture arm64 && apt-get update" >&2
			return 1
		fi
		dpkg --add-architecture arm64
		DMAB_APT_UPDATED=
	fi
	dmab_need gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user-static \
		libcmocka-dev:arm64 liburcu-dev:arm64 libnuma-dev:arm64
}

DMAB_BASE_PKGS=(cmake make gcc g++ pkg-config libcmocka-dev liburcu-dev libnuma-dev)

# dmab_need_riscv64: the cross tools (gcc-riscv64-linux-gnu's binutils, C
# runtime and libgcc; clang-14 compiles, see cmake/riscv64-linux-gnu.cmake),
# qemu-user, and a sysroot of Debian's riscv64 libraries in
# build/sysroot-riscv64. Debian 12 has no riscv64 architecture, so the
# sysroot's packages come from the release after it (13, where riscv64 is
# official), fetched with apt-get download through a private apt state (the
# mirror is the one this system's sources use) and unpacked with dpkg -x;
# the system's own apt setup is not changed.
DMAB_RISCV64_SYSROOT_PKGS=(libc6 libc6-dev linux-libc-dev libcrypt1 libcrypt-dev libgcc-s1
	libgcc-14-dev libstdc++6 libstdc++-14-dev libatomic1 libcmocka0 libcmocka-dev
	liburcu8t64 liburcu-dev libnuma1 libnuma-dev)
dmab_need_riscv64() {
	dmab_need gcc-riscv64-linux-gnu clang-14 qemu-user-static || return 1
	local root=${DMAB_RISCV64_SYSROOT:-$PWD/build/sysroot-riscv64}
	local stamp=$root/.dmab-pkgs
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "${DMAB_RISCV64_SYSROOT_PKGS[*]}" ] && return 0
	local apt=$PWD/build/apt-riscv64 uri
	uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
	[ -n "$uri" ] || uri=$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	[ -n "$uri" ] || { echo "riscv64 sysroot: no Debian mirror in the apt sources" >&2; return 1; }
	rm -rf "$apt" "$root"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/deb" "$root"
	echo "deb [arch=riscv64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main" \
		>"$apt/sources.list"
	: >"$apt/status"
	local o=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$apt/lists" -o "Dir::State::status=$apt/status"
		-o "Dir::Cache=$apt/cache" -o APT::Architecture=riscv64
		-o APT::Architectures::=riscv64 -o APT::Sandbox::User=root -q)
	echo "riscv64 sysroot: fetching ${DMAB_RISCV64_SYSROOT_PKGS[*]}" >&2
	apt-get "${o[@]}" update >"$apt/update.log" 2>&1 || { cat "$apt/update.log" >&2; return 1; }
	(cd "$apt/deb" && apt-get "${o[@]}" download "${DMAB_RISCV64_SYSROOT_PKGS[@]}") \
		>"$apt/download.log" 2>&1 || { cat "$apt/download.log" >&2; return 1; }
	local deb
	for deb in "$apt"/deb/*.deb; do
		dpkg -x "$deb" "$root" || return 1
	done
	# merged /usr: the libraries' link scripts name /lib/...
	[ -e "$root/lib" ] || ln -s usr/lib "$root/lib"
	echo "${DMAB_RISCV64_SYSROOT_PKGS[*]}" >"$stamp"
}
