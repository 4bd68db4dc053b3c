// mask: [0-9]+\.[0-9]{6}$
// args: -h q.table -h q.stats -h q.count -h q.drops
// ARPQuerier: IP packets in input 0, ARP replies in input 1; queries and encapsulated packets out.
src :: FromDump($IN/mix.pcap, STOP true);
src -> c :: Classifier(12/0806 20/0002, 12/0800, -);
ip :: Strip(14) -> CheckIPHeader -> GetIPAddress(16) -> [0]q :: ARPQuerier(10.0.0.99, 00:99:99:99:99:99);
c[0] -> [1]q;
c[1] -> ip;
c[2] -> Discard;
q -> ToDump(out.pcap);
