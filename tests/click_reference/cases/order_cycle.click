// A push cycle in a router that delivers one packet at a time: the packet that comes back
// to the counter (still busy on the stack) waits until it returns, then goes on; none is lost.
InfiniteSource(LENGTH 20, LIMIT 3, BURST 3, STOP true) -> Print(a, 4) -> Paint(1) -> c :: Counter -> s :: PaintSwitch;
s[0] -> Print(zero, 4) -> Discard;
s[1] -> Paint(2) -> Print(back, 4) -> c;
s[2] -> Print(out, 4) -> Discard;
// args: -h c.count
