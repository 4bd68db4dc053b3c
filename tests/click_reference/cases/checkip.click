// args: -h c.drops -h ok.count -h bad.count
FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> c :: CheckIPHeader -> ok :: Counter -> ToDump(good.pcap);
c[1] -> bad :: Counter -> Print(bad, 30) -> ToDump(bad.pcap);
