// args: -h g.drops
FromDump($IN/big.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> g :: IPGWOptions(5.5.5.5) -> f :: FixIPSrc(6.6.6.6) -> ToDump(out.pcap, ENCAP IP);
g[1] -> Print(bad) -> Discard;
