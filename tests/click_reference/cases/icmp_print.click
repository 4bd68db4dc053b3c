// ICMP errors of every kind, printed by IPPrint.
p :: IPPrint(TIMESTAMP false, ID true, TTL true, LENGTH true) -> Discard;
FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> t :: Tee(8);
t[0] -> ICMPError(10.9.9.9, unreachable, net) -> p;
t[1] -> ICMPError(10.9.9.9, unreachable, needfrag, PMTU 1400) -> p;
t[2] -> ICMPError(10.9.9.9, timeexceeded, reassembly) -> p;
t[3] -> ICMPError(10.9.9.9, parameterproblem) -> p;
t[4] -> ICMPError(10.9.9.9, redirect, net) -> p;
t[5] -> ICMPError(10.9.9.9, sourcequench) -> p;
t[6] -> ICMPError(10.9.9.9, unreachable, port) -> p;
t[7] -> ICMPError(10.9.9.9, unreachable, 9) -> p;
