#!/usr/bin/env python3
"""Writes the input pcaps of the Click reference tests (mix.pcap, big.pcap, frags.pcap, opts.pcap)
next to this script. ntp.pcap is a copy of shared/corpus/pcap/ntp.pcap; raw.pcap is the raw-IP
file the original Click wrote for cases/rawpcap.click (expected/rawpcap/raw.pcap).

mix.pcap: one of each kind of frame the IP elements care about (UDP, TCP, ICMP echo and errors,
fragments, IP options, bad checksum, bad version, bad length, bad sources, TTL 1 and 0, bad
UDP/TCP checksums, truncated IP, ARP request and reply, IPv6, VLAN-tagged, broadcast, ...).
big.pcap: 1514-byte frames (with and without DF, with options) for IPFragmenter.
frags.pcap: two UDP datagrams in three fragments each, interleaved and out of order.
opts.pcap: IP options (source routes, record route, timestamps, a malformed one), small and large.
"""
import os
HERE = os.path.dirname(os.path.abspath(__file__))
import struct
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b))
    while s>>16: s=(s&0xffff)+(s>>16)
    return (~s)&0xffff
def ip(a): return bytes(int(x) for x in a.split('.'))
def iph(src,dst,proto,payload_len,ttl=64,ident=0x1234,flags_frag=0,tos=0,opts=b'',ver=4,bad_csum=False,tot=None):
    hl=(20+len(opts))//4
    tot = tot if tot is not None else 20+len(opts)+payload_len
    h=struct.pack('!BBHHHBBH4s4s',(ver<<4)|hl,tos,tot,ident,flags_frag,ttl,proto,0,ip(src),ip(dst))+opts
    c=csum(h)
    if bad_csum: c^=0x1111
    return h[:10]+struct.pack('!H',c)+h[12:]
def pseudo(src,dst,proto,l): return ip(src)+ip(dst)+struct.pack('!BBH',0,proto,l)
def udp(src,dst,sp,dp,payload,bad=False,zero=False):
    u=struct.pack('!HHHH',sp,dp,8+len(payload),0)+payload
    c=0 if zero else csum(pseudo(src,dst,17,len(u))+u)
    if c==0 and not zero: c=0xffff
    if bad: c^=0x0f0f
    return u[:6]+struct.pack('!H',c)+u[8:]
def tcp(src,dst,sp,dp,seq,ack,flags,payload=b'',opts=b'',win=8192,bad=False):
    off=(20+len(opts))//4
    t=struct.pack('!HHIIBBHHH',sp,dp,seq,ack,off<<4,flags,win,0,0)+opts+payload
    c=csum(pseudo(src,dst,6,len(t))+t)
    if bad: c^=0x0f0f
    return t[:16]+struct.pack('!H',c)+t[18:]
def icmp(typ,code,rest,payload):
    m=struct.pack('!BBH',typ,code,0)+rest+payload
    return m[:2]+struct.pack('!H',csum(m))+m[4:]
MAC_A=bytes.fromhex('001122334455'); MAC_B=bytes.fromhex('00aabbccddee')
def eth(payload,typ=0x0800,dst=MAC_B,src=MAC_A): return dst+src+struct.pack('!H',typ)+payload
def ipv4(src,dst,proto,l4,**kw): return iph(src,dst,proto,len(l4),**kw)+l4
def write(name,frames,link=1,snaplen=65535):
    with open(name,'wb') as f:
        f.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,snaplen,link))
        for i,fr in enumerate(frames):
            f.write(struct.pack('<IIII',1000000000+i,1000*i+7,len(fr),len(fr))+fr)
