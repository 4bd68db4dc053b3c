FromDump($IN/mix.pcap, STOP true) -> EtherRewrite(1:1:1:1:1:1, 2:2:2:2:2:2) -> ToDump(out.pcap);
