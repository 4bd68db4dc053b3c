// args: -h p0.count -h p1.count -h p2.count -h p3.count
m :: Null;
FromDump($IN/mix.pcap, STOP true) -> rr :: RoundRobinSwitch;
rr[0] -> Paint(0) -> m; rr[1] -> Paint(1) -> m; rr[2] -> Paint(2, 16) -> m;
m -> pt :: PaintTee(2) -> ps :: PaintSwitch;
pt[1] -> Print(tee, 0) -> Discard;
ps[0] -> p0 :: Counter -> Discard; ps[1] -> p1 :: Counter -> Discard; ps[2] -> p2 :: Counter -> Discard; ps[3] -> p3 :: Counter -> Discard;
