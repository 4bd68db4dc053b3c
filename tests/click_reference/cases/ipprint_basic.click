FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> MarkIPHeader -> IPPrint(ip) -> IPPrint(ts, TIMESTAMP false) -> Discard;
