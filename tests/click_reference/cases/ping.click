// ignore-pcap-timestamps: these packets are made with the current time (ICMP errors, ping replies, ARP replies)
c :: IPClassifier(icmp type echo, -);
FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> c;
c[0] -> ICMPPingResponder -> ToDump(reply.pcap, ENCAP IP);
c[1] -> Discard;
