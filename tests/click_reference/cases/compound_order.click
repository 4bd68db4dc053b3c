// args: -h list
// Element order with compound classes: each scope's own elements, then each compound's.
elementclass Inner { input -> i1 :: Counter -> output }
elementclass Foo { input -> a :: Counter -> in :: Inner -> b :: Null -> output }
elementclass Queue { $a, $b | input -> Queue($a) -> Shaper($b) -> output || $a | input -> Queue($a) -> output }
src :: InfiniteSource(LIMIT 1, STOP true) -> f :: Foo -> g :: Foo -> Queue(10, 5) -> Unqueue -> Discard;
Idle -> Queue(3) -> Unqueue -> Discard;
