
FromDump($IN/frags.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> r :: IPReassembler -> ToDump(out.pcap, ENCAP IP);
