#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario 6: every Windows main-mode method (DES/3DES x MD5/SHA1 x DH
# groups 1/2/3) negotiates.  One UML boot, one loop: for each combination
# the product host A gets a policy with only that method, the peer B only
# the matching strongSwan proposal, and the IKE SA must come up with
# exactly those algorithms.  Group 3 is the 2048-bit group (IKE group 14).
#
# Until the product runs, host A uses hand-written config with the same
# proposal (checks suffixed -reference) and the product part SKIPs.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck disable=SC1091
. "$TOP/scripts/uml/lib.sh"
uml_main "$0" "$@"

t=mm
topo_hosts || { t_fail "$t-topology" "could not build the two hosts"; exit 1; }
charon_start hosta && charon_start hostb || { t_fail "$t-charon" "charon did not start"; exit 1; }

if why=$(product_why_not); then
	mode=product sfx=
else
	mode=reference sfx=-reference
	t_skip "$t-product" "$why"
fi

for enc in DES 3DES; do
	for hash in MD5 SHA1; do
		for grp in 1 2 3; do
			case $grp in 1) modp=modp768 m=MODP_768 ;; 2) modp=modp1024 m=MODP_1024 ;; 3) modp=modp2048 m=MODP_2048 ;; esac
			se=$(echo $enc | tr 'A-Z' 'a-z') sh=$(echo $hash | tr 'A-Z' 'a-z')
			want="${enc/DES/DES_CBC}/HMAC_${hash}_96/PRF_HMAC_${hash}/$m"
			want=${want/3DES_CBC/3DES_CBC}
			name="$t-$enc-$hash-$grp$sfx"
			# The peer's delete notification takes the product side's
			# SAs down too; the next ping then needs a fresh main mode.
			sw hostb --terminate --ike win --timeout 2 >/dev/null 2>&1
			wait_no_sa hosta 3
			swconf "$SCRATCH/b.conf" $HOSTB $HOSTA proposals=$se-$sh-$modp start=none
			sw_load hostb "$SCRATCH/b.conf" || { t_fail "$name" "peer config did not load"; continue; }
			if [ $mode = product ]; then
				f=$SCRATCH/mm-$enc-$hash-$grp.netsh
				if [ ! -d "$SCRATCH/hosta/store" ]; then
					cat "$TOP/tests/e2e/scripts/winpeer.netsh" >"$f"
				else
					: >"$f"
				fi
				echo "ipsec static set policy name=\"E2E Windows peer\" mmsecmethods=\"$enc-$hash-$grp\"" >>"$f"
				if ! product_netsh hosta "$f"; then
					t_fail "$name" "netsh: $(tail -n 2 "$SCRATCH/hosta/netsh.out" | tr '\n' ' ')"; continue
				fi
				if ! product_apply hosta; then
					t_fail "$name" "ipsec-apply: $(tail -n 2 "$SCRATCH/hosta/apply.out" | tr '\n' ' ')"; continue
				fi
			else
				swconf "$SCRATCH/a.conf" $HOSTA $HOSTB proposals=$se-$sh-$modp
				sw_load hosta "$SCRATCH/a.conf" || { t_fail "$name" "reference config did not load"; continue; }
			fi
			t0=$(now_ms)
			if ! { ping_until hosta $HOSTB 8 && wait_sa hosta 3; }; then
				t_fail "$name" "no SA (peer log $SCRATCH/hostb/charon.log)"
				continue
			fi
			got=$(sw hostb --list-sas 2>/dev/null | grep -o '[0-9A-Z_]*DES_CBC/[^ ]*' | head -1)
			if [ "$got" = "$want" ]; then
				t_pass "$name"
				log "$name: $got in $(($(now_ms) - t0)) ms"
			else
				t_fail "$name" "IKE SA uses '$got', want '$want'"
			fi
		done
	done
done
exit 0
