#!/bin/sh
# Install (--install) or check for (--check) the Debian packages that the
# build, the tests and the demo need.  --check exits 1 and names what is
# missing; --install runs apt-get only when something is missing.
set -eu

PKGS="gcc make pkg-config clang llvm libclang-rt-14-dev
libsqlite3-dev libmnl-dev libnftnl-dev libbpf-dev bpftool libelf-dev zlib1g-dev
libcmocka-dev libedit-dev
iproute2 nftables iptables kmod procps iputils-ping netcat-openbsd tcpdump
strongswan-charon strongswan-swanctl strongswan-pki user-mode-linux
valgrind sqlite3 openssl tmux"

missing() {
	for p in $PKGS; do
		s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		case "$s" in *" installed") ;; *) printf '%s ' "$p" ;; esac
	done
}

mode=${1:---check}
m=$(missing)
case "$mode" in
--check)
	if [ -n "$m" ]; then
		echo "deps: missing packages: $m" >&2
		exit 1
	fi
	;;
--install)
	if [ -n "$m" ]; then
		if [ "$(id -u)" != 0 ]; then
			echo "deps: missing packages: $m(run 'make deps' as root)" >&2
			exit 1
		fi
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# Stop package scripts from starting services (charon) on the host.
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.netsh-ipsec
		chmod 755 /usr/sbin/policy-rc.d.netsh-ipsec
		had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
		[ $had_policy = 1 ] || cp /usr/sbin/policy-rc.d.netsh-ipsec /usr/sbin/policy-rc.d
		rc=0
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $m || rc=$?
		[ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d
		rm -f /usr/sbin/policy-rc.d.netsh-ipsec
		exit $rc
	fi
	;;
*)
	echo "usage: $0 --check|--install" >&2
	exit 2
	;;
esac
