// args: N=1000 -h c.count -h c.byte_count
// (b) counter path
InfiniteSource(LENGTH 64, LIMIT $N, STOP true) -> c :: Counter -> Discard;
