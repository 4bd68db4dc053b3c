// A Print on the pull path and one after Unqueue: Click's Unqueue pushes each packet before
// it pulls the next.
InfiniteSource(LENGTH 20, LIMIT 6, BURST 3, STOP true) -> q :: Queue -> Print(pulled, 4) -> Unqueue(BURST 4) -> Print(pushed, 4) -> Discard;
