#!/bin/bash
# The classifier passes the verifier of the 6.1 kernel too (User-Mode Linux,
# no JIT, no tcx): inside UML, the differential test runs 20,000 random
# packets through both programs, and the backend attaches to a veth pair
# (clsact fallback) in a network namespace and drops what it should.
# Minimal on purpose: the full UML harness lives in scripts/uml/.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_need_root bpf_verifier_uml
command -v linux >/dev/null || { t_skip bpf_verifier_uml "user-mode-linux not installed"; exit 0; }
BIN=$TOP/build/rel/tests/bench
for b in bpf_differential classify_apply; do
	[ -x "$BIN/$b" ] || { t_fail bpf_verifier_uml "not built: $BIN/$b (make rel)"; exit 0; }
done
KVER=$(ls /usr/lib/uml/modules | head -n 1)

S=$(mktemp -d /tmp/nsb-uml.XXXXXX)
trap 'rm -rf "$S"' EXIT
mkdir -p "$S/mods/lib/modules"
ln -s "/usr/lib/uml/modules/$KVER" "$S/mods/lib/modules/$KVER"

cat >"$S/init" <<INIT
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin TMPDIR=$S
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /var/tmp
mkdir -p $S/bpffs && mount -t bpf bpf $S/bpffs
modprobe -d $S/mods -a sch_ingress cls_bpf veth 2>>$S/log
echo > /proc/sys/kernel/modprobe
uname -r > $S/kver
$BIN/bpf_differential 20000 > $S/diff 2>&1; echo "rc=\$?" >> $S/diff
ip netns add g && ip netns add a &&
ip link add va netns a type veth peer name vg netns g &&
ip -n a addr add 10.98.0.2/24 dev va && ip -n a link set va up &&
ip -n g addr add 10.98.0.1/24 dev vg && ip -n g link set vg up &&
ip netns exec g env NETSH_IPSEC_BPF_LOCAL=off $BIN/classify_apply -s $S/bpffs apply \
	block:10.98.0.2:10.98.0.1:1:0:0 >>$S/log 2>&1; echo "apply=\$?" > $S/attach
ip netns exec g $BIN/classify_apply -s $S/bpffs status >> $S/attach 2>&1
ip netns exec a ping -c 2 -W 1 10.98.0.1 >/dev/null 2>&1; echo "ping=\$?" >> $S/attach
ip netns exec g $BIN/classify_apply -s $S/bpffs flush >>$S/log 2>&1; echo "flush=\$?" >> $S/attach
ip netns exec a ping -c 1 -W 1 10.98.0.1 >/dev/null 2>&1; echo "ping_after_flush=\$?" >> $S/attach
echo done > $S/finished
echo o > /proc/sysrq-trigger
INIT
chmod +x "$S/init"
( cd "$S" && TMPDIR=$S timeout 300 linux mem=512M rootfstype=hostfs rootflags=/ rw \
	init="$S/init" uml_dir="$S" con=null con0=fd:0,fd:1 </dev/null >"$S/console" 2>&1 ) 2>/dev/null

if [ ! -e "$S/finished" ]; then
	t_fail bpf_verifier_uml "UML run did not finish: $(tail -n 3 "$S/console" | tr '\n' ' ')"
	exit 0
fi
kver=$(cat "$S/kver")
if grep -q 'rc=0' "$S/diff" && grep -q ' 0 mismatches' "$S/diff"; then
	t_pass "bpf_verifier_uml_differential (kernel $kver: $(head -n 1 "$S/diff"))"
else
	t_fail bpf_verifier_uml_differential "kernel $kver: $(tr '\n' ' ' <"$S/diff" | cut -c1-300)"
fi
a=$(tr '\n' ' ' <"$S/attach")
if grep -q 'apply=0' "$S/attach" && grep -q 'clsact' "$S/attach" && grep -q 'ping=1' "$S/attach" &&
   grep -q 'flush=0' "$S/attach" && grep -q 'ping_after_flush=0' "$S/attach"; then
	t_pass "bpf_verifier_uml_attach (clsact, blocks ICMP, flush restores)"
else
	t_fail bpf_verifier_uml_attach "$a $(tail -n 3 "$S/log" | tr '\n' ' ')"
fi
