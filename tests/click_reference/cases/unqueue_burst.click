// Unqueue's BURST as Click reads it back (a negative BURST is unlimited), and Click's
// initialize-time warning for BURST 0.
// args: -q -h u.burst -h u2.burst -h u3.burst
Idle -> Queue -> u :: Unqueue(0) -> Discard;
Idle -> Queue -> u2 :: Unqueue(-1) -> Discard;
Idle -> Queue -> u3 :: Unqueue(BURST 16) -> Discard;
