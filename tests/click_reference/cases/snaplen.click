FromDump($IN/big.pcap, STOP true) -> t :: Tee(3);
t[0] -> ToDump(s100.pcap, SNAPLEN 100);
t[1] -> Truncate(60) -> ToDump(trunc.pcap, ENCAP ETHER);
t[2] -> Strip(14) -> ToDump(ip.pcap, 0, IP);
