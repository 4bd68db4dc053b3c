// Shaper's optional output 1 returns the packets output 0 holds back, so everything gets
// through the two outputs together; BandwidthShaper has the same ports. Rates read back as
// Click prints them.
// args: -h s.rate -h bs.rate -h c.count
InfiniteSource(LIMIT 20, BURST 20) -> Queue(100) -> s :: Shaper(10);
s[0] -> [0]rr :: RoundRobinSched;
s[1] -> [1]rr;
rr -> Unqueue -> c :: Counter -> Discard;
InfiniteSource(LIMIT 20, BURST 20) -> Queue(100) -> bs :: BandwidthShaper(8kbps) -> Unqueue -> Discard;
Script(wait 0.3s, write s.reset, write bs.reset, write s.rate 20, stop);
