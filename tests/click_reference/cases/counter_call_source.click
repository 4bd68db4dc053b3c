// COUNT_CALL writing to the source whose packets the Counter counts (busy up the push
// chain): the source stops after the third packet, as in Click.
src :: InfiniteSource(LENGTH 20, LIMIT 10, BURST 1) -> c :: Counter(COUNT_CALL 3 src.active false) -> Print(p, 4) -> Discard;
Script(wait 0.2s, print "count $(c.count) src $(src.count)", stop);
