# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared shell for the User-Mode Linux tier.  Source it from a test script;
# the same file runs twice:
#
#   on the host   uml_main boots UML with the calling script as the guest
#                 and exits with the guest's verdict;
#   in the guest  uml_main returns and the rest of the script runs as the
#                 test proper, with the helpers below (topology, charon,
#                 capture).
#
# Everything the guest writes goes under $SCRATCH (the host's build/e2e/…
# seen through hostfs) or tmpfs.  Inside UML the namespace names cannot
# collide with anybody else's, so they are short and fixed.

: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export TOP
# The rel build: ASan inside UML is slow, and the tier runner asks for rel.
: "${VARIANT:=rel}"
# shellcheck disable=SC1091
. "$TOP/tests/lib.sh"

UML_CHARON=${UML_CHARON:-/usr/lib/ipsec/charon}

# uml_need_product NAME: on the host, SKIP (and exit) before paying for a
# UML boot when the product cannot run the scenario yet.
uml_need_product() {
	[ -n "${UML_GUEST:-}" ] && return 0
	local why
	if ! why=$(product_why_not); then t_skip "$1" "$why"; exit 0; fi
}

# uml_main SCRIPT [ARG...]: on the host, boot UML running SCRIPT and exit.
uml_main() {
	[ -n "${UML_GUEST:-}" ] && return 0
	local script=$1 name
	shift
	name=$(basename "$script" .sh)
	if [ "$(id -u)" != 0 ]; then t_skip "$name" "needs root (User-Mode Linux, network namespaces)"; exit 0; fi
	if ! command -v linux >/dev/null; then
		t_skip "$name" "User-Mode Linux is not installed (package user-mode-linux)"
		exit 0
	fi
	if [ ! -x "$UML_CHARON" ] || ! command -v swanctl >/dev/null; then
		t_skip "$name" "strongSwan charon/swanctl not installed"
		exit 0
	fi
	mkdir -p "$TOP/build/e2e"
	local scratch rc
	scratch=$(mktemp -d "$TOP/build/e2e/$name.XXXXXX")
	# Other work rebuilds build/ while a scenario runs: test a private
	# copy of the binaries, taken once at boot.
	e2e_bins
	mkdir -p "$scratch/bin"
	if [ -x "$NETSH" ] && cp "$NETSH" "$scratch/bin/netsh"; then export NETSH=$scratch/bin/netsh; fi
	if [ -x "$IPSEC_APPLY" ] && cp "$IPSEC_APPLY" "$scratch/bin/ipsec-apply"; then
		export IPSEC_APPLY=$scratch/bin/ipsec-apply
	fi
	"$TOP/scripts/uml/boot.sh" -t "${UML_TIMEOUT:-180}" "$scratch" "$(cd "$(dirname "$script")" && pwd)/$(basename "$script")" "$@"
	rc=$?
	if [ $rc = 0 ] && [ -z "${E2E_KEEP:-}" ]; then
		rm -rf "$scratch"
	else
		echo "# scratch kept: $scratch" >&2
	fi
	exit $rc
}

