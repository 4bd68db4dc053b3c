// args: -h c.count -h c.byte_count -h c2.count
src :: InfiniteSource(LIMIT 10, STOP false) -> c :: Counter -> c2 :: Counter(COUNT_CALL 5 c2.reset) -> q :: Queue -> Unqueue -> Discard;
Script(wait 0.05s, read c.count, write c.reset, read c.count, read c.byte_count, stop);
