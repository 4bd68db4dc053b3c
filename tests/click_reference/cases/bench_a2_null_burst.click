// args: N=1000
// (a2) null path variant: no per-packet timestamp, BURST 32 per task run
InfiniteSource(LENGTH 64, LIMIT $N, STOP true, TIMESTAMP false, BURST 32) -> Discard;
