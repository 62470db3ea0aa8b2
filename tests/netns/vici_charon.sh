#!/bin/bash
# Start and stop a private charon for the VICI tests and benchmarks.
# Source it; it is not a test by itself (run alone it only checks that
# charon starts and answers).
#
#   vc_start [DIR]   charon in its own network namespace with its own /run
#                    (a bind mount of DIR/run), config DIR/strongswan.conf,
#                    log DIR/charon.log.  Sets VC_DIR, VC_SOCK, VC_NS, VC_PID
#                    and STRONGSWAN_CONF (for swanctl).
#   vc_stop          kill that charon, remove the namespace (and DIR if
#                    vc_start created it).
#
# Why a network namespace: charon binds UDP 500/4500 and other helpers may
# run charons too; `ip netns exec` also gives a private mount namespace, so
# the bind mount on /run hides the host's charon.pid (charon refuses to
# start when the compiled-in /var/run/charon.pid is taken).

VC_CHARON=${VC_CHARON:-/usr/lib/ipsec/charon}

vc_start() {
	VC_OWN_DIR=
	if [ -n "${1:-}" ]; then VC_DIR=$1; else VC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vici-charon.XXXXXX"); VC_OWN_DIR=1; fi
	mkdir -p "$VC_DIR/run"
	VC_NS=vici$$_$RANDOM
	VC_SOCK=$VC_DIR/run/charon.vici
	cat > "$VC_DIR/strongswan.conf" <<CONF
charon {
	load_modular = no
	load = random nonce openssl gmp pem pkcs1 x509 pubkey revocation hmac kdf kernel-netlink socket-default vici updown
	install_routes = no
	install_virtual_ip = no
	filelog {
		vc {
			path = $VC_DIR/charon.log
			default = 1
			cfg = 2
			time_format = %T
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
}
swanctl {
	socket = unix://$VC_SOCK
	load = pem pkcs1 pkcs8 x509 revocation constraints pubkey openssl random
}
CONF
	STRONGSWAN_CONF=$VC_DIR/strongswan.conf
	export STRONGSWAN_CONF
	ip netns add "$VC_NS" || return 1
	ip -n "$VC_NS" link set lo up
	ip netns exec "$VC_NS" sh -c 'mount --bind "$1/run" /run && exec "$2" >/dev/null 2>&1' \
		sh "$VC_DIR" "$VC_CHARON" &
	VC_PID=$!
	# The pid file names the new charon; the socket may be stale until then.
	for _ in $(seq 1 100); do
		if [ -S "$VC_SOCK" ] && [ "$(cat "$VC_DIR/run/charon.pid" 2>/dev/null)" = "$VC_PID" ]; then
			return 0
		fi
		if ! kill -0 "$VC_PID" 2>/dev/null; then
			echo "charon exited during start-up; log:" >&2
			tail -n 5 "$VC_DIR/charon.log" >&2 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
	echo "charon did not come up within 10 s" >&2
	return 1
}

vc_stop() {
	if [ -n "${VC_PID:-}" ]; then
		kill "$VC_PID" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$VC_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$VC_PID" 2>/dev/null
		wait "$VC_PID" 2>/dev/null
		VC_PID=
	fi
	[ -n "${VC_NS:-}" ] && ip netns del "$VC_NS" 2>/dev/null
	VC_NS=
	[ -n "${VC_OWN_DIR:-}" ] && rm -rf "$VC_DIR"
	VC_OWN_DIR=
}

# Run alone (the netns tier does that too): start, ask for the version, stop.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
	. "$TOP/tests/lib.sh"
	t_need_root vici_charon
	trap vc_stop EXIT
	if vc_start; then
		t_check vici_charon_start swanctl --stats --uri "unix://$VC_SOCK"
	else
		t_fail vici_charon_start "charon did not start"
	fi
fi