# Log to the guest log (stderr), not to the result.
log() { printf '%s %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$*" >&2; }

# Milliseconds, without spawning a process (process start-up costs tens
# of milliseconds in UML, so polling loops are bounded by time, not by a
# count of iterations).
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# nsx NS CMD...: run CMD in namespace NS.
nsx() { local n=$1; shift; ip netns exec "$n" "$@"; }

# ---- product binaries ------------------------------------------------------

# The binaries under test; rel by default inside UML (ASan in UML is slow).
e2e_bins() {
	NETSH=${NETSH:-$TOP/build/rel/bin/netsh}
	IPSEC_APPLY=${IPSEC_APPLY:-$TOP/build/rel/bin/ipsec-apply}
	[ -x "$NETSH" ] || NETSH=$TOP/build/bin/netsh
	[ -x "$IPSEC_APPLY" ] || IPSEC_APPLY=$TOP/build/bin/ipsec-apply
}

# ---- topology --------------------------------------------------------------

# Two hosts on one link, for transport mode:
#   hosta eth0 10.91.0.1/24  <->  hostb eth0 10.91.0.2/24
HOSTA=10.91.0.1
HOSTB=10.91.0.2
topo_hosts() {
	ip netns add hosta && ip netns add hostb || return 1
	ip link add eth0 netns hosta type veth peer name eth0 netns hostb || return 1
	nsx hosta ip addr add $HOSTA/24 dev eth0
	nsx hostb ip addr add $HOSTB/24 dev eth0
	local n
	for n in hosta hostb; do
		nsx $n ip link set lo up
		nsx $n ip link set eth0 up
	done
}

# Two gateways with a subnet behind each, for tunnel mode:
#   net1 10.91.1.10 - 10.91.1.1 gw1 10.91.0.1 == 10.91.0.2 gw2 10.91.2.1 - 10.91.2.10 net2
GW1=10.91.0.1
GW2=10.91.0.2
NET1=10.91.1.0/24
NET2=10.91.2.0/24
H1=10.91.1.10
H2=10.91.2.10
topo_gateways() {
	local n
	for n in gw1 gw2 net1 net2; do ip netns add $n || return 1; done
	ip link add eth0 netns gw1 type veth peer name eth0 netns gw2 || return 1
	ip link add eth1 netns gw1 type veth peer name eth0 netns net1 || return 1
	ip link add eth1 netns gw2 type veth peer name eth0 netns net2 || return 1
	nsx gw1 ip addr add $GW1/24 dev eth0
	nsx gw1 ip addr add 10.91.1.1/24 dev eth1
	nsx gw2 ip addr add $GW2/24 dev eth0
	nsx gw2 ip addr add 10.91.2.1/24 dev eth1
	nsx net1 ip addr add $H1/24 dev eth0
	nsx net2 ip addr add $H2/24 dev eth0
	for n in gw1 gw2 net1 net2; do
		nsx $n ip link set lo up
		nsx $n ip link set eth0 up
	done
	nsx gw1 ip link set eth1 up
	nsx gw2 ip link set eth1 up
	nsx gw1 sysctl -qw net.ipv4.ip_forward=1
	nsx gw2 sysctl -qw net.ipv4.ip_forward=1
	nsx gw1 ip route add $NET2 via $GW2
	nsx gw2 ip route add $NET1 via $GW1
	nsx net1 ip route add default via 10.91.1.1
	nsx net2 ip route add default via 10.91.2.1
}

# ---- charon ------------------------------------------------------------------

# charon_conf NS [EXTRA]: write $SCRATCH/NS/strongswan.conf.  EXTRA is
# strongswan.conf text placed inside the charon { } section.
charon_conf() {
	local ns=$1 extra=${2:-} d=$SCRATCH/$1
	mkdir -p "$d"
	cat >"$d/strongswan.conf" <<-CONF
	charon {
		load_modular = no
		load = random nonce openssl gmp pem pkcs1 pkcs8 x509 pubkey constraints revocation hmac kdf kernel-netlink socket-default vici updown
		install_routes = no
		retransmit_tries = ${CHARON_RETRANSMIT_TRIES:-3}
		retransmit_timeout = ${CHARON_RETRANSMIT_TIMEOUT:-1.0}
		retransmit_base = 1.4
		filelog {
			log {
				path = $d/charon.log
				time_format = %T
				default = ${CHARON_LOGLEVEL:-1}
				ike = ${CHARON_IKE_LOGLEVEL:-1}
				flush_line = yes
			}
		}
		syslog {
			daemon {
				default = -1
			}
		}
		plugins {
			vici {
				socket = unix:///run/charon.vici
			}
		}
	$extra
	}
	# swanctl otherwise loads every plugin it finds, which costs about a
	# second per call in UML.
	swanctl {
		load = pem pkcs1 pkcs8 x509 revocation constraints pubkey openssl random
	}
	CONF
}

# charon_start NS [EXTRA]: start a charon in NS with its own /run (the pid
# file is compiled in as /var/run/charon.pid, and a second charon sharing
# /run refuses to start).  Its VICI socket is /run/NS/charon.vici outside.
charon_start() {
	local ns=$1 d=$SCRATCH/$1 pid i
	[ -f "$d/strongswan.conf" ] || charon_conf "$ns" "${2:-}"
	mkdir -p "/run/$ns"
	rm -f "/run/$ns/charon.pid" "/run/$ns/charon.vici"
	# ip netns exec and sh both exec, so $! is charon's own PID.
	STRONGSWAN_CONF=$d/strongswan.conf ip netns exec "$ns" \
		sh -c "mount --bind /run/$ns /run && exec $UML_CHARON" >"$d/charon.out" 2>&1 &
	pid=$!
	for i in $(seq 1 200); do
		if [ "$(cat "/run/$ns/charon.pid" 2>/dev/null)" = "$pid" ] && [ -S "/run/$ns/charon.vici" ]; then
			echo "$pid" >"$d/charon.pid"
			log "charon $ns up (pid $pid) after $((i * 50)) ms"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	log "charon $ns did not start"
	cat "$d/charon.out" >&2
	return 1
}

charon_stop() {
	local ns=$1 pid
	pid=$(cat "$SCRATCH/$ns/charon.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	rm -f "$SCRATCH/$ns/charon.pid"
}

vici_uri() { echo "unix:///run/$1/charon.vici"; }

# sw NS ARGS...: swanctl against the charon of NS.
sw() {
	local ns=$1 cmd=$2; shift 2
	STRONGSWAN_CONF=$SCRATCH/$ns/strongswan.conf swanctl "$cmd" --uri "$(vici_uri "$ns")" "$@"
}

# sw_load NS FILE: load connections and secrets from a swanctl.conf file.
sw_load() {
	sw "$1" --load-conns --file "$2" >&2 && sw "$1" --load-creds --noprompt --clear --file "$2" >&2
}

# sw_terminate_all NS: close every IKE SA of NS (and so its CHILD_SAs).
sw_terminate_all() {
	local id
	for id in $(sw "$1" --list-sas 2>/dev/null | sed -n 's/^[^ ].*: #\([0-9]*\),.*/\1/p'); do
		sw "$1" --terminate --ike-id "$id" --timeout 2 >/dev/null 2>&1
	done
	local end=$(($(now_ms) + 3000))
	while [ "$(now_ms)" -lt $end ]; do
		sw "$1" --list-sas 2>/dev/null | grep -q '^[^ ].*: #' || return 0
		sleep 0.05
	done
}

# wait_sa NS [SECONDS]: until the kernel of NS holds an ESP SA pair
# (asking the kernel is much cheaper than a swanctl round trip in UML).
wait_sa() {
	local ns=$1 end=$(($(now_ms) + ${2:-10} * 1000))
	while [ "$(now_ms)" -lt $end ]; do
		[ "$(nsx "$ns" ip xfrm state list proto esp 2>/dev/null | grep -c '^src ')" -ge 2 ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_no_sa NS [SECONDS]: until the kernel of NS holds no ESP SA.
wait_no_sa() {
	local ns=$1 end=$(($(now_ms) + ${2:-5} * 1000))
	while [ "$(now_ms)" -lt $end ]; do
		[ "$(nsx "$ns" ip xfrm state list proto esp 2>/dev/null | grep -c '^src ')" = 0 ] && return 0
		sleep 0.05
	done
	return 1
}

# xfrm_pols NS: one line per XFRM policy of NS:
#   "SRC DST DIR ACTION TMPL_SRC TMPL_DST MODE"   (tmpl fields "-" if none)
xfrm_pols() {
	nsx "$1" ip xfrm policy | awk '
		function out() { if (sel != "") print sel, dir, act, ts, td, md }
		/^src/ { out(); sel = $2 " " $4; dir = "-"; act = "allow"; ts = "-"; td = "-"; md = "-" }
		/^[ \t]+dir/ { dir = $2; for (i = 3; i <= NF; i++) if ($i == "action") act = $(i + 1) }
		/^[ \t]+tmpl/ { ts = $3; td = $5 }
		/^[ \t]+proto/ { for (i = 1; i <= NF; i++) if ($i == "mode") md = $(i + 1) }
		END { out() }'
}

# esp_states NS: how many ESP states the kernel holds in NS.
esp_states() { nsx "$1" ip xfrm state | grep -c '^src.*' ; }

# ---- capture -----------------------------------------------------------------

# cap_start NAME NS IF [DIR]: capture on IF in NS into
# $SCRATCH/cap/NAME.pcap; DIR (in|out|inout, default inout) is tcpdump's -Q.
# A capture for "what is on the wire" in tunnel mode must use out on both
# ends: the kernel hands decapsulated tunnel packets to taps of the
# receiving device a second time, in the clear.
cap_start() {
	local name=$1 ns=$2 ifc=$3 dir=${4:-inout} f i
	mkdir -p "$SCRATCH/cap"
	f=$SCRATCH/cap/$name
	# ip netns exec execs tcpdump, so $! is tcpdump itself (a shell
	# function in the background would put a subshell in between).
	ip netns exec "$ns" tcpdump --immediate-mode -Z root -Q "$dir" -i "$ifc" -n -U -w "$f.pcap" >"$f.err" 2>&1 &
	echo $! >"$f.pid"
	for i in $(seq 1 100); do
		grep -q 'listening on' "$f.err" 2>/dev/null && return 0
		sleep 0.05
	done
	log "tcpdump $name did not start: $(cat "$f.err")"
	return 1
}

cap_stop() {
	local f=$SCRATCH/cap/$1 pid
	pid=$(cat "$f.pid" 2>/dev/null) || return 0
	# Let the last packets reach the file.
	sleep 0.2
	kill "$pid" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	rm -f "$f.pid"
	tcpdump -q -n -r "$f.pcap" >"$f.txt" 2>/dev/null
}

# cap_count NAME FILTER: packets of capture NAME that match a pcap filter.
cap_count() {
	tcpdump -n -r "$SCRATCH/cap/$1.pcap" "$2" 2>/dev/null | wc -l
}

# cap_show NAME [N]: first N lines of a capture, for the log and the demo.
cap_show() { head -n "${2:-8}" "$SCRATCH/cap/$1.txt"; }

# ---- traffic ---------------------------------------------------------------

# ping_until NS DST SECONDS: ping until one answer comes back.  The first
# packet starts IKE through an ACQUIRE and is dropped meanwhile, so rather
# than waiting a whole ping timeout, send it and watch for the SA.
ping_until() {
	local ns=$1 dst=$2 end=$(($(now_ms) + ${3:-10} * 1000))
	nsx "$ns" ping -c 1 -W 0.2 "$dst" >/dev/null 2>&1 && return 0
	while [ "$(now_ms)" -lt $end ]; do
		wait_sa "$ns" 1
		nsx "$ns" ping -c 1 -W 1 "$dst" >/dev/null 2>&1 && return 0
	done
	return 1
}

# wait_listen NS tcp|udp PORT: until a socket listens on PORT in NS.
wait_listen() {
	local opt=-ltn
	[ "$2" = udp ] && opt=-lun
	local end=$(($(now_ms) + 3000))
	while [ "$(now_ms)" -lt $end ]; do
		nsx "$1" ss -H "$opt" "sport = :$3" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# tcp_ok NS_SRV NS_CLI DST PORT: one line over TCP reaches the server.
tcp_ok() {
	local srv=$1 cli=$2 dst=$3 port=$4 f=$SCRATCH/tcp.$4.out
	rm -f "$f"
	ip netns exec "$srv" timeout 5 nc -l -p "$port" >"$f" 2>/dev/null &
	local lp=$!
	wait_listen "$srv" tcp "$port"
	echo "hello-tcp-$port" | nsx "$cli" timeout 4 nc -N -w 2 "$dst" "$port" >/dev/null 2>&1
	wait $lp 2>/dev/null
	grep -q "hello-tcp-$port" "$f" 2>/dev/null
}

# udp_ok NS_SRV NS_CLI DST PORT: one UDP datagram reaches the server.
udp_ok() {
	local srv=$1 cli=$2 dst=$3 port=$4 f=$SCRATCH/udp.$4.out
	rm -f "$f"
	ip netns exec "$srv" timeout 3 nc -u -l -p "$port" >"$f" 2>/dev/null &
	local lp=$!
	wait_listen "$srv" udp "$port"
	local i
	for i in 1 2 3; do
		echo "hello-udp-$port" | nsx "$cli" timeout 1 nc -u -w 1 "$dst" "$port" >/dev/null 2>&1
		grep -q "hello-udp-$port" "$f" 2>/dev/null && break
	done
	kill $lp 2>/dev/null
	wait $lp 2>/dev/null
	grep -q "hello-udp-$port" "$f" 2>/dev/null
}

# ---- hand-written swanctl configuration ------------------------------------

# swconf FILE LOCAL REMOTE [key=value...]: an IKEv1 main-mode PSK
# connection the way a Windows Server 2003 peer negotiates it.  Keys:
# name, proposals, esp, ah (AH proposals instead of ESP), mode
# (transport|tunnel), lts, rts, start (trap|none), psk, auth (psk|pubkey),
# cert, key, cacert.
swconf() {
	local file=$1 l=$2 r=$3
	shift 3
	local name=win proposals=3des-sha1-modp1024 esp=3des-sha1 mode=transport lts='' rts=''
	local start=trap psk=e2e-secret auth=psk cert='' key='' cacert='' ah='' kv
	for kv in "$@"; do
		case $kv in
		name=*) name=${kv#*=} ;; proposals=*) proposals=${kv#*=} ;; esp=*) esp=${kv#*=} ;;
		mode=*) mode=${kv#*=} ;; lts=*) lts=${kv#*=} ;; rts=*) rts=${kv#*=} ;;
		start=*) start=${kv#*=} ;; psk=*) psk=${kv#*=} ;; auth=*) auth=${kv#*=} ;;
		cert=*) cert=${kv#*=} ;; key=*) key=${kv#*=} ;; cacert=*) cacert=${kv#*=} ;;
		ah=*) ah=${kv#*=} ;;
		esac
	done
	{
		echo "connections {"
		echo "  $name {"
		echo "    version = 1"
		echo "    aggressive = no"
		echo "    local_addrs = $l"
		echo "    remote_addrs = $r"
		echo "    proposals = $proposals"
		echo "    rekey_time = 0"
		if [ "$auth" = psk ]; then
			printf '    local {\n      auth = psk\n      id = %s\n    }\n' "$l"
			printf '    remote {\n      auth = psk\n      id = %s\n    }\n' "$r"
		else
			echo "    send_cert = always"
			printf '    local {\n      auth = pubkey\n      certs = %s\n    }\n' "$cert"
			printf '    remote {\n      auth = pubkey\n      cacerts = %s\n    }\n' "$cacert"
		fi
		echo "    children {"
		echo "      $name {"
		echo "        mode = $mode"
		if [ -n "$ah" ]; then echo "        ah_proposals = $ah"; else echo "        esp_proposals = $esp"; fi
		[ -n "$lts" ] && echo "        local_ts = $lts"
		[ -n "$rts" ] && echo "        remote_ts = $rts"
		echo "        start_action = $start"
		echo "        rekey_time = 0"
		echo "      }"
		echo "    }"
		echo "  }"
		echo "}"
		echo "secrets {"
		if [ "$auth" = psk ]; then
			printf '  ike-%s {\n    id-a = %s\n    id-b = %s\n    secret = "%s"\n  }\n' "$name" "$l" "$r" "$psk"
		else
			printf '  private-%s {\n    file = %s\n  }\n' "$name" "$key"
		fi
		echo "}"
	} >"$file"
}

# ---- the product -------------------------------------------------------------

# product_why_not: prints why the product cannot run an end-to-end scenario
# yet, or nothing (and returns 0) when netsh and ipsec-apply look usable.
# The reasons are what SKIP lines say, so they name the missing piece.
product_why_not() {
	e2e_bins
	if [ ! -x "$NETSH" ]; then echo "netsh is not built ($NETSH missing; run make)"; return 1; fi
	if [ ! -x "$IPSEC_APPLY" ]; then echo "ipsec-apply is not built ($IPSEC_APPLY missing; run make)"; return 1; fi
	local h
	h=$("$IPSEC_APPLY" --help 2>&1)
	case $h in
	*"not built yet"*) echo "ipsec-apply is still a stub (ipsec-apply --help: $(echo "$h" | head -n 1))"; return 1 ;;
	esac
	if ! printf '%s' "$h" | grep -qi vici; then
		echo "ipsec-apply has no VICI backend yet (ipsec-apply --help does not mention vici)"
		return 1
	fi
	local probe
	probe=$(mktemp -d)
	h=$(NETSH_IPSEC_DIR=$probe "$NETSH" ipsec static show all 2>&1)
	rm -rf "$probe"
	case $h in
	*"not built yet"*) echo "netsh is still a stub (netsh: $(echo "$h" | head -n 1))"; return 1 ;;
	esac
	return 0
}

# ipsec-apply's flag for the VICI socket, as its --help spells it.
product_vici_flag() {
	local h
	h=$("$IPSEC_APPLY" --help 2>&1)
	for f in --vici --vici-socket --socket --uri; do
		if printf '%s' "$h" | grep -q -- "${f}[ =]"; then echo "$f"; return; fi
	done
	echo --vici
}

# product_netsh NS SCRIPT: configure host NS only through `netsh -f`.  The
# store lives in $SCRATCH/NS/store; netsh runs inside the namespace so
# that `me` means that host's addresses.  Output goes to SCRATCH/NS/netsh.out.
# The store is on tmpfs: SQLite's syncs through hostfs cost about 60 ms
# per netsh command in UML, which measures hostfs, not netsh.
E2E_STORES=${E2E_STORES:-/var/tmp/e2e-stores}
product_netsh() {
	local ns=$1 script=$2 d=$SCRATCH/$1
	mkdir -p "$d" "$E2E_STORES/$ns"
	ln -sfn "$E2E_STORES/$ns" "$d/store"
	NETSH_IPSEC_DIR=$d/store nsx "$ns" "$NETSH" -f "$script" >"$d/netsh.out" 2>&1
}

# host_reset NS: forget everything the scratch and tmpfs hold for NS.
host_reset() {
	rm -rf "${SCRATCH:?}/$1" "${E2E_STORES:?}/$1"
}

# product_apply NS [FLAG...]: compile the assigned policy of NS into the
# kernel of NS and into NS's charon.  E2E_APPLY_FLAGS adds flags (for
# example to pick backends that exist in this UML kernel).
product_apply() {
	local ns=$1 d=$SCRATCH/$1
	shift
	mkdir -p "$d/state"
	# This kernel has XFRM but no nftables ip family, and its BPF lacks
	# what the classifier needs: XFRM alone enforces everything here.
	local h flags=()
	h=$("$IPSEC_APPLY" --help 2>&1)
	case $h in *--no-nft*) flags+=(--no-nft) ;; esac
	case $h in *--backend*) flags+=(--backend=xfrm) ;; esac
	case $h in *--state-dir*) flags+=(--state-dir "$d/state") ;; esac
	# shellcheck disable=SC2086
	NETSH_IPSEC_DIR=$d/store nsx "$ns" "$IPSEC_APPLY" "$(product_vici_flag)" "/run/$ns/charon.vici" \
		"${flags[@]}" ${E2E_APPLY_FLAGS:-} "$@" >"$d/apply.out" 2>&1
}

