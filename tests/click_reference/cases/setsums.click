FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader(CHECKSUM false) -> SetIPChecksum -> c :: IPClassifier(udp, tcp, -);
c[0] -> SetUDPChecksum -> ToDump(udp.pcap, ENCAP IP);
c[1] -> SetTCPChecksum -> ToDump(tcp.pcap, ENCAP IP);
c[2] -> ToDump(other.pcap, ENCAP IP);
