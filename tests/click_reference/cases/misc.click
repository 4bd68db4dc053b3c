// args: -h h0.count -h h1.count -h h2.count -h r0.count -h r1.count -h r2.count -h p0.count -h p1.count -h p2.count
src :: FromDump($IN/mix.pcap, STOP true) -> t :: Tee(4);
t[0] -> Strip(6) -> Unstrip(2) -> Truncate(30) -> Pad(50) -> ToDump(strip.pcap);
t[1] -> hs :: HashSwitch(26, 4);
hs[0] -> h0 :: Counter -> Discard; hs[1] -> h1 :: Counter -> Discard; hs[2] -> h2 :: Counter -> Discard;
t[2] -> rr :: RoundRobinSwitch;
rr[0] -> r0 :: Counter -> Discard; rr[1] -> r1 :: Counter -> Discard; rr[2] -> r2 :: Counter -> Discard;
t[3] -> Paint(1) -> Print(p, 0, PRINTANNO true) -> ps :: PaintSwitch;
ps[0] -> p0 :: Counter -> Discard; ps[1] -> p1 :: Counter -> Discard; ps[2] -> p2 :: Counter -> Discard;
