// args: -h c.count -h q.capacity -h p.active -h t.nbytes
src :: InfiniteSource(LIMIT 5, STOP false) -> c :: Counter -> q :: Queue(10) -> u :: Unqueue -> p :: Print(x, 4) -> t :: Truncate(10) -> Discard;
Script(wait 0.05s, read c.count, write q.capacity 20, write p.active false, write t.nbytes 20, print "done", read q.capacity, stop);
