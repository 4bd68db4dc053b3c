// args: -h c0.count -h c1.count -h c2.count -h c3.count -h c4.count -h c5.count -h i0.count -h i1.count -h i2.count -h i3.count -h i4.count -h i5.count -h i6.count -h f0.count
ic :: IPClassifier(udp port 53, tcp syn && !ack, icmp type echo-reply or icmp type 3, dst net 192.168.0.0/16, ip frag, src host 10.0.0.1 and (udp or ip proto 50), -);
src :: FromDump($IN/mix.pcap, STOP true) -> t :: Tee(3);
t[0] -> c :: Classifier(12/0806 20/0001, 12/0806, 12/0800 23/11, 12/0800 23/06, 12/8100, -);
c[0] -> c0 :: Counter -> Discard; c[1] -> c1 :: Counter -> Discard; c[2] -> c2 :: Counter -> Discard;
c[3] -> c3 :: Counter -> Discard; c[4] -> c4 :: Counter -> Discard; c[5] -> c5 :: Counter -> Discard;
t[1] -> cc :: Classifier(12/0800, -); cc[0] -> Strip(14) -> CheckIPHeader(CHECKSUM false) -> ic; cc[1] -> Discard;
ic[0] -> i0 :: Counter -> Discard; ic[1] -> i1 :: Counter -> Discard; ic[2] -> i2 :: Counter -> Discard;
ic[3] -> i3 :: Counter -> Discard; ic[4] -> i4 :: Counter -> Discard; ic[5] -> i5 :: Counter -> Discard;
ic[6] -> i6 :: Counter -> Discard;
t[2] -> Strip(14) -> MarkIPHeader -> f :: IPFilter(allow tcp, deny src 10.0.0.1, allow ip ttl < 5, drop all);
f[0] -> f0 :: Counter -> Discard;