# product_flush NS: remove what ipsec-apply installed in NS (store and
# state paths given, so nothing defaults to the host's directories).
product_flush() {
	local d=$SCRATCH/$1
	NETSH_IPSEC_DIR=$d/store nsx "$1" "$IPSEC_APPLY" --flush --backend=xfrm --no-nft \
		--state-dir "$d/state" --vici "/run/$1/charon.vici"
}

# product_step NAME NS CMD...: run a product step; PASS, or FAIL with the
# last lines of its output.  Returns the step's status.
product_step() {
	local name=$1 ns=$2 d=$SCRATCH/$2 out
	shift 2
	if "$@"; then
		t_pass "$name"
		return 0
	fi
	case $1 in
	product_netsh) out=$(tail -n 3 "$d/netsh.out" 2>/dev/null | tr '\n' ' ') ;;
	product_apply) out=$(tail -n 3 "$d/apply.out" 2>/dev/null | tr '\n' ' ') ;;
	*) out= ;;
	esac
	t_fail "$name" "$* failed: $out"
	return 1
}

# ---- checks shared by the scenarios ----------------------------------------

# check_protected T NS_CLI NS_SRV DST IF: with an SA up, ping, TCP and UDP
# from NS_CLI to DST work and the capture on IF in NS_CLI shows ESP only.
check_protected() {
	local t=$1 cli=$2 srv=$3 dst=$4 ifc=${5:-eth0} ok=1
	cap_start "$t-prot" "$cli" "$ifc" || { t_fail "$t-capture" "tcpdump did not start"; return 1; }
	nsx "$cli" ping -c 3 -i 0.2 -W 1 "$dst" >/dev/null 2>&1 && t_pass "$t-ping-esp" ||
		{ t_fail "$t-ping-esp" "ping $dst failed"; ok=0; }
	tcp_ok "$srv" "$cli" "$dst" 8080 && t_pass "$t-tcp-esp" || { t_fail "$t-tcp-esp" "TCP 8080 to $dst failed"; ok=0; }
	udp_ok "$srv" "$cli" "$dst" 9999 && t_pass "$t-udp-esp" || { t_fail "$t-udp-esp" "UDP 9999 to $dst failed"; ok=0; }
	cap_stop "$t-prot"
	local esp clear
	esp=$(cap_count "$t-prot" esp)
	clear=$(cap_count "$t-prot" 'icmp or tcp port 8080 or udp port 9999')
	log "$t protected capture: esp=$esp clear=$clear"
	cap_show "$t-prot" 12 >&2
	if [ "$esp" -ge 8 ] && [ "$clear" = 0 ]; then
		t_pass "$t-wire-only-esp"
	else
		t_fail "$t-wire-only-esp" "capture on $cli/$ifc: esp=$esp packets, clear ICMP/TCP/UDP=$clear (want >=8 and 0)"
		ok=0
	fi
	[ $ok = 1 ]
}

