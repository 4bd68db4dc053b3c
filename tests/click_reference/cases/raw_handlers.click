// Raw handlers (InfiniteSource, RatedSource and TimedSource `data`) are printed as they are,
// without the newline other values get; TimedSource's interval as Click prints intervals.
// args: -q -h is.data -h rs.data -h ts.data -h ts.interval -h ts2.interval -h ts3.interval -h ts.headroom -h ts.limit
is :: InfiniteSource(DATA "no newline", LIMIT 0) -> Discard;
rs :: RatedSource(DATA "two\nlines", LIMIT 0) -> Discard;
ts :: TimedSource(0.25, "x") -> Discard;
ts2 :: TimedSource(1.5) -> Discard;
ts3 :: TimedSource(0.0005) -> Discard;
