# Generates tests/cli/winreg_win2003.reg: a Local store export shaped like
# Windows Server 2003 data (the "Server (Request Security)" example policy),
# blobs built field by field from the storage layout, with the quirks real
# exports carry: lower-case GUIDs, 3DES written as 2 and 3, a data length
# that disagrees with the body, garbage in unused transform slots, a Vista
# trailer on one rule, an interface name on another, a soft offer.
#   python3 tests/cli/winreg_win2003.py [OUT]  (default: winreg_win2003.reg beside it)
import os, struct, sys, uuid
def g(s): return uuid.UUID(s).bytes_le
def u32(x): return struct.pack('<I', x)
def u16(x): return struct.pack('<H', x)
def ip(a): return bytes(int(x) for x in a.split('.'))
def ws(s):
    b = s.encode('utf-16le') + b'\0\0'
    return u32(len(b)) + b
def frame(cls, body, datalen=None):
    return g(cls) + u32(len(body) if datalen is None else datalen) + body + b'\0'
C_POL='22202163-4F4C-11D1-863B-00A0248D3021'; C_IK='80DC20B8-2EC8-11D1-A89E-00A0248D3021'
C_NFA='11BBAC00-498D-11D1-8639-00A0248D3021'; C_NEG='80DC20B9-2EC8-11D1-A89E-00A0248D3021'
C_FL='80DC20B5-2EC8-11D1-A89E-00A0248D3021'
G = {
 'pol':'72385230-70fa-11d1-864c-14a300000000', 'ik':'72385231-70fa-11d1-864c-14a300000000',
 'nfa1':'72385232-70fa-11d1-864c-14a300000000', 'nfa2':'59319c04-5ee3-11d2-ace8-0060b0ecca17',
 'nfad':'72385233-70fa-11d1-864c-14a300000000', 'negreq':'72385234-70fa-11d1-864c-14a300000000',
 'negperm':'7238523b-70fa-11d1-864c-14a300000000', 'negdr':'72385235-70fa-11d1-864c-14a300000000',
 'flall':'7238523a-70fa-11d1-864c-14a300000000', 'flicmp':'72385236-70fa-11d1-864c-14a300000000',
 'f1':'7238523c-70fa-11d1-864c-14a300000000','f2':'72385237-70fa-11d1-864c-14a300000000'}
def mm(c,h,grp, ovr=0):
    b = bytearray(64)
    b[4:8]=u32(c); b[8:12]=u32(0x40); b[12:16]=u32(8); b[16:20]=u32(h); b[36]=ovr
    b[44:48]=u32(grp); b[56:60]=u32(28800); return bytes(b)
ik = g(G['ik']) + u32(0)+u32(0)+u32(0)+u32(0)+u32(0)+u32(0) + bytes(20) + u32(4) + \
     mm(3,2,2) + mm(2,1,2) + mm(1,2,1) + mm(1,1,1)
def offer(tr, pfs=0, sec=0, kb=0):
    b = u32(sec)+u32(kb)+u32(0)+u32(pfs)+u32(len(tr))
    for i in range(3):
        if i < len(tr): a,integ,t = tr[i]; b += u32(a)+u32(integ)+u32(t)+bytes(8)
        else: b += bytes([0xcd]*20)  # garbage in unused slots
    return b
req = [offer([(3,2,2)]), offer([(2,1,2)]), offer([(1,2,2)]), offer([(1,1,2)]), offer([(2,0,1)]), offer([(1,0,1)]), offer([])]
negreq = u32(len(req)) + b''.join(req)
negperm = u32(0)
dr = [offer([(3,2,2)]), offer([(3,1,2)])]
negdr = u32(len(dr)) + b''.join(dr)
def filt(fg, proto=0):
    return ws('')+ws('')+ws('')+g(fg)+u32(1)+ip('0.0.0.0')+ip('255.255.255.255')+ip('0.0.0.0')+ip('0.0.0.0')+ip('0.0.0.0')+u32(proto)+u16(0)+u16(0)+bytes([0,0])+u16(0)
flall = u32(1)+filt(G['f1'])
flicmp = u32(1)+filt(G['f2'],1)
def nfa(auths, iftype=0xFFFFFFFD, ifname='', trailer=b''):
    b = u32(len(auths))
    for t,v in auths:
        d = v.encode('utf-16le')+b'\0\0'
        b += u32(t)+u32(len(d))+d
    return b + u32(iftype) + ws(ifname) + ip('0.0.0.0') + u32(0) + u32(1) + ws('') + trailer