# check_permitted T NS_CLI NS_SRV DST PORT: UDP to PORT passes in the clear.
check_permitted() {
	local t=$1 cli=$2 srv=$3 dst=$4 port=$5
	cap_start "$t-permit" "$cli" eth0 || return 1
	local r=0
	udp_ok "$srv" "$cli" "$dst" "$port" || r=1
	cap_stop "$t-permit"
	local clear
	clear=$(cap_count "$t-permit" "udp port $port")
	cap_show "$t-permit" 4 >&2
	if [ $r = 0 ] && [ "$clear" -ge 1 ]; then
		t_pass "$t-permit-clear"
	else
		t_fail "$t-permit-clear" "UDP $port delivered=$((1 - r)), clear packets on the wire=$clear"
	fi
}

# check_blocked T NS_CLI NS_SRV DST PORT: TCP to PORT is dropped before the
# wire: no delivery, and no packet of it in the capture.
check_blocked() {
	local t=$1 cli=$2 srv=$3 dst=$4 port=$5
	cap_start "$t-block" "$cli" eth0 || return 1
	local r=0
	tcp_ok "$srv" "$cli" "$dst" "$port" && r=1
	cap_stop "$t-block"
	local seen
	seen=$(cap_count "$t-block" "tcp port $port")
	if [ $r = 0 ] && [ "$seen" = 0 ]; then
		t_pass "$t-block-nothing"
	else
		t_fail "$t-block-nothing" "TCP $port delivered=$r, packets on the wire=$seen (want 0 and 0)"
	fi
}

