// args: -h c.ports -h q.ports -h src.ports -h t.ports -h sw.ports
// The `ports` handler: processing (with ~ for agnostic ports), counts, connections.
src :: InfiniteSource(LIMIT 1, STOP true) -> c :: Counter -> t :: Tee(2) -> q :: Queue -> u :: Unqueue -> d :: Discard;
t[1] -> sw :: PaintSwitch -> Discard;
sw[1] -> [0]q;
