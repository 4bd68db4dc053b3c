// Two independent pipelines on two threads: each thread runs its own source, counter and
// sink, sharing nothing. `vrouter run examples/two-pipelines.click N=50000000 --report`
// shows each source's rate; compare with one pipeline alone (N packets on one thread).
a :: InfiniteSource(LENGTH 64, LIMIT $N, BURST 32, TIMESTAMP false, STOP true) -> ca :: Counter -> Discard;
b :: InfiniteSource(LENGTH 64, LIMIT $N, BURST 32, TIMESTAMP false, STOP true) -> cb :: Counter -> Discard;
StaticThreadSched(b 1);
DriverManager(wait_stop 2);
