// args: N=1000 -h cnt.count -h cnt.byte_count -h chk.drops -h dec.drops
// (c) IP router fast path on a valid 64-byte Ethernet/IPv4/UDP frame (dst 10.0.1.5)
src :: InfiniteSource(DATA \<00 00 00 00 00 02 00 00 00 00 00 01 08 00 45 00 00 32 00 00 00 00 40 11 ae 0d c0 a8 01 01 0a 00 01 05 04 d2 16 2e 00 1e 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00>, LIMIT $N, STOP true);
cl :: Classifier(12/0800, -);
rt :: RadixIPLookup(10.0.1.0/24 0,
                    10.0.2.0/24 1,
                    10.0.0.0/16 10.0.0.254 1,
                    10.0.0.0/8 10.255.255.254 2,
                    172.16.0.0/12 1,
                    192.168.0.0/16 2,
                    18.26.4.0/24 1,
                    18.26.7.0/24 2,
                    1.2.3.4/32 2,
                    0.0.0.0/0 18.26.4.1 1);
src -> cl;
cl[0] -> Strip(14) -> chk :: CheckIPHeader -> rt;
cl[1] -> Discard;
chk[1] -> Discard;
rt[0] -> dec :: DecIPTTL -> EtherEncap(0x0800, 00:00:00:00:00:01, 00:00:00:00:00:02) -> cnt :: Counter -> Discard;
dec[1] -> Discard;
rt[1] -> Discard;
rt[2] -> Discard;
