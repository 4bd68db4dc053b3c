// args: N=1000
// (a3) null path variant: no per-packet timestamp, BURST 1
InfiniteSource(LENGTH 64, LIMIT $N, STOP true, TIMESTAMP false) -> Discard;