nfa1 = nfa([(5,'')], trailer=g('01010101-0101-0101-0101-010101010101')+u32(4)+u32(0))
nfa2 = nfa([(1,'s3cret')], ifname='Local Area Connection')
nfad = nfa([(5,'')])
pol = u32(10800)
ROOT='HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local'
REF='SOFTWARE\\\\Policies\\\\Microsoft\\\\Windows\\\\IPSec\\\\Policy\\\\Local\\\\'
def hexv(name, data, kind='hex'):
    s = '"%s"=%s:' % (name, kind); out=[]; line=s
    parts = ['%02x' % x for x in data]
    for i,p in enumerate(parts):
        tok = p + (',' if i+1 < len(parts) else '')
        if len(line) + len(tok) > 78: out.append(line + '\\'); line = '  '
        line += tok
    out.append(line); return '\n'.join(out)
def multi(name, strs):
    return hexv(name, b''.join(s.encode('latin-1')+b'\0' for s in strs)+b'\0', 'hex(7)')
def key(cls, gk, name, data, extra, when=0x3e8a1c2b, desc=None):
    L = ['[%s\\%s{%s}]' % (ROOT, cls, gk), '"ClassName"="%s"' % cls]
    if desc: L.append('"description"="%s"' % desc)
    L += ['"ipsecID"="{%s}"' % gk.upper(), '"ipsecName"="%s"' % name, '"ipsecDataType"=dword:00000100',
          hexv('ipsecData', data), '"name"="%s{%s}"' % (cls, gk), '"whenChanged"=dword:%08x' % when]
    return '\n'.join(L + extra) + '\n'
def r(cls, k): return REF + '%s{%s}' % (cls, G[k])
def rr(cls, k): return r(cls,k).replace('\\\\','\\')
out = ['REGEDIT4', '', '[%s]' % ROOT, '"ActivePolicy"="%s"' % r('ipsecPolicy','pol'), '']
out.append(key('ipsecPolicy', G['pol'], 'Server (Request Security)', frame(C_POL, pol, 8),
   ['"ipsecISAKMPReference"="%s"' % r('ipsecISAKMPPolicy','ik'), multi('ipsecNFAReference', [rr('ipsecNFA','nfa1'), rr('ipsecNFA','nfa2'), rr('ipsecNFA','nfad')])],
   desc='Asks every peer for security, Kerberos authentication.'))
out.append(key('ipsecISAKMPPolicy', G['ik'], '{%s}' % G['ik'], frame(C_IK, ik), [multi('ipsecOwnersReference', [rr('ipsecPolicy','pol')])]))
out.append(key('ipsecNFA', G['nfa1'], '', frame(C_NFA, nfa1, 0x30), ['"ipsecNegotiationPolicyReference"="%s"' % r('ipsecNegotiationPolicy','negreq'), multi('ipsecFilterReference', [rr('ipsecFilter','flall')]), multi('ipsecOwnersReference', [rr('ipsecPolicy','pol')])]))
out.append(key('ipsecNFA', G['nfa2'], '', frame(C_NFA, nfa2), ['"ipsecNegotiationPolicyReference"="%s"' % r('ipsecNegotiationPolicy','negperm'), multi('ipsecFilterReference', [rr('ipsecFilter','flicmp')]), multi('ipsecOwnersReference', [rr('ipsecPolicy','pol')])]))
out.append(key('ipsecNFA', G['nfad'], '', frame(C_NFA, nfad), ['"ipsecNegotiationPolicyReference"="%s"' % r('ipsecNegotiationPolicy','negdr'), multi('ipsecOwnersReference', [rr('ipsecPolicy','pol')])]))
out.append(key('ipsecNegotiationPolicy', G['negreq'], 'Request Security (Optional)', frame(C_NEG, negreq),
   ['"ipsecNegotiationPolicyAction"="{3f91a81a-7647-11d1-864d-d46a00000000}"', '"ipsecNegotiationPolicyType"="{62f49e10-6c37-11d1-864c-14a300000000}"'],
   desc='Clear traffic accepted; security asked for.'))
out.append(key('ipsecNegotiationPolicy', G['negperm'], 'Permit', frame(C_NEG, negperm),
   ['"ipsecNegotiationPolicyAction"="{8A171DD2-77E3-11D1-8659-A04F00000000}"', '"ipsecNegotiationPolicyType"="{62F49E10-6C37-11D1-864C-14A300000000}"'],
   desc='Lets clear packets through.'))
out.append(key('ipsecNegotiationPolicy', G['negdr'], '', frame(C_NEG, negdr),
   ['"ipsecNegotiationPolicyAction"="{8A171DD3-77E3-11D1-8659-A04F00000000}"', '"ipsecNegotiationPolicyType"="{62F49E13-6C37-11D1-864C-14A300000000}"']))
out.append(key('ipsecFilter', G['flall'], 'All IP Traffic', frame(C_FL, flall), [], desc='Me to any, every protocol.'))
out.append(key('ipsecFilter', G['flicmp'], 'All ICMP Traffic', frame(C_FL, flicmp), [], desc='Me to any, ICMP only.'))
open(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'winreg_win2003.reg'), 'w', newline='').write('\r\n'.join('\n'.join(out).split('\n'))+'\r\n')
