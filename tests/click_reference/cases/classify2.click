// args: -h a.count -h b.count -h d.count -h e.count -h g.count
src :: FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader(CHECKSUM false) -> ic :: IPClassifier(tcp dst port 80 or tcp src port 80, udp && len > 60, ip tos 0xb8, icmp, -);
ic[0] -> a :: Counter -> Discard; ic[1] -> b :: Counter -> Discard; ic[2] -> d :: Counter -> Discard; ic[3] -> e :: Counter -> Discard; ic[4] -> g :: Counter -> Discard;
