// args: -h u.drops -h t.drops
FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> c :: IPClassifier(udp, tcp, -);
c[0] -> u :: CheckUDPHeader -> Print(udpok, 0) -> Discard; u[1] -> Print(udpbad, 0) -> Discard;
c[1] -> t :: CheckTCPHeader -> Print(tcpok, 0) -> Discard; t[1] -> Print(tcpbad, 0) -> Discard;
c[2] -> Discard;
