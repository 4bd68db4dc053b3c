// args: -h q.length -h q.highwater_length -h q.drops -h q.capacity -h f.length -h f.drops -h f.highwater_length -h s.length -h s.drops
src :: InfiniteSource(LIMIT 20, STOP true) -> t :: Tee(3);
t[0] -> q :: Queue(8) -> Idle;
t[1] -> f :: FrontDropQueue(5) -> Idle;
t[2] -> s :: SimpleQueue(3) -> Idle;
