// RatedSource's BANDWIDTH (whole packets a second, a bucket of two packets' bytes when LENGTH
// is given) and RATE 0 (the one token the bucket starts with, then nothing).
z :: RatedSource(LENGTH 20, RATE 0) -> cz :: Counter -> Discard;
bw :: RatedSource(LENGTH 100, BANDWIDTH 8kbps) -> cbw :: Counter -> Discard;
bw2 :: RatedSource(BANDWIDTH 100kBps) -> Discard;
Script(wait 0.35s, print "$(cz.count) $(cbw.count) $(bw.rate) $(bw2.rate)", stop);
