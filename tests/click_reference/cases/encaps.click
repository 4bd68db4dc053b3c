FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> t :: Tee(5);
t[0] -> IPEncap(4, 1.0.0.1, 2.0.0.2) -> ToDump(ipencap.pcap, ENCAP IP);
t[1] -> IPEncap(gre, 1.0.0.1, 2.0.0.2, TTL 7, TOS 3, DF true) -> ToDump(ipencap2.pcap, ENCAP IP);
t[2] -> UDPIPEncap(1.0.0.1, 1111, 2.0.0.2, 2222, true) -> ToDump(udpencap.pcap, ENCAP IP);
t[3] -> UDPIPEncap(1.0.0.1, 1111, 2.0.0.2, 2222, CHECKSUM false) -> ToDump(udpencap2.pcap, ENCAP IP);
t[4] -> EtherEncap(0x0800, 1:2:3:4:5:6, 00-0a-0b-0c-0d-0e) -> VLANEncap(VLAN_TCI 0x2007) -> ToDump(vlan.pcap) ;