pl=bytes(range(32,32+20))
A,B,C='10.0.0.1','10.0.0.2','192.168.1.1'
mix=[]
mix.append(eth(ipv4(A,B,17,udp(A,B,1234,53,pl))))
mix.append(eth(ipv4(A,C,6,tcp(A,C,40000,80,0x01020304,0,0x02,opts=bytes.fromhex('020405b4')))))
mix.append(eth(ipv4(C,A,6,tcp(C,A,80,40000,0x0a0b0c0d,0x01020305,0x18,payload=b'HTTP/1.0 200 OK\r\n'))))
mix.append(eth(ipv4(A,B,1,icmp(8,0,struct.pack('!HH',0x4242,7),bytes(range(56))))))
mix.append(eth(ipv4(B,A,1,icmp(0,0,struct.pack('!HH',0x4242,7),bytes(range(56))))))
inner=iph(A,C,17,28)+udp(A,C,5000,6000,pl)[:8]
mix.append(eth(ipv4(C,A,1,icmp(3,3,b'\0\0\0\0',inner))))
big=udp(A,B,7000,7001,bytes((i*7)&0xff for i in range(1472)))
mix.append(eth(iph(A,B,17,1480,flags_frag=0x2000,ident=0x77)+big[:1480-8+8][:1480]))  # first frag
mix.append(eth(iph(A,B,17,100,flags_frag=185,ident=0x78)+bytes(100)))  # non-first frag
rr=bytes([7,11,4,0,0,0,0,0,0,0,0,1])  # record route, len 11, ptr 4 + NOP pad
mix.append(eth(ipv4(A,B,17,udp(A,B,1,2,pl),opts=rr)))
mix.append(eth(ipv4(A,B,17,udp(A,B,1234,53,pl),bad_csum=True)))
mix.append(eth(ipv4(A,B,17,udp(A,B,1234,53,pl),ver=6)))
mix.append(eth(ipv4(A,B,17,udp(A,B,1234,53,pl),tot=200)))
mix.append(eth(ipv4('255.255.255.255',B,17,udp('255.255.255.255',B,1234,53,pl))))
mix.append(eth(ipv4('0.0.0.0',B,17,udp('0.0.0.0',B,68,67,pl))))
mix.append(eth(ipv4('224.0.0.5',B,17,udp('224.0.0.5',B,68,67,pl))))
mix.append(eth(ipv4(A,B,17,udp(A,B,1234,53,pl),ttl=1)))
mix.append(eth(ipv4(A,B,17,udp(A,B,1234,53,pl),ttl=0)))
mix.append(eth(ipv4(A,B,17,udp(A,B,1234,53,pl,bad=True))))
mix.append(eth(ipv4(A,C,6,tcp(A,C,40000,80,5,6,0x10,payload=b'xyz',bad=True))))
mix.append(eth(ipv4(A,B,17,udp(A,B,1234,53,pl,zero=True),tos=0xb8)))
mix.append(eth(ipv4(A,B,17,udp(A,B,1234,53,pl))[:24]))  # truncated IP
arp_req=struct.pack('!HHBBH',1,0x0800,6,4,1)+MAC_A+ip(A)+bytes(6)+ip(B)
mix.append(eth(arp_req,typ=0x0806,dst=b'\xff'*6))
arp_rep=struct.pack('!HHBBH',1,0x0800,6,4,2)+MAC_B+ip(B)+MAC_A+ip(A)
mix.append(eth(arp_rep,typ=0x0806,dst=MAC_A,src=MAC_B))
mix.append(eth(bytes(40),typ=0x86dd))
mix.append(eth(struct.pack('!HH',0x2005,0x0800)+ipv4(A,B,17,udp(A,B,1234,53,pl)),typ=0x8100))
mix.append(eth(ipv4(A,'10.0.0.255',17,udp(A,'10.0.0.255',1234,53,pl)),dst=b'\xff'*6))
mix.append(eth(ipv4(A,B,1,icmp(13,0,struct.pack('!HH',1,2),bytes(12)))))  # timestamp req
mix.append(eth(ipv4(A,B,1,icmp(8,0,struct.pack('!HH',1,2),bytes(0)),ttl=1,ident=0x99)))
mix.append(eth(ipv4(A,B,50,bytes(30))))  # ESP-ish other proto
mix.append(eth(ipv4(A,B,17,udp(A,B,1234,53,pl),flags_frag=0x4000)))  # DF
write(os.path.join(HERE,'mix.pcap'),mix)
# big packets for fragmenting
bigs=[eth(ipv4(A,B,17,udp(A,B,7000,7001,bytes((i*7)&0xff for i in range(1472))))),
      eth(ipv4(A,B,17,udp(A,B,7000,7001,bytes((i*3)&0xff for i in range(1472))),flags_frag=0x4000)),
      eth(ipv4(A,B,17,udp(A,B,7000,7001,bytes((i*5)&0xff for i in range(1000))),opts=rr)),
      eth(ipv4(A,B,17,udp(A,B,7000,7001,pl)))]
