// ignore-pcap-timestamps: ICMP errors are made with the current time
// args: -h g.drops -h gts.drops
// Timestamp options get the time of day, which differs between runs: those packets are
// checked through IPPrint only.
c :: IPClassifier(ip[20] = 68, -);
FromDump($IN/opts.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> c;
c[1] -> g :: IPGWOptions(5.5.5.5, 6.6.6.6) -> IPPrint(ok, TIMESTAMP false) -> ToDump(out.pcap, ENCAP IP);
g[1] -> IPPrint(bad, TIMESTAMP false) -> ICMPError(10.9.9.9, parameterproblem) -> ToDump(err.pcap, ENCAP IP);
c[0] -> gts :: IPGWOptions(5.5.5.5) -> IPPrint(ts, TIMESTAMP false) -> Discard;
gts[1] -> IPPrint(tsbad, TIMESTAMP false) -> Discard;
