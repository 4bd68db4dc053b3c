// RatedSource runs on Click's token bucket: two packets at once at RATE 10, LIMIT kept, reset leaves one token.
a :: RatedSource(LENGTH 20, RATE 10) -> ca :: Counter -> Discard;
b :: RatedSource(LENGTH 20, RATE 100, LIMIT 4) -> cb :: Counter -> Discard;
Script(wait 0.05s, print "50ms $(ca.count) $(cb.count)", wait 0.2s, print "250ms $(ca.count) $(cb.count)", write a.reset, wait 0.05s, print "reset $(ca.count) $(a.count)", stop);
