#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario 6: every Windows main-mode method (DES/3DES x MD5/SHA1 x DH
# groups 1/2/3) negotiates, and so does every quick-mode method strongSwan
# can negotiate (ESP DES/3DES x MD5/SHA1, AH MD5/SHA1).  One UML boot, one loop: for each combination
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

# Quick mode: every Windows security method that strongSwan can negotiate
# (ESP DES/3DES x MD5/SHA1, AH MD5/SHA1), main mode fixed at 3DES-SHA1-2.
# The kernel's SA must use exactly the method's algorithms.
for m in "ESP[DES,MD5]:des-md5:esp:cbc(des):hmac(md5)" "ESP[DES,SHA1]:des-sha1:esp:cbc(des):hmac(sha1)" \
	"ESP[3DES,MD5]:3des-md5:esp:cbc(des3_ede):hmac(md5)" "ESP[3DES,SHA1]:3des-sha1:esp:cbc(des3_ede):hmac(sha1)" \
	"AH[MD5]:md5:ah:-:hmac(md5)" "AH[SHA1]:sha1:ah:-:hmac(sha1)"; do
	IFS=: read -r win sw proto enc auth <<<"$m"
	name="qm-$(echo "$win" | tr '[,' '--' | tr -d ']')$sfx"
	sw hostb --terminate --ike win --timeout 2 >/dev/null 2>&1
	wait_no_sa hosta 3
	nsx hosta ip xfrm state flush
	if [ "$proto" = ah ]; then peer="ah=$sw"; else peer="esp=$sw"; fi
	swconf "$SCRATCH/b.conf" $HOSTB $HOSTA proposals=3des-sha1-modp1024 "$peer" start=none
	sw_load hostb "$SCRATCH/b.conf" || { t_fail "$name" "peer config did not load"; continue; }
	if [ $mode = product ]; then
		f=$SCRATCH/$name.netsh
		{
			echo 'ipsec static set policy name="E2E Windows peer" mmsecmethods="3DES-SHA1-2"'
			echo "ipsec static set filteraction name=\"Require ESP\" qmsecmethods=\"$win\""
		} >"$f"
		product_netsh hosta "$f" || { t_fail "$name" "netsh: $(tail -n 2 "$SCRATCH/hosta/netsh.out" | tr '\n' ' ')"; continue; }
		product_apply hosta || { t_fail "$name" "ipsec-apply: $(tail -n 2 "$SCRATCH/hosta/apply.out" | tr '\n' ' ')"; continue; }
	else
		swconf "$SCRATCH/a.conf" $HOSTA $HOSTB proposals=3des-sha1-modp1024 "$peer"
		sw_load hosta "$SCRATCH/a.conf" || { t_fail "$name" "reference config did not load"; continue; }
	fi
	nsx hosta ping -c 1 -W 0.2 $HOSTB >/dev/null 2>&1
	end=$(($(now_ms) + 8000))
	while [ "$(nsx hosta ip xfrm state list proto "$proto" | grep -c '^src ')" -lt 2 ] && [ "$(now_ms)" -lt $end ]; do
		sleep 0.1
	done
	st=$(nsx hosta ip xfrm state list proto "$proto")
	got_enc=$(echo "$st" | awk '/^[ \t]+enc/ {print $2; exit}')
	got_auth=$(echo "$st" | awk '/^[ \t]+auth/ {print $2; exit}')
	[ -z "$got_enc" ] && got_enc=-
	if [ "$(echo "$st" | grep -c '^src ')" -lt 2 ]; then
		t_fail "$name" "no $proto SA pair (peer log $SCRATCH/hostb/charon.log)"
	elif [ "$got_enc" = "$enc" ] && [ "$got_auth" = "$auth" ] && nsx hosta ping -c 1 -W 1 $HOSTB >/dev/null 2>&1; then
		t_pass "$name"
	else
		t_fail "$name" "kernel SA $proto enc=$got_enc auth=$got_auth, want enc=$enc auth=$auth (or ping failed)"
	fi
done
exit 0
