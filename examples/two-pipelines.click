// Two independent pipelines on two threads: each thread runs its own source, counter and
// sink, sharing nothing (thread 0 keeps only the DriverManager). Both run for the same two
// seconds:
//   vrouter run examples/two-pipelines.click -h ca.count -h cb.count
// and one pipeline alone, for comparison (b stays idle):
//   vrouter run examples/two-pipelines.click B=false -h ca.count
a :: InfiniteSource(LENGTH 64, BURST 32, TIMESTAMP false) -> ca :: Counter -> Discard;
b :: InfiniteSource(LENGTH 64, BURST 32, TIMESTAMP false, ACTIVE ${B-true}) -> cb :: Counter -> Discard;
StaticThreadSched(a 1, b 2);
DriverManager(wait 2s, stop);
