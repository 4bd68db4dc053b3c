// args: -h d.drops
FromDump($IN/mix.pcap, STOP true) -> HostEtherFilter(00:aa:bb:cc:dd:ee, DROP_OTHER false, DROP_OWN false) -> Strip(14) -> d :: DropBroadcasts -> ToDump(out.pcap, ENCAP IP);
