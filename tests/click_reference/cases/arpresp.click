// ignore-pcap-timestamps: these packets are made with the current time (ICMP errors, ping replies, ARP replies)
// args: -h r.table
InfiniteSource(DATA \<ffffffffffff 001122334455 0806 0001 0800 06 04 0001 001122334455 0a000001 000000000000 0a000063>, LIMIT 2, STOP true) -> r :: ARPResponder(10.0.0.99/32 00:99:99:99:99:99, 10.1.0.0/16 02:02:02:02:02:02) -> ToDump(out.pcap);
