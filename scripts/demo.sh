#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: two hosts in User-Mode Linux, each configured only by a netsh
# script, then traffic that is protected (ESP on the wire), permitted (in
# the clear) and blocked (nothing on the wire).  Under a minute, narrated.
#
# The same file runs twice: on the host it boots UML and shows the
# narration live (the guest writes it to a file in the scratch directory);
# inside UML it is the demonstration itself.
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export TOP
# shellcheck disable=SC1091
. "$TOP/scripts/uml/lib.sh"

if [ -z "${UML_GUEST:-}" ]; then
	if [ "$(id -u)" != 0 ]; then echo "demo: run as root (User-Mode Linux, network namespaces)" >&2; exit 1; fi
	command -v linux >/dev/null || { echo "demo: User-Mode Linux missing: make deps" >&2; exit 1; }
	mkdir -p "$TOP/build/e2e"
	scratch=$(mktemp -d "$TOP/build/e2e/demo.XXXXXX")
	e2e_bins
	mkdir -p "$scratch/bin"
	[ -x "$NETSH" ] && cp "$NETSH" "$scratch/bin/netsh" && export NETSH=$scratch/bin/netsh
	[ -x "$IPSEC_APPLY" ] && cp "$IPSEC_APPLY" "$scratch/bin/ipsec-apply" && export IPSEC_APPLY=$scratch/bin/ipsec-apply
	echo "== Booting User-Mode Linux (its kernel has ESP; this machine's kernel refuses ESP states)"
	start=$(now_ms)
	"$TOP/scripts/uml/boot.sh" -t 120 "$scratch" "$TOP/scripts/demo.sh" >"$scratch/boot.out" 2>&1 &
	bp=$!
	# Live narration: the guest's stdout is result.partial until power-off.
	tail -F -n +1 --pid=$bp "$scratch/result.partial" 2>/dev/null &
	tp=$!
	wait $bp
	rc=$?
	sleep 0.3
	kill $tp 2>/dev/null
	wait $tp 2>/dev/null
	if [ $rc != 0 ]; then
		grep -E '^FAIL' "$scratch/boot.out"
		echo "demo: FAILED (rc $rc); details in $scratch (guest.log, console.log)"
		exit 1
	fi
	echo "== Done in $((($(now_ms) - start) / 1000)) s (UML boot and power-off included)."
	[ -n "${E2E_KEEP:-}" ] || rm -rf "$scratch"
	exit 0
fi

# ---- inside UML ---------------------------------------------------------
S=$TOP/tests/e2e/scripts
say() { printf '%s\n' "$*"; }
head_() { printf '\n== %s\n' "$*"; }
# Show commands without the comments, shortened to the screen.
show_script() { grep -v '^#' "$1" | sed 's/^ipsec static /  netsh ipsec static /' | cut -c1-150; }
# Capture lines without timestamps, for readability.
show_cap() { sed -E 's/^[0-9:.]+ //' "$SCRATCH/cap/$1.txt" | grep -v -E 'ICMP6|ARP|IP6' | head -n "${2:-6}" | sed 's/^/  | /'; }

head_ "Two hosts: A 10.91.0.1 and B 10.91.0.2 (network namespaces joined by a veth pair), a charon each"
topo_hosts || { say "FAIL demo: topology"; exit 1; }
charon_start hosta && charon_start hostb || { say "FAIL demo: charon did not start"; exit 1; }

if why=$(product_why_not); then
	head_ "Host A is configured only by netsh -f hostA.netsh:"
	show_script "$S/hostA.netsh"
	product_netsh hosta "$S/hostA.netsh" || { say "FAIL demo: netsh on A: $(tail -2 "$SCRATCH/hosta/netsh.out")"; exit 1; }
	product_netsh hostb "$S/hostB.netsh" || { say "FAIL demo: netsh on B: $(tail -2 "$SCRATCH/hostb/netsh.out")"; exit 1; }
	say "  (host B runs the mirror image, hostB.netsh)"
	head_ "ipsec-apply compiles the assigned policy; the most specific filter wins:"
	NETSH_IPSEC_DIR=$SCRATCH/hosta/store nsx hosta "$IPSEC_APPLY" -n --backend=xfrm --no-nft --no-vici 2>/dev/null |
		sed -n '/^filters, first match wins/,$p' | cut -c1-100 | sed 's/^/  /'
	t0=$(now_ms)
	product_apply hosta && product_apply hostb || { say "FAIL demo: ipsec-apply: $(tail -2 "$SCRATCH/hosta/apply.out")"; exit 1; }
	say "  applied on both hosts in $(($(now_ms) - t0)) ms: $(nsx hosta ip xfrm policy | grep -c '^src') XFRM policies on A, charon connection:"
	sw hosta --list-conns 2>/dev/null | sed -n '1p;/TRANSPORT/p' | cut -c1-100 | sed 's/^/    /'
	product=1
else
	head_ "NOT YET DONE: $why"
	say "  Standing in for the product: hand-written swanctl config for the protected part only;"
	say "  the permit and block parts below need ipsec-apply and are skipped."
	swconf "$SCRATCH/a.conf" $HOSTA $HOSTB
	swconf "$SCRATCH/b.conf" $HOSTB $HOSTA
	sw_load hosta "$SCRATCH/a.conf" && sw_load hostb "$SCRATCH/b.conf" || { say "FAIL demo: swanctl"; exit 1; }
	product=0
fi

head_ "PROTECTED: A pings B; the first packet starts IKEv1 main mode + quick mode"
t0=$(now_ms)
ping_until hosta $HOSTB 10 && wait_sa hosta 5 || { say "FAIL demo: no SA"; exit 1; }
say "  security association up $(($(now_ms) - t0)) ms after the first packet:"
say "    $(nsx hosta ip xfrm state | awk '/^src/ {s=$2" -> "$4} /proto esp/ {m=$8} /^[ \t]+enc/ {e=$2} /^[ \t]+auth/ {a=$2} END {print "ESP " s ", mode " m ", " e ", " a}')"
cap_start prot hosta eth0
nsx hosta ping -c 2 -i 0.3 -W 1 $HOSTB | grep -E 'bytes from' | sed 's/^/  ping: /'
tcp_ok hostb hosta $HOSTB 8080 && say "  TCP 8080: delivered"
cap_stop prot
say "  on the wire (tcpdump on A's veth):"
show_cap prot 6
say "  -> $(cap_count prot esp) ESP packets, $(cap_count prot 'icmp or tcp port 8080') in the clear"

if [ $product = 1 ]; then
	head_ "PERMITTED: UDP 5353 (mDNS) passes in the clear"
	cap_start permit hosta eth0
	udp_ok hostb hosta $HOSTB 5353 && say "  UDP 5353: delivered"
	cap_stop permit
	show_cap permit 2
	head_ "BLOCKED: telnet (TCP 23) from A to B"
	cap_start block hosta eth0
	if tcp_ok hostb hosta $HOSTB 23; then say "  TCP 23: delivered (unexpected!)"; else say "  TCP 23: connection failed"; fi
	cap_stop block
	say "  on the wire: $(cap_count block 'tcp port 23') packets"
fi
exit 0
