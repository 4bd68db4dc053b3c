// Script's `stop` ends the script there (as Click: `y` is never printed), a DriverManager
// waiting on a stop request from a source it started, and a Script waiting on a timer when a
// source stops the router (the router stops; the timer never fires).
i :: InfiniteSource(LIMIT 5, STOP true, ACTIVE false) -> c :: Counter -> Discard;
DriverManager(wait 0.1s, write i.active true, wait_stop, print "done" $(c.count), stop, print "after");
Script(print "x", wait 0.05, print "y", stop, print "z");
Script(wait 5s, print "late");
