// ignore-pcap-timestamps: these packets are made with the current time (ICMP errors, ping replies, ARP replies)
// args: -h f.drops -h f.fragments
FromDump($IN/big.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> f :: IPFragmenter(576) -> ToDump(frags.pcap, ENCAP IP);
f[1] -> ICMPError(10.9.9.9, unreachable, needfrag) -> ToDump(err.pcap, ENCAP IP);
