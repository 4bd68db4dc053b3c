// args: -h d.count -h q.drops -h q.length -h q.highwater_length -h d2.count -h q2.length
// A pull Discard takes one packet a run (Click's BURST default), so a source pushing five a
// run fills the queue and overflows it; BURST 3 takes three. When the source asks to stop,
// the DriverManager handles it before any other task runs again.
InfiniteSource(LIMIT 60, BURST 5, STOP true) -> q :: Queue(10) -> d :: Discard;
InfiniteSource(LIMIT 60, BURST 5) -> q2 :: Queue(10) -> d2 :: Discard(BURST 3);
DriverManager(wait_stop, print d.count, print q.length, print d2.count)
