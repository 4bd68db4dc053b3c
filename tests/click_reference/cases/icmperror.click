// ignore-pcap-timestamps: these packets are made with the current time (ICMP errors, ping replies, ARP replies)
s :: FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> t :: Tee(10);
t[0] -> ICMPError(10.9.9.9, unreachable, net) -> ToDump(e0.pcap, ENCAP IP);
t[1] -> ICMPError(10.9.9.9, unreachable, host) -> ToDump(e1.pcap, ENCAP IP);
t[2] -> ICMPError(10.9.9.9, unreachable, needfrag, MTU 576) -> ToDump(e2.pcap, ENCAP IP);
t[3] -> ICMPError(10.9.9.9, timeexceeded, reassembly) -> ToDump(e3.pcap, ENCAP IP);
t[4] -> ICMPError(10.9.9.9, parameterproblem, 0) -> ToDump(e4.pcap, ENCAP IP);
t[5] -> ICMPError(10.9.9.9, redirect, host) -> ToDump(e5.pcap, ENCAP IP);
t[6] -> ICMPError(10.9.9.9, 3, 13) -> ToDump(e6.pcap, ENCAP IP);
t[7] -> ICMPError(10.9.9.9, sourcequench) -> ToDump(e7.pcap, ENCAP IP);
t[8] -> ICMPError(10.9.9.9, unreachable, port) -> ToDump(e8.pcap, ENCAP IP);
t[9] -> ICMPError(10.9.9.9, timeexceeded, transit) -> ToDump(e9.pcap, ENCAP IP);
