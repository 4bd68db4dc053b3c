// args: -h c.drops -h c.drop_details
FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> c :: CheckIPHeader(VERBOSE true, DETAILS true) -> ToDump(good.pcap);
