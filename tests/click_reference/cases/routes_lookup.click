// args: -h a.count -h b.count -h c.count -h d.count
FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader(CHECKSUM false) -> r :: RadixIPLookup(10.0.0.2/32 0, 10.0.0.0/24 10.0.0.254 1, 192.168.0.0/16 2, 0.0.0.0/0 3);
r[0] -> a :: Counter -> IPPrint(a, TIMESTAMP false) -> Discard;
r[1] -> b :: Counter -> IPPrint(b, TIMESTAMP false) -> Discard;
r[2] -> c :: Counter -> IPPrint(c, TIMESTAMP false) -> Discard;
r[3] -> d :: Counter -> IPPrint(d, TIMESTAMP false) -> Discard;
