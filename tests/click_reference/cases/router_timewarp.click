// The router's timewarp handler is writable, as in Click: a factor speeds up (or slows down)
// the clock, so this script's 1022 seconds of waits take about one real second; nowait jumps
// over waits. Bad factors are refused with Click's messages. The router's handlers list is
// Click's (vrouter's own 'drops' handler is readable but not listed).
// args: -h handlers
Script(print $(timewarp), write timewarp 2.5, print $(timewarp), wait 2s, write timewarp 0.1, print $(timewarp), write timewarp 0, print $(timewarp), write timewarp x, write timewarp 1, print $(timewarp), write timewarp 100, wait 20s, write timewarp nowait, print $(timewarp), wait 1000s, print "done", write timewarp 3, print $(timewarp), stop);
