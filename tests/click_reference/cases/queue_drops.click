// args: -h q.drops -h f.drops -h d1.count -h d2.count
src :: InfiniteSource(LIMIT 20, STOP true) -> t :: Tee(2);
t[0] -> q :: Queue(8) -> Idle; q[1] -> d1 :: Counter -> Print(qdrop, 0) -> Discard;
t[1] -> f :: FrontDropQueue(5) -> Idle; f[1] -> d2 :: Counter -> Discard;
