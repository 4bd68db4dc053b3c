// Paths that print and paths that do not, under one router that delivers one packet at a
// time: the Prints interleave as in Click, the quiet path gets every packet too.
src :: InfiniteSource(LENGTH 20, LIMIT 8, BURST 4, STOP true) -> Print(a, 4) -> rr :: RoundRobinSwitch;
rr[0] -> q :: Counter -> Strip(1) -> quiet :: Counter -> Discard;
rr[1] -> Print(b, 4) -> t :: Tee;
t[0] -> Discard;
t[1] -> loud :: Counter -> Discard;
// args: -h q.count -h quiet.count -h loud.count
