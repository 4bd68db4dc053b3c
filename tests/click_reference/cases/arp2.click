// mask: [0-9]+\.[0-9]{6}$
// ignore-pcap-timestamps: these packets are made with the current time (ICMP errors, ping replies, ARP replies)
// args: -h q.table -h r.table -h q.count
// A query goes out first, then the reply arrives and the held packet is sent.
src :: FromDump($IN/mix.pcap, STOP true);
src -> c :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
c[0] -> r :: ARPResponder(10.0.0.2 00:aa:bb:cc:dd:ee, 10.0.0.0/24 00:01:02:03:04:05, 192.168.1.1 00:00:00:00:00:c0) -> ToDump(resp.pcap);
q :: ARPQuerier(10.0.0.99, 00:99:99:99:99:99, TIMEOUT 0, POLL_TIMEOUT 0);
c[1] -> [1]q;
c[2] -> Strip(14) -> CheckIPHeader -> GetIPAddress(16) -> q;
c[3] -> Discard;
q -> ToDump(out.pcap);
