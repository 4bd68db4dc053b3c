// args: -h c.count
FromDump($IN/mix.pcap, STOP true, FORCE_IP true) -> c :: Counter -> IPPrint(f, TIMESTAMP false) -> ToDump(out.pcap);
