// ignore-pcap-timestamps: these packets are made with the current time (ICMP errors, ping replies, ARP replies)
// args: -h d.drops
FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> d :: DecIPTTL -> ToDump(out.pcap, ENCAP IP);
d[1] -> ICMPError(10.9.9.9, timeexceeded) -> ToDump(err.pcap, ENCAP IP);
