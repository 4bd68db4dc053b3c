FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> g :: IPGWOptions(5.5.5.5) -> ToDump(out.pcap, ENCAP IP);
g[1] -> Print(bad) -> Discard;
