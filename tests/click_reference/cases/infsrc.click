// args: -h a.count -h ca.byte_count -h cb.byte_count -h cc.byte_count
a :: InfiniteSource(LIMIT 2, STOP false) -> ca :: Counter -> Print(a, -1) -> Discard;
b :: InfiniteSource(DATA "hello", LENGTH 10, LIMIT 2, STOP false) -> cb :: Counter -> Print(b, -1, CONTENTS ascii) -> Discard;
c :: InfiniteSource(DATA \<0102 0304>, LIMIT 3, STOP true) -> cc :: Counter -> Print(c, -1) -> Discard;
