// RatedUnqueue and BandwidthRatedUnqueue start with a full token bucket of Click's size:
// 20 ms of tokens by default, BURST_SIZE / BURST_DURATION / BURST_BYTES when given (plus
// 131072 bytes for the bandwidth class, which sends while 131072 bytes are left). Counts are
// read 0.3 s in, at least 0.7 s before the next token is due.
// args: -h u1.rate -h u2.rate -h u3.rate -h b1.rate -h b2.rate
InfiniteSource(LIMIT 50, BURST 50) -> Queue(100) -> u1 :: RatedUnqueue(1, BURST_SIZE 7) -> c1 :: Counter -> Discard;
InfiniteSource(LIMIT 50, BURST 50) -> Queue(100) -> u2 :: RatedUnqueue(1, BURST_DURATION 4s) -> c2 :: Counter -> Discard;
InfiniteSource(LIMIT 50, BURST 50) -> Queue(100) -> u3 :: RatedUnqueue(1) -> c3 :: Counter -> Discard;
InfiniteSource(LIMIT 50, BURST 50, LENGTH 100) -> Queue(100) -> b1 :: BandwidthRatedUnqueue(100Bps, BURST_BYTES 1000) -> c4 :: Counter -> Discard;
InfiniteSource(LIMIT 50, BURST 50, LENGTH 1000) -> Queue(100) -> b2 :: BandwidthRatedUnqueue(800bps) -> c5 :: Counter -> Discard;
Script(wait 0.3s, print $(c1.count) $(c2.count) $(c3.count) $(c4.count) $(c5.count), stop);
