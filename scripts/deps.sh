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