# ---- many peers (benchmarks) -----------------------------------------------

# many_addr I: the I-th peer address (1-based) in 10.92.0.0/16.
many_addr() { echo "10.92.$((($1 - 1) / 250)).$((($1 - 1) % 250 + 1))"; }

# many_netsh FILE N: a netsh script for host A with N negotiate rules, one
# per peer address (each its own filter list, one shared filter action).
many_netsh() {
	local f=$1 n=$2 i a
	{
		echo 'ipsec static add policy name="Many" mmsecmethods="3DES-SHA1-2" activatedefaultrule=no'
		echo 'ipsec static add filteraction name="ESP" action=negotiate qmsecmethods="ESP[3DES,SHA1]"'
		for i in $(seq 1 "$n"); do
			a=$(many_addr "$i")
			echo "ipsec static add filter filterlist=\"peer $i\" srcaddr=me dstaddr=$a protocol=any mirrored=yes"
			echo "ipsec static add rule name=\"peer $i\" policy=\"Many\" filterlist=\"peer $i\" filteraction=\"ESP\" psk=\"e2e-secret\" kerberos=no"
		done
		echo 'ipsec static set policy name="Many" assign=yes'
	} >"$f"
}

# many_swanctl FILE N LOCAL: the same N peers as hand-written swanctl
# config (trap, transport, PSK), the reference for the product's figures.
many_swanctl() {
	local f=$1 n=$2 l=$3 i a
	{
		echo "connections {"
		for i in $(seq 1 "$n"); do
			a=$(many_addr "$i")
			printf '  c%d {\n    version = 1\n    keyingtries = 0\n    local_addrs = %s\n    remote_addrs = %s\n    proposals = 3des-sha1-modp1024\n    local {\n      auth = psk\n      id = %s\n    }\n    remote {\n      auth = psk\n      id = %s\n    }\n    children {\n      c%d {\n        mode = transport\n        esp_proposals = 3des-sha1\n        start_action = %s\n      }\n    }\n  }\n' \
				"$i" "$l" "$a" "$l" "$a" "$i" "${MANY_START:-trap}"
		done
		echo "}"
		echo "secrets {"
		echo "  ike-any {"
		echo "    secret = \"e2e-secret\""
		echo "  }"
		echo "}"
	} >"$f"
}

# many_responder FILE: host B answers any peer address with PSK.
many_responder() {
	cat >"$1" <<-CONF
	connections {
	  resp {
	    version = 1
	    proposals = 3des-sha1-modp1024
	    local {
	      auth = psk
	    }
	    remote {
	      auth = psk
	    }
	    children {
	      resp {
	        mode = transport
	        esp_proposals = 3des-sha1
	      }
	    }
	  }
	}
	secrets {
	  ike-any {
	    secret = "e2e-secret"
	  }
	}
	CONF
}

# many_addrs_on NS IF N: give NS the N peer addresses on IF.
many_addrs_on() {
	local i
	for i in $(seq 1 "$3"); do echo "addr add $(many_addr "$i")/32 dev $2"; done >"$SCRATCH/addrs.batch"
	nsx "$1" ip -batch "$SCRATCH/addrs.batch"
}

# esp_pairs NS: established ESP SA pairs in the kernel of NS.
esp_pairs() { echo $(($(nsx "$1" ip xfrm state list proto esp 2>/dev/null | grep -c '^src ') / 2)); }
