// A Script's first steps run from a timer due at once, as Click's do: after the first round of
// tasks (the source has pushed its five packets by then), so both scripts print 5 first.
src :: InfiniteSource(LIMIT 5, STOP false) -> c :: Counter -> Discard;
Script(print "A" $(c.count), wait 0.05, print "B" $(c.count), stop);
Script(print "C" $(c.count));
