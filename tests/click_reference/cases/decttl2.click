// args: -h d.drops -h m.drops
FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader(CHECKSUM false) -> d :: DecIPTTL(MULTICAST false) -> m :: DecIPTTL -> IPPrint(x, TIMESTAMP false, TTL true) -> ToDump(out.pcap, ENCAP IP);
d[1] -> IPPrint(dexp, TIMESTAMP false, TTL true) -> Discard;
m[1] -> IPPrint(mexp, TIMESTAMP false, TTL true) -> Discard;