write(os.path.join(HERE,'big.pcap'),bigs)
# fragments to reassemble: UDP 1000 payload in 3 frags, out of order, plus a dup
d=udp(A,B,9000,9001,bytes((i*11)&0xff for i in range(1000)))
fr=[(0,d[0:400],True),(400,d[400:800],True),(800,d[800:],False)]
frs=[eth(iph(A,B,17,len(p),ident=0x4444,flags_frag=(0x2000 if mf else 0)|(off//8))+p) for off,p,mf in fr]
frs2=[eth(iph(B,A,17,len(p),ident=0x5555,flags_frag=(0x2000 if mf else 0)|(off//8))+p) for off,p,mf in fr]
write(os.path.join(HERE,'frags.pcap'),[frs[2],frs[0],frs2[0],frs[1],frs2[1],frs2[2],mix[0]])
# IP options: loose and strict source routes (pointer in the middle and at the end), record
# route, timestamp, a malformed option; some with payloads large enough to fragment.
def opt_pad(o):
    return o + bytes((-len(o)) % 4)
lsrr = opt_pad(bytes([131, 11, 8]) + ip('1.1.1.1') + ip('2.2.2.2'))
lsrr_end = opt_pad(bytes([131, 11, 12]) + ip('1.1.1.1') + ip('2.2.2.2'))
ssrr = opt_pad(bytes([137, 15, 4]) + ip('3.3.3.3') + ip('4.4.4.4') + ip('5.5.5.5'))
rr2 = opt_pad(bytes([7, 11, 8]) + ip('9.9.9.9') + bytes(4))
ts = opt_pad(bytes([68, 12, 5, 0]) + bytes(8))
ts_addr = opt_pad(bytes([68, 20, 5, 1]) + bytes(16))
bad = opt_pad(bytes([7, 2, 4]))
nop_eol = bytes([1, 1, 0, 0])
optpkts = []
for o in [lsrr, lsrr_end, ssrr, rr2, ts, ts_addr, bad, nop_eol]:
    optpkts.append(eth(ipv4(A, B, 17, udp(A, B, 4000, 4001, pl), opts=o)))
    optpkts.append(eth(ipv4(A, B, 17, udp(A, B, 4000, 4001, bytes((i * 13) & 0xff for i in range(900))), opts=o)))
write(os.path.join(HERE, 'opts.pcap'), optpkts)
# Reassembly corner cases: overlapping fragments with different bytes, an exact duplicate, a
# datagram that never completes, fragments of an ICMP echo, and a tiny first fragment.
def frag(src, dst, ident, proto, off, data, mf):
    return eth(iph(src, dst, proto, len(data), ident=ident, flags_frag=(0x2000 if mf else 0) | (off // 8)) + data)
u = udp(A, B, 9100, 9101, bytes((i * 7 + 1) & 0xff for i in range(600)))
ov = [frag(A, B, 0x6001, 17, 0, u[0:304], True),
      frag(A, B, 0x6001, 17, 296, bytes(0xee for _ in range(200)), True),   # overlaps the first by 8
      frag(A, B, 0x6001, 17, 296, u[296:496], True),                        # same range again, real bytes
      frag(A, B, 0x6001, 17, 496, u[496:], False)]
dup = [frag(B, A, 0x6002, 17, 0, u[0:304], True), frag(B, A, 0x6002, 17, 0, u[0:304], True),
       frag(B, A, 0x6002, 17, 304, u[304:], False)]
lost = [frag(A, C, 0x6003, 17, 0, u[0:304], True)]
ic = icmp(8, 0, struct.pack('!HH', 9, 9), bytes(range(200)))
ping = [frag(C, A, 0x6004, 1, 104, ic[104:], False), frag(C, A, 0x6004, 1, 0, ic[0:104], True)]
tiny = [frag(A, B, 0x6005, 17, 0, u[0:8], True), frag(A, B, 0x6005, 17, 8, u[8:], False)]
write(os.path.join(HERE, 'frags2.pcap'), ov + dup + lost + ping + tiny)
