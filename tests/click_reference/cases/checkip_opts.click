// args: -h c.drops -h c2.drops
FromDump($IN/mix.pcap, STOP true) -> c :: CheckIPHeader(14, CHECKSUM false) -> c2 :: CheckIPHeader(OFFSET 14, BADSRC 10.0.0.1 192.168.1.1) -> ToDump(good.pcap, ENCAP ETHER);
