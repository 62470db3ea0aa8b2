# Checks shared by the conformance suites.  Source after tests/lib.sh with
# W (a scratch directory) and RUN (the function that runs one netsh command
# in the suite's context, e.g. S or D) set.

# Every store file the program may write, as one checksum.
snap() {
	for f in local persistent; do
		[ -e "$NETSH_IPSEC_DIR/$f.db" ] && sqlite3 "$NETSH_IPSEC_DIR/$f.db" .dump
	done | md5sum
	[ -e "$NETSH_IPSEC_DIR/config" ] && md5sum < "$NETSH_IPSEC_DIR/config"
	[ -e "$NETSH_IPSEC_RUNDIR/dynamic.db" ] && sqlite3 "$NETSH_IPSEC_RUNDIR/dynamic.db" .dump | md5sum
	# and the raw bytes of every file the store is made of (WAL and journal included)
	for f in "$NETSH_IPSEC_DIR"/local.db* "$NETSH_IPSEC_DIR"/persistent.db* "$NETSH_IPSEC_RUNDIR"/dynamic.db*; do
		[ -e "$f" ] && md5sum "$f"
	done
}

# ok NAME ARGS: `$RUN ARGS` succeeds, prints nothing on stdout and nothing
# but warnings on stderr.
ok() {
	n=$1; shift
	if ! err=$("$RUN" "$@" 2>&1 >"$W/out"); then
		t_fail "$n" "exit $?: $(printf '%s' "$err" | head -n 2 | tr '\n' ' ')"
	elif [ -s "$W/out" ]; then
		t_fail "$n" "stdout not empty: $(head -n 1 "$W/out")"
	elif printf '%s\n' "$err" | grep -v '^netsh: warning:' | grep -q .; then
		t_fail "$n" "stderr: $err"
	else
		t_pass "$n"
	fi
}

# rej NAME ERE ARGS: fails with exactly one non-warning stderr line matching
# ERE (case-insensitive) and leaves every store file as it was.
rej() {
	n=$1; pat=$2; shift 2
	before=$(snap)
	if "$RUN" "$@" >"$W/out" 2>"$W/err"; then
		t_fail "$n" "succeeded but should fail"
		return
	fi
	after=$(snap)
	lines=$(grep -v '^netsh: warning:' "$W/err" | grep -c .)
	if [ "$before" != "$after" ]; then
		t_fail "$n" "store changed by a rejected command"
	elif [ "$lines" != 1 ]; then
		t_fail "$n" "expected one error line, got $lines: $(tr '\n' '|' < "$W/err")"
	elif ! grep -v '^netsh: warning:' "$W/err" | grep -qiE -- "$pat"; then
		t_fail "$n" "message '$(grep -v '^netsh: warning:' "$W/err")' does not match /$pat/"
	else
		t_pass "$n"
	fi
}

# warns NAME ERE ARGS: succeeds and prints a warning matching ERE.
warns() {
	n=$1; pat=$2; shift 2
	if ! "$RUN" "$@" >/dev/null 2>"$W/err"; then
		t_fail "$n" "exit $?: $(head -n 1 "$W/err")"
	elif grep '^netsh: warning:' "$W/err" | grep -qiE -- "$pat"; then
		t_pass "$n"
	else
		t_fail "$n" "no warning /$pat/: $(tr '\n' '|' < "$W/err")"
	fi
}

# has NAME ERE CMD...: CMD succeeds and its stdout has a line matching ERE.
has() {
	n=$1; pat=$2; shift 2
	if ! "$@" >"$W/out" 2>"$W/err"; then
		t_fail "$n" "exit $?: $(head -n 1 "$W/err")"
	elif grep -qE -- "$pat" "$W/out"; then
		t_pass "$n"
	else
		t_fail "$n" "no line /$pat/ in: $(head -c 600 "$W/out" | tr '\n' '|')"
	fi
}

# lacks NAME ERE CMD...: CMD succeeds and no stdout line matches ERE.
lacks() {
	n=$1; pat=$2; shift 2
	if ! "$@" >"$W/out" 2>"$W/err"; then
		t_fail "$n" "exit $?: $(head -n 1 "$W/err")"
	elif grep -qE -- "$pat" "$W/out"; then
		t_fail "$n" "unexpected line: $(grep -E -- "$pat" "$W/out" | head -n 1)"
	else
		t_pass "$n"
	fi
}
