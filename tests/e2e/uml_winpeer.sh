#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario 5: the product against a plain strongSwan peer configured by
# hand the way Windows Server 2003 negotiates (IKEv1 main mode, proposals
# 3DES-SHA1-MODP1024 first, ESP 3DES/SHA1, pre-shared key).  Negotiation
# must succeed initiated from either side.
#
# Host A is the product (scripts/winpeer.netsh + ipsec-apply).  While the
# product cannot run yet, host A gets the equivalent hand-written config so
# the peer and the harness stay tested ("-reference" checks), and the
# product checks say SKIP with the reason.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck disable=SC1091
. "$TOP/scripts/uml/lib.sh"
uml_main "$0" "$@"

t=winpeer
S=$TOP/tests/e2e/scripts
WIN_IKE=3des-sha1-modp1024,3des-md5-modp1024,des-sha1-modp768,des-md5-modp768
WIN_ESP=3des-sha1,3des-md5,des-sha1,des-md5

topo_hosts || { t_fail "$t-topology" "could not build the two hosts"; exit 1; }
charon_start hosta && charon_start hostb || { t_fail "$t-charon" "charon did not start"; exit 1; }
# The "Windows" peer, host B.  start=trap so that B can initiate too.
swconf "$SCRATCH/b.conf" $HOSTB $HOSTA proposals=$WIN_IKE esp=$WIN_ESP
sw_load hostb "$SCRATCH/b.conf" || { t_fail "$t-peer-load" "swanctl could not load the Windows-like peer"; exit 1; }

if why=$(product_why_not); then
	mode=product
	product_step "$t-netsh" hosta product_netsh hosta "$S/winpeer.netsh" || exit 1
	product_step "$t-apply" hosta product_apply hosta || exit 1
else
	mode=reference
	t_skip "$t-product" "$why"
	swconf "$SCRATCH/a.conf" $HOSTA $HOSTB proposals=$WIN_IKE esp=3des-sha1,3des-md5
	sw_load hosta "$SCRATCH/a.conf" || { t_fail "$t-reference-load" "swanctl load failed"; exit 1; }
fi
sfx=; [ $mode = reference ] && sfx=-reference

# A (the product) initiates.
if ping_until hosta $HOSTB 10 && wait_sa hosta 5; then
	t_pass "$t-a-initiates$sfx"
else
	t_fail "$t-a-initiates$sfx" "no SA with A initiating (logs in $SCRATCH/host[ab]/charon.log)"
fi
ike=$(sw hostb --list-sas 2>/dev/null | sed -n 's/^ *\(3DES_CBC[^ ]*\|DES_CBC[^ ]*\)$/\1/p' | head -1)
log "IKE SA as seen by the peer: $ike"
case $ike in
3DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024) t_pass "$t-mm-3des-sha1-2$sfx" ;;
*) t_fail "$t-mm-3des-sha1-2$sfx" "main mode chose '$ike', Windows' first choice is 3DES/SHA1/group 2" ;;
esac
check_protected "$t-a$sfx" hosta hostb $HOSTB

# B (the Windows-like peer) initiates.
sw_terminate_all hosta
sw_terminate_all hostb
if ping_until hostb $HOSTA 10 && wait_sa hostb 5; then
	t_pass "$t-b-initiates$sfx"
else
	t_fail "$t-b-initiates$sfx" "no SA with B initiating"
fi
check_protected "$t-b$sfx" hostb hosta $HOSTA
exit 0
