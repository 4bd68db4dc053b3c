// args: N=1000 -h c.count -h c.byte_count
// (d) push -> Queue -> pull (Unqueue task) -> Discard
InfiniteSource(LENGTH 64, LIMIT $N, STOP true) -> Queue(1000) -> Unqueue -> c :: Counter -> Discard;
