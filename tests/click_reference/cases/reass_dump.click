// IPReassembler's dump handler: its statistics and the reassembly still waiting at the end.
// args: -h r.dump
FromDump($IN/frags2.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> r :: IPReassembler -> Discard;
