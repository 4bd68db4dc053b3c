// args: -h c.count -h c.byte_count -h q.length -h q.highwater_length -h q.drops -h q.capacity -h c.class -h c.name -h c.config -h q.config -h src.count -h list
src :: InfiniteSource(DATA \<00112233445566778899aabb0800>, LIMIT 20, STOP true);
src -> c :: Counter -> q :: Queue(8) -> Unqueue -> Discard;
