FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> e :: EtherEncap(0x86dd, 00:01:02:03:04:05, ff-ff-ff-ff-ff-ff) -> Unstrip(0) -> ToDump(out.pcap);
