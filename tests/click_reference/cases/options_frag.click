// args: -h f.fragments -h f.drops
FromDump($IN/opts.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> f :: IPFragmenter(300) -> IPPrint(f, TIMESTAMP false) -> ToDump(out.pcap, ENCAP IP);
