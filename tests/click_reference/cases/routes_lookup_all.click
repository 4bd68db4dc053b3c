// args: -h l0.count -h l1.count -h l2.count -h l3.count -h s0.count -h s1.count -h s2.count -h s3.count -h d0.count -h d1.count -h d2.count -h d3.count
FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader(CHECKSUM false) -> t :: Tee(3);
t[0] -> l :: LinearIPLookup(10.0.0.2/32 0, 10.0.0.0/24 10.0.0.254 1, 192.168.0.0/16 2, 0.0.0.0/0 10.0.0.1 3);
t[1] -> s :: StaticIPLookup(10.0.0.2/32 0, 10.0.0.0/24 10.0.0.254 1, 192.168.0.0/16 2, 0.0.0.0/0 10.0.0.1 3);
t[2] -> d :: DirectIPLookup(10.0.0.2/32 0, 10.0.0.0/24 10.0.0.254 1, 192.168.0.0/16 2, 0.0.0.0/0 10.0.0.1 3);
l[0] -> l0 :: Counter -> Discard; l[1] -> l1 :: Counter -> IPPrint(l1, TIMESTAMP false) -> Discard; l[2] -> l2 :: Counter -> Discard; l[3] -> l3 :: Counter -> GetIPAddress(16) -> IPPrint(l3, TIMESTAMP false) -> Discard;
s[0] -> s0 :: Counter -> Discard; s[1] -> s1 :: Counter -> Discard; s[2] -> s2 :: Counter -> Discard; s[3] -> s3 :: Counter -> Discard;
d[0] -> d0 :: Counter -> Discard; d[1] -> d1 :: Counter -> Discard; d[2] -> d2 :: Counter -> Discard; d[3] -> d3 :: Counter -> Discard;
