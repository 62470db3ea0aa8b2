#!/bin/bash
# Random policies through the whole pipeline: netsh -> ipsec-apply -> real
# TCP, UDP and ICMP packets between two namespaces, each compared with what
# the reference matcher (`ipsec-apply --explain`) says.  Overlapping
# filters of every action, mirrored or not, in both directions.  Without
# charon a negotiated packet has no SA and is dropped.
#   APPLY_RANDOM_SEEDS="1 2 3"   APPLY_RANDOM_BACKENDS="xfrm bpf"
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_need_root apply_random

for b in "$NETSH" "$IPSEC_APPLY"; do
	if [ ! -x "$b" ]; then t_skip apply_random "not built: $b"; exit 0; fi
done

W=$(mktemp -d "${TMPDIR:-/tmp}/apply-random.XXXXXX")
A=arA$$
B=arB$$
T_CLEANUP="ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -rf '$W';"
trap 'eval "$T_CLEANUP"' EXIT

AA=10.196.0.1
BB="10.196.0.2 10.196.0.3 10.196.0.5 10.196.0.9"
ip netns add "$A" && ip netns add "$B" &&
	ip link add va$$ netns "$A" type veth peer name vb$$ netns "$B" &&
	ip -n "$A" addr add $AA/24 dev va$$ &&
	ip -n "$A" link set va$$ up && ip -n "$B" link set vb$$ up &&
	ip -n "$A" link set lo up && ip -n "$B" link set lo up ||
	{ t_fail apply_random "cannot build the namespace pair"; exit 0; }
for b in $BB; do ip -n "$B" addr add "$b/24" dev vb$$; done
: >"$W/resolv.conf"
mkdir -p "$W/leases" "$W/state"
PORTS="7001 7002"
LPIDS=
for b in $BB; do
	for p in $PORTS; do
		ip netns exec "$B" nc -lk "$b" "$p" >/dev/null 2>&1 &
		LPIDS="$LPIDS $!"
	done
done
T_CLEANUP="kill $LPIDS 2>/dev/null; $T_CLEANUP"
sleep 0.5

ia() {
	ip netns exec "$A" "$IPSEC_APPLY" --no-vici --store-dir "$NETSH_IPSEC_DIR" --run-dir "$W/run" \
		--state-dir "$W/state" --resolv-conf "$W/resolv.conf" --leases-dir "$W/leases" "$@"
}
# pick WORD...: one at random, in $PICK.  Not $(pick): bash reseeds
# RANDOM in subshells, and the seed must give the same policy every time.
pick() {
	local a=("$@")
	PICK=${a[RANDOM % ${#a[@]}]}
}

# One random policy as a netsh script.
gen_policy() {
	local r f nf side_a side_b proto port mir dir
	echo "ipsec static add filteraction name=Pass action=permit"
	echo "ipsec static add filteraction name=Stop action=block"
	echo "ipsec static add filteraction name=Secure action=negotiate"
	echo "ipsec static add policy name=Random assign=yes activatedefaultrule=no"
	for r in 1 2 3 4; do
		echo "ipsec static add filterlist name=L$r"
		nf=$((1 + RANDOM % 3))
		for f in $(seq $nf); do
			pick "me" "me" "any" "$AA" "10.196.0.0 mask=24"
			side_a=$PICK
			pick "any" "10.196.0.2" "10.196.0.3" "10.196.0.5" "10.196.0.9" \
				"10.196.0.0 mask=30" "10.196.0.0 mask=29" "10.196.0.0 mask=24"
			side_b=$PICK
			pick any tcp tcp udp icmp
			proto=$PICK
			port=0
			case $proto in tcp | udp) pick 0 7001 7002; port=$PICK ;; esac
			pick yes yes no
			mir=$PICK
			pick out out in
			dir=$PICK
			# Ports only ever on B's side: A's port is ephemeral.
			if [ "$dir" = out ]; then
				printf 'ipsec static add filter filterlist=L%s srcaddr=%s dstaddr=%s protocol=%s dstport=%s mirrored=%s\n' \
					$r "${side_a%% *}" "${side_b%% *}" $proto $port $mir
			else
				printf 'ipsec static add filter filterlist=L%s srcaddr=%s dstaddr=%s protocol=%s srcport=%s mirrored=%s\n' \
					$r "${side_b%% *}" "${side_a%% *}" $proto $port $mir
			fi | masks "$side_a" "$side_b" "$dir"
		done
		pick Pass Stop Secure Pass Stop
		echo "ipsec static add rule name=R$r policy=Random filterlist=L$r filteraction=$PICK"
	done
}
# Append srcmask/dstmask for the "addr mask=N" picks.
masks() {
	local line a_mask b_mask
	read -r line
	a_mask=$(printf '%s' "$1" | sed -n 's/.* mask=//p')
	b_mask=$(printf '%s' "$2" | sed -n 's/.* mask=//p')
	if [ "$3" = out ]; then
		[ -n "$a_mask" ] && line="$line srcmask=$a_mask"
		[ -n "$b_mask" ] && line="$line dstmask=$b_mask"
	else
		[ -n "$b_mask" ] && line="$line srcmask=$b_mask"
		[ -n "$a_mask" ] && line="$line dstmask=$a_mask"
	fi
	printf '%s\n' "$line"
}

passes() { # explain output line -> 0 when the packet passes
	case $1 in
	*", pass" | *"permit (rule"*) return 0 ;;
	*) return 1 ;;
	esac
}

