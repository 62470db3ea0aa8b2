#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario 4: certificates issued by a root CA instead of a pre-shared
# key.  A CA and one certificate per host (subjectAltName = the host's
# address, which is its IKE identity) are made with strongSwan's pki in the
# scratch directory.  The product finds the CA certificate named by
# rootca="DN" in NETSH_IPSEC_CA_DIR; each host's own certificate and key
# are loaded into its charon by the administrator (swanctl --load-creds),
# as Documentation/vici.md describes.  Until the product runs, both hosts
# get hand-written pubkey config (checks suffixed -reference).
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck disable=SC1091
. "$TOP/scripts/uml/lib.sh"
uml_main "$0" "$@"

t=certs
S=$TOP/tests/e2e/scripts
P=$SCRATCH/pki
CA_DN="C=XX, O=netsh-ipsec e2e, CN=E2E Root CA"
mkdir -p "$P/ca"
if pki --gen --type rsa --size 2048 --outform pem >"$P/ca.key" &&
	pki --self --ca --lifetime 30 --in "$P/ca.key" --type rsa --dn "$CA_DN" --outform pem >"$P/ca/ca.pem"; then
	ok=1
	for h in hosta:$HOSTA hostb:$HOSTB; do
		n=${h%%:*} ip=${h#*:}
		d=$SCRATCH/$n/swanctl
		mkdir -p "$d/x509" "$d/private" "$d/x509ca"
		pki --gen --type rsa --size 2048 --outform pem >"$d/private/$n.key" || ok=0
		pki --pub --in "$d/private/$n.key" --type rsa |
			pki --issue --lifetime 30 --cacert "$P/ca/ca.pem" --cakey "$P/ca.key" \
				--dn "C=XX, O=netsh-ipsec e2e, CN=$ip" --san "$ip" --outform pem >"$d/x509/$n.pem" || ok=0
		cp "$P/ca/ca.pem" "$d/x509ca/ca.pem"
	done
	[ $ok = 1 ] && t_pass "$t-pki" || { t_fail "$t-pki" "pki --issue failed"; exit 1; }
else
	t_fail "$t-pki" "pki could not make the CA"; exit 1
fi

topo_hosts || { t_fail "$t-topology" "could not build the two hosts"; exit 1; }
charon_start hosta && charon_start hostb || { t_fail "$t-charon" "charon did not start"; exit 1; }

if why=$(product_why_not); then
	sfx=
	for n in hosta hostb; do
		# The machine's own certificate and key, the administrator's part.
		printf 'connections {\n}\n' >"$SCRATCH/$n/swanctl/swanctl.conf"
		sw "$n" --load-creds --noprompt --file "$SCRATCH/$n/swanctl/swanctl.conf" >&2 ||
			{ t_fail "$t-load-creds-$n" "swanctl --load-creds failed"; exit 1; }
	done
	export NETSH_IPSEC_CA_DIR=$P/ca
	product_step "$t-netsh-hostA" hosta product_netsh hosta "$S/certA.netsh" || exit 1
	product_step "$t-netsh-hostB" hostb product_netsh hostb "$S/certB.netsh" || exit 1
	product_step "$t-apply-hostA" hosta product_apply hosta || exit 1
	product_step "$t-apply-hostB" hostb product_apply hostb || exit 1
else
	sfx=-reference
	t_skip "$t-product" "$why"
	for n in hosta hostb; do
		if [ $n = hosta ]; then l=$HOSTA r=$HOSTB; else l=$HOSTB r=$HOSTA; fi
		d=$SCRATCH/$n/swanctl
		swconf "$d/swanctl.conf" $l $r auth=pubkey cert="$d/x509/$n.pem" key="$d/private/$n.key" cacert="$d/x509ca/ca.pem"
		sw_load $n "$d/swanctl.conf" || { t_fail "$t-reference-load" "swanctl load failed on $n"; exit 1; }
	done
fi

if ping_until hosta $HOSTB 15 && wait_sa hosta 5; then
	t_pass "$t-ike-rsa-signatures$sfx"
else
	t_fail "$t-ike-rsa-signatures$sfx" "no SA (logs $SCRATCH/host[ab]/charon.log)"; exit 1
fi
# B must have checked A's certificate against the e2e root CA.
if grep -q "using certificate \"C=XX, O=netsh-ipsec e2e, CN=$HOSTA\"" "$SCRATCH/hostb/charon.log" &&
	grep -q "using trusted ca certificate \"$CA_DN\"" "$SCRATCH/hostb/charon.log"; then
	t_pass "$t-peer-cert-chains-to-rootca$sfx"
else
	t_fail "$t-peer-cert-chains-to-rootca$sfx" "B's charon log does not show A's certificate verified by the e2e root CA"
fi
sw hostb --list-sas >&2
grep -i 'authentication of' "$SCRATCH/hostb/charon.log" | head -3 >&2
if grep -q "authentication of .* with RSA.*successful" "$SCRATCH/hostb/charon.log"; then
	t_pass "$t-authenticated-by-signature$sfx"
else
	t_fail "$t-authenticated-by-signature$sfx" "charon log of B does not show a successful RSA signature authentication"
fi
check_protected "$t$sfx" hosta hostb $HOSTB
exit 0
