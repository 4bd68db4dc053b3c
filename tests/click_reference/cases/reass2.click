
FromDump($IN/frags2.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> r :: IPReassembler -> IPPrint(w, TIMESTAMP false, ID true, LENGTH true) -> ToDump(out.pcap, ENCAP IP);
