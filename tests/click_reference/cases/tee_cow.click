// Clones share data until one is written: the other branches see the original bytes.
FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> t :: Tee(3);
t[0] -> DecIPTTL -> IPPrint(a, TIMESTAMP false, TTL true) -> ToDump(a.pcap, ENCAP IP);
t[1] -> IPPrint(b, TIMESTAMP false, TTL true) -> StoreIPAddress(1.2.3.4, 16) -> ToDump(b.pcap, ENCAP IP);
t[2] -> IPPrint(c, TIMESTAMP false, TTL true) -> EtherEncap(0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2) -> ToDump(c.pcap);
