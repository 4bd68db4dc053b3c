// A queue between two Prints: the push side runs packet by packet, then Unqueue's bursts.
InfiniteSource(LENGTH 20, LIMIT 6, BURST 3, STOP true) -> Print(a, 4) -> q :: Queue -> u :: Unqueue(BURST 4) -> Print(b, 4) -> t :: Tee(2);
t[0] -> Print(c, 4) -> Discard;
t[1] -> Print(d, 4) -> Discard;
