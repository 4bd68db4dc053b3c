// args: -h q.table -h q.count -h q.stats
// mask: [0-9]+\.[0-9]{6}$
FromDump($IN/mix.pcap, STOP true) -> c :: Classifier(12/0800, -);
c[0] -> Strip(14) -> CheckIPHeader -> GetIPAddress(16) -> q :: ARPQuerier(10.0.0.99/24, 00:99:99:99:99:99);
c[1] -> Discard;
Idle -> [1]q;
q -> ToDump(out.pcap);
