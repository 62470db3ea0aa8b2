#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot User-Mode Linux once and run a guest script inside it.
#
#   boot.sh [-m MEM] [-t SECONDS] SCRATCH GUEST_SCRIPT [ARG...]
#
# The host kernel here refuses ESP states, so every test that needs a real
# SA runs inside UML (Documentation/e2e.md).  UML's root is the host's /
# through hostfs, write-through: the guest writes only to tmpfs and to
# SCRATCH, which must be an absolute path that this script owns.
#
# The guest's verdict comes back through files, not the console (which is
# noisy): SCRATCH/result holds the PASS/FAIL/SKIP lines, SCRATCH/rc the
# guest script's exit status.  This script prints the result lines and
# exits 0 only when both files exist and rc is 0; a missing result means
# the guest never got that far, and that is a failure.
set -u

mem=512M
tmo=${UML_TIMEOUT:-120}
while getopts m:t: o; do
	case $o in
	m) mem=$OPTARG ;;
	t) tmo=$OPTARG ;;
	*) echo "usage: $0 [-m MEM] [-t SECONDS] SCRATCH GUEST_SCRIPT [ARG...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 2 ]; then
	echo "usage: $0 [-m MEM] [-t SECONDS] SCRATCH GUEST_SCRIPT [ARG...]" >&2
	exit 2
fi
scratch=$1 guest=$2
shift 2
case $scratch in /*) ;; *) echo "boot.sh: SCRATCH must be absolute" >&2; exit 2 ;; esac
case $guest in /*) ;; *) guest=$(pwd)/$guest ;; esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if ! command -v linux >/dev/null; then
	echo "boot.sh: User-Mode Linux is not installed (package user-mode-linux)" >&2
	exit 77
fi

mkdir -p "$scratch/uml" "$scratch/tmp"
rm -f "$scratch/result" "$scratch/result.partial" "$scratch/rc" "$scratch/console.log"

# What the guest needs to know, in a file: the kernel command line is a
# poor place for paths with unusual characters.
{
	printf 'SCRATCH=%q\n' "$scratch"
	printf 'TOP=%q\n' "$top"
	printf 'GUEST=%q\n' "$guest"
	printf 'UML_GUEST=1\n'
	printf 'GUEST_ARGS=('
	for a in "$@"; do printf '%q ' "$a"; done
	printf ')\n'
	# Pass the product locations and knobs the guest scripts read.
	for v in NETSH IPSEC_APPLY VARIANT UML_VERBOSE E2E_KEEP BENCH_N BENCH_RULES; do
		if [ -n "${!v:-}" ]; then printf '%s=%q\n' "$v" "${!v}"; fi
	done
} >"$scratch/guest.env"

printf '#!/bin/sh\nexec /bin/bash %s/init.sh %s\n' "$here" "$scratch" >"$scratch/init"
chmod 755 "$scratch/init"

# UML wants a writable TMPDIR for its memory file; keep it in the scratch.
TMPDIR=$scratch/tmp timeout --kill-after=5 "$tmo" \
	linux mem="$mem" rootfstype=hostfs rootflags=/ rw init="$scratch/init" \
	uml_dir="$scratch/uml" con=null con0=fd:0,fd:1 </dev/null >"$scratch/console.log" 2>&1
krc=$?
# A UML killed by the timeout can leave its helper processes behind.
# Remove them, but only processes that are provably this boot's: the pid
# file may be stale and its number reused by someone else's process.
if [ "$krc" = 124 ] || [ "$krc" = 137 ]; then
	for pf in "$scratch"/uml/*/pid; do
		[ -f "$pf" ] || continue
		p=$(cat "$pf" 2>/dev/null)
		case $p in '' | *[!0-9]*) continue ;; esac
		if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "uml_dir=$scratch/uml"; then
			kill -9 "$p" 2>/dev/null
		fi
	done
fi

if [ ! -f "$scratch/result" ]; then
	# Whatever the guest printed before it stalled is still worth seeing.
	[ -f "$scratch/result.partial" ] && cat "$scratch/result.partial"
	echo "FAIL uml-boot: guest wrote no result (linux exit $krc, scratch $scratch); console tail:"
	tail -n 15 "$scratch/console.log" | sed 's/^/    /'
	[ -f "$scratch/guest.log" ] && { echo "  guest.log tail:"; tail -n 15 "$scratch/guest.log" | sed 's/^/    /'; }
	exit 1
fi
cat "$scratch/result"
rc=$(cat "$scratch/rc" 2>/dev/null || echo 1)
if [ "$krc" = 124 ] || [ "$krc" = 137 ]; then
	echo "FAIL uml-timeout: UML did not power off within ${tmo}s"
	exit 1
fi
[ "$rc" = 0 ]