# The probes: TCP and ICMP need both directions, UDP only the first.
probe_list() {
	local b p
	for b in $BB; do
		for p in $PORTS; do echo "tcp $b $p"; echo "udp $b $p"; done
		echo "icmp $b 0"
	done
}

expected() { # proto addr port -> pass|drop
	local out back
	case $1 in
	tcp) out=$(ia --explain "$AA,$2,tcp,40000,$3" --explain "$2,$AA,tcp,$3,40000") ;;
	udp) out=$(ia --explain "$AA,$2,udp,40000,$3") ;;
	icmp) out=$(ia --explain "$AA,$2,icmp" --explain "$2,$AA,icmp") ;;
	esac
	while IFS= read -r back; do
		passes "$back" || { echo drop; return; }
	done <<<"$out"
	echo pass
}

actual() { # proto addr port -> pass|drop
	case $1 in
	tcp) ip netns exec "$A" nc -z -w 1 "$2" "$3" >/dev/null 2>&1 ;;
	# -I: without a source address ping first connects a UDP socket to
	# learn one, and a UDP block filter would fail that probe, not ICMP.
	icmp) ip netns exec "$A" ping -I "$AA" -c 1 -W 1 "$2" >/dev/null 2>&1 ;;
	udp)
		local f=$W/udp.out
		: >"$f"
		ip netns exec "$B" timeout 2 nc -u -l "$2" "$3" >"$f" 2>/dev/null &
		local l=$!
		sleep 0.2
		echo probe | ip netns exec "$A" nc -u -w 1 "$2" "$3" >/dev/null 2>&1
		sleep 0.2
		kill "$l" 2>/dev/null; wait "$l" 2>/dev/null
		grep -q probe "$f"
		;;
	esac && echo pass || echo drop
}

for seed in ${APPLY_RANDOM_SEEDS:-1 2}; do
	for bk in ${APPLY_RANDOM_BACKENDS:-xfrm bpf}; do
		NETSH_IPSEC_DIR=$(mktemp -d "$W/store.XXXXXX")
		export NETSH_IPSEC_DIR
		RANDOM=$seed
		gen_policy >"$W/policy.$seed"
		if ! out=$("$NETSH" -f "$W/policy.$seed" 2>&1); then
			t_fail "apply_random seed $seed netsh" "$(printf '%s' "$out" | tail -n 1)"
			continue
		fi
		if ! out=$(ia --backend="$bk" 2>&1); then
			case $out in
			*"not available"* | *"not supported"*)
				t_skip "apply_random seed $seed $bk" "$(printf '%s' "$out" | tail -n 1)" ;;
			*) t_fail "apply_random seed $seed $bk apply" "$(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')" ;;
			esac
			ia --flush >/dev/null 2>&1
			continue
		fi
		bad=0 n=0 drops=0 msg=
		# Probes read fd 3: nc and ping must not eat the list from stdin.
		while read -r proto addr port <&3; do
			want=$(expected "$proto" "$addr" "$port")
			got=$(actual "$proto" "$addr" "$port")
			n=$((n + 1))
			[ "$want" = drop ] && drops=$((drops + 1))
			if [ "$want" != "$got" ]; then
				bad=$((bad + 1))
				msg="$msg $proto:$addr:$port want $want got $got;"
			fi
		done 3< <(probe_list) </dev/null
		if [ "$bad" = 0 ]; then
			t_pass "apply_random seed $seed $bk ($n probes, $drops of them dropped, as the matcher says)"
		else
			cp "$W/policy.$seed" "${TMPDIR:-/tmp}/apply_random.policy.$seed" 2>/dev/null
			t_fail "apply_random seed $seed $bk" "$bad of $n probes differ:$msg (policy kept in ${TMPDIR:-/tmp}/apply_random.policy.$seed)"
		fi
		ia --flush >/dev/null 2>&1
	done
done
exit 0
