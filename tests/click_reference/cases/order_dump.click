// Packets a source queues (FromDump) and a classifier sorts reach the Prints one at a time.
FromDump($IN/mix.pcap, STOP true) -> Print(in, 16) -> c :: Classifier(12/0800, 12/0806, -);
c[0] -> Strip(14) -> ip :: CheckIPHeader -> IPPrint(ip) -> Discard;
ip[1] -> Print(badip, 16) -> Discard;
c[1] -> Print(arp, 16) -> Discard;
c[2] -> Print(other, 16) -> Discard;
