// args: N=1000
// (a) null path: InfiniteSource -> Discard
InfiniteSource(LENGTH 64, LIMIT $N, STOP true) -> Discard;
