// One raw handler alone: printed without its name and without a newline.
// args: -q -h is.data
is :: InfiniteSource(DATA "bytes", LIMIT 0) -> Discard;
