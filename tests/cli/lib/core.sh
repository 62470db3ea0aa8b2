# Helpers for the core netsh CLI tests (sourced after tests/lib.sh).

# The store as SQL text: equal dumps = unchanged store.
c_snap() {
	if [ -e "$NETSH_IPSEC_DIR/${1:-local}.db" ]; then
		sqlite3 "$NETSH_IPSEC_DIR/${1:-local}.db" .dump
	fi
}

# c_ok NAME ARGS...: netsh ARGS succeeds, prints nothing on stdout.
c_ok() {
	name=$1; shift
	if out=$("$NETSH" "$@" 2>&1 >/dev/null); then
		t_pass "$name"
	else
		t_fail "$name" "exit $?: $(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')"
	fi
}

# c_rej NAME PATTERN ARGS...: netsh ARGS fails with one stderr line that
# matches PATTERN (grep -E) and the store stays byte-for-byte the same.
c_rej() {
	name=$1; pat=$2; shift 2
	before=$(c_snap)
	if out=$("$NETSH" "$@" 2>&1 >/dev/null); then
		t_fail "$name" "succeeded but should fail"
		return
	fi
	after=$(c_snap)
	lines=$(printf '%s\n' "$out" | grep -v '^netsh: warning:' | grep -c .)
	if [ "$before" != "$after" ]; then
		t_fail "$name" "store changed by a rejected command"
	elif [ "$lines" != 1 ]; then
		t_fail "$name" "expected one error line, got: $out"
	elif ! printf '%s' "$out" | grep -qE -- "$pat"; then
		t_fail "$name" "message '$out' does not match '$pat'"
	else
		t_pass "$name"
	fi
}

# c_sql NAME EXPECTED SQL: a query on the local store returns EXPECTED.
c_sql() {
	got=$(sqlite3 "$NETSH_IPSEC_DIR/${DB:-local}.db" "$3" 2>&1 | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$2" ]; then t_pass "$1"; else t_fail "$1" "got '$got', want '$2'"; fi
}

S="ipsec static"
