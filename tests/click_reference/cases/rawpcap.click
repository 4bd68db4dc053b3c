// args: -h a.count
// A raw-IP pcap written by ToDump, which passes packets on (rawread.click reads a copy back).
FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> ToDump(raw.pcap, ENCAP IP) -> a :: Counter -> Discard;
