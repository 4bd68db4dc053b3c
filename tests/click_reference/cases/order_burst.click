// Two or more Prints make the order packets move in visible: Click's is one packet at a
// time, depth first, whatever the BURST.
src :: InfiniteSource(LENGTH 20, LIMIT 4, BURST 4, STOP true) -> Print(a, 4) -> t :: Tee -> Print(b, 4) -> rr :: RoundRobinSwitch;
t[1] -> Print(c, 4) -> Discard;
rr[0] -> Print(x, 4) -> Discard;
rr[1] -> Print(y, 4) -> ch :: CheckIPHeader -> Print(good, 4) -> Discard;
ch[1] -> Print(bad, 4) -> Discard;
