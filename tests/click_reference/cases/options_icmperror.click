// ignore-pcap-timestamps: ICMP errors are made with the current time
// IP options through ICMPError: source routes come back reversed; no redirect for a source-routed packet.
FromDump($IN/opts.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> t :: Tee(4);
t[0] -> ICMPError(10.9.9.9, timeexceeded) -> ToDump(te.pcap, ENCAP IP);
t[1] -> ICMPError(10.9.9.9, redirect, host) -> ToDump(redirect.pcap, ENCAP IP);
t[2] -> ICMPError(10.9.9.9, parameterproblem) -> ToDump(pp.pcap, ENCAP IP);
t[3] -> ICMPError(10.9.9.9, unreachable, needfrag, PMTU 1000, MTU 100) -> ToDump(nf.pcap, ENCAP IP);
