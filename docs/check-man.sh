#!/bin/sh
# SPDX-License-Identifier: MIT
# check-man.sh MAN3-DIR HEADER...: every function a header declares with
# DMAB_API has a man page in MAN3-DIR.
dir=$1
shift
missing=0
for f in $(sed -n 's/^DMAB_API[^(]*[ *]\(dmab_[a-z0-9_]*\)(.*/\1/p' "$@"); do
	[ -e "$dir/$f.3" ] || { echo "docs: no man page for $f" >&2; missing=1; }
done
exit $missing
