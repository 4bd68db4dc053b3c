// Two queues filled at once, then a scheduler pulled packet by packet.
src :: InfiniteSource(DATA \<01>, LIMIT 4, BURST 4, STOP false) -> qa :: Queue;
src2 :: InfiniteSource(DATA \<02>, LIMIT 4, BURST 4, STOP false) -> qb :: Queue;
qa -> [0]ps :: PrioSched; qb -> [1]ps;
ps -> u :: Unqueue(ACTIVE false) -> Print(p, 1) -> Discard;
src3 :: InfiniteSource(DATA \<03>, LIMIT 4, BURST 4, STOP false) -> qc :: Queue;
src4 :: InfiniteSource(DATA \<04>, LIMIT 4, BURST 4, STOP false) -> qd :: Queue;
qc -> [0]rr :: RoundRobinSched; qd -> [1]rr;
rr -> v :: Unqueue(ACTIVE false) -> Print(r, 1) -> Discard;
Script(wait 0.05s, write u.active true, wait 0.05s, write v.active true, wait 0.05s, stop);
