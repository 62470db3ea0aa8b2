#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 inside User-Mode Linux (started through SCRATCH/init by boot.sh).
#
# The root file system is the host's / written through, so before anything
# else the places programs write to (/run, /var/tmp) get tmpfs; everything
# else the guest writes goes under SCRATCH.  The guest script's stdout is
# the result (PASS/FAIL/SKIP lines); stderr and the set-up chatter go to
# SCRATCH/guest.log.  The machine always powers off at the end, whatever
# the guest script did.
scratch=$1
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/ipsec
# shellcheck disable=SC1091
. "$scratch/guest.env"
export SCRATCH TOP UML_GUEST
export TMPDIR=$SCRATCH/tmp HOME=$SCRATCH/tmp
[ -n "${NETSH:-}" ] && export NETSH
[ -n "${IPSEC_APPLY:-}" ] && export IPSEC_APPLY
export VARIANT=${VARIANT:-rel}

exec >"$SCRATCH/guest.log" 2>&1 </dev/null

poweroff() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 10
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /var/tmp
# Everything below writes to /run and /var/tmp: never let that reach the
# host's directories through hostfs.
if ! mountpoint -q /run || ! mountpoint -q /var/tmp; then
	echo "init: tmpfs on /run or /var/tmp missing; refusing to run" >&2
	poweroff
fi
mkdir -p /run/netns /run/lock
# Without this the guest would see the host's /dev/shm contents.
mount -t tmpfs tmpfs /dev/shm 2>/dev/null
# Some programs write to /tmp whatever TMPDIR says; keep that off the
# host too, unless the tree or the scratch directory live there.
case "$SCRATCH:$TOP" in
/tmp/* | *:/tmp/*) ;;
*) mount -t tmpfs -o mode=1777 tmpfs /tmp ;;
esac

kver=$(uname -r)
moddir=$SCRATCH/modroot
mkdir -p "$moddir/lib/modules"
ln -sfn "/usr/lib/uml/modules/$kver" "$moddir/lib/modules/$kver"
# drbg + sha512 are needed for the ESP IV generator (every SA add fails
# with ENOENT without them); the rest are the IKEv1/Windows algorithms.
modprobe -d "$moddir" -a xfrm_user xfrm_algo esp4 ah4 veth hmac cbc authenc echainiv sch_ingress cls_bpf \
	seqiv des_generic drbg sha512 ansi_cprng ipv6 ||
	echo "init: some modules did not load" >&2
# On-demand loads are slow in UML and would land in the middle of a
# negotiation; everything needed is loaded now.
echo >/proc/sys/kernel/modprobe
ip link set lo up

t0=$(cut -d' ' -f1 /proc/uptime)
echo "init: ready at ${t0}s uptime, running $GUEST ${GUEST_ARGS[*]}"
cd "$SCRATCH" || poweroff
bash "$GUEST" "${GUEST_ARGS[@]}" >"$SCRATCH/result.partial"
rc=$?
echo "init: guest exited $rc at $(cut -d' ' -f1 /proc/uptime)s uptime"
# Kill what the guest left running (charons, tcpdumps) so their last
# writes land before power-off.
for p in /proc/[0-9]*; do
	p=${p#/proc/}
	[ "$p" = 1 ] || [ "$p" = $$ ] && continue
	grep -q '^PPid:[[:space:]]*2$' "/proc/$p/status" 2>/dev/null && continue
	[ "$(readlink "/proc/$p/exe" 2>/dev/null)" ] && kill "$p" 2>/dev/null
done
sleep 0.2
echo "$rc" >"$SCRATCH/rc"
mv "$SCRATCH/result.partial" "$SCRATCH/result"
poweroff
