#!/usr/bin/env python3
# Writes a netsh-ipsec export v1 file with one policy of N rules, each with
# its own filter list (F filters) and filter action: input for
# tests/bench/export_bench.sh.
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
nf = int(sys.argv[2]) if len(sys.argv) > 2 else 2


def g(kind, i):
    return "{%08X-0000-4000-8000-%012X}" % (kind, i)


out = sys.stdout
out.write("# netsh-ipsec export v1\n")
for i in range(n):
    out.write(f"filterlist guid={g(1, i)} name=list%20{i} description= whenchanged=1700000000\n")
    for j in range(nf):
        k = i * nf + j
        out.write(f"filter guid={g(2, k)} description= src=me srcaddr=0.0.0.0 "
                  f"srcmask=255.255.255.255 srcdns= dst=ip dstaddr=10.{k >> 16 & 255}.{k >> 8 & 255}.{k & 255} "
                  f"dstmask=255.255.255.255 dstdns= protocol=6 srcport=0 dstport={1 + j} mirrored=yes\n")
for i in range(n):
    out.write(f"filteraction guid={g(3, i)} name=action%20{i} description= whenchanged=0 type=normal "
              "action=negotiate qmpfs=no inpass=no soft=no\n")
    out.write("qm kind=esp ah=none conf=aes256 auth=sha256 kb=100000 sec=3600\n")
out.write(f"filteraction guid={g(3, n)} name= description= whenchanged=0 type=default "
          "action=negotiate qmpfs=no inpass=no soft=no\n")
out.write(f"policy guid={g(4, 0)} isakmp={g(5, 0)} name=big description= whenchanged=0 mmpfs=no "
          "qmpermm=0 mmlifetime=480 pollinginterval=180 assigned=no gponame=\n")
out.write("mm cipher=aes128 hash=sha256 group=14\n")
for i in range(n):
    out.write(f"rule guid={g(6, i)} default=no name=rule%20{i} description= whenchanged=0 "
              f"filterlist={g(1, i)} filteraction={g(3, i)} tunnel=no tunneladdr=0.0.0.0 "
              "tunneldns= conntype=all active=yes\n")
    out.write("auth kind=psk value=k certmap=no excludecaname=no\n")
out.write(f"rule guid={g(6, n)} default=yes name= description= whenchanged=0 filterlist= "
          f"filteraction={g(3, n)} tunnel=no tunneladdr=0.0.0.0 tunneldns= conntype=all active=yes\n")
out.write("end\n")
