# Shared helpers for the shell test tiers (cli, netns, e2e).  Source it.
#
# Every check prints exactly one line that the tier runner counts:
#   PASS <name>
#   FAIL <name>: <why>
#   SKIP <name>: <why>
# A script may exit early; whatever it printed is counted, and a script
# that exits non-zero without printing any FAIL is itself counted as FAIL.

: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${VARIANT:=san}"
NETSH=${NETSH:-$TOP/build/$VARIANT/bin/netsh}
IPSEC_APPLY=${IPSEC_APPLY:-$TOP/build/$VARIANT/bin/ipsec-apply}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

t_pass() { printf 'PASS %s\n' "$1"; }
t_fail() { printf 'FAIL %s: %s\n' "$1" "$2"; T_FAILED=1; }
t_skip() { printf 'SKIP %s: %s\n' "$1" "$2"; }

# t_check NAME CMD...: passes when CMD exits 0.
t_check() {
	name=$1; shift
	if out=$("$@" 2>&1); then t_pass "$name"; else t_fail "$name" "$(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"; fi
}

# t_fails NAME CMD...: passes when CMD exits non-zero.
t_fails() {
	name=$1; shift
	if out=$("$@" 2>&1); then t_fail "$name" "succeeded but should fail: $(printf '%s' "$out" | tail -n 1)"; else t_pass "$name"; fi
}

# A fresh store directory, removed at exit.
t_store() {
	NETSH_IPSEC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/netsh-ipsec-test.XXXXXX")
	export NETSH_IPSEC_DIR
	T_CLEANUP="${T_CLEANUP:-} rm -rf '$NETSH_IPSEC_DIR';"
	trap 'eval "$T_CLEANUP"' EXIT
}

t_need_root() {
	if [ "$(id -u)" != 0 ]; then t_skip "$1" "needs root"; exit 0; fi
}

# t_netns_pair A B NET: namespaces A and B joined by the veth pair va$$ (in A,
# NET.1/24) and vb$$ (in B, NET.2/24), both ends and lo up.  Fails at the
# first step that fails; the caller removes the namespaces.
t_netns_pair() {
	ip netns add "$1" && ip netns add "$2" &&
		ip link add va$$ netns "$1" type veth peer name vb$$ netns "$2" &&
		ip -n "$1" addr add "$3.1/24" dev va$$ && ip -n "$2" addr add "$3.2/24" dev vb$$ &&
		ip -n "$1" link set va$$ up && ip -n "$2" link set vb$$ up &&
		ip -n "$1" link set lo up && ip -n "$2" link set lo up
}

# t_netns_chain A G B NET1 NET2: namespaces A - G - B, lo up in each; A's
# va$$ (NET1.1/24) to G's ga$$ (NET1.254/24), G's gb$$ (NET2.254/24) to B's
# vb$$ (NET2.1/24), all up; A's default route via G.  The caller sets the
# rest of the routing and removes the namespaces.
t_netns_chain() {
	for n in "$1" "$2" "$3"; do ip netns add "$n"; ip -n "$n" link set lo up; done
	ip link add va$$ netns "$1" type veth peer name ga$$ netns "$2"
	ip link add vb$$ netns "$3" type veth peer name gb$$ netns "$2"
	ip -n "$1" addr add "$4.1/24" dev va$$; ip -n "$1" link set va$$ up
	ip -n "$2" addr add "$4.254/24" dev ga$$; ip -n "$2" link set ga$$ up
	ip -n "$2" addr add "$5.254/24" dev gb$$; ip -n "$2" link set gb$$ up
	ip -n "$3" addr add "$5.1/24" dev vb$$; ip -n "$3" link set vb$$ up
	ip -n "$1" route add default via "$4.254"
}
