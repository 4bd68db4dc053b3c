// mask: [0-9]+\.[0-9]{6}$
// args: -h a.table -h a.stats -h a.length -h b.table -h b.stats -h b.length -h e.table -h e.stats -h e.length
// ARPQuerier's limits, as Click's ARP table applies them: CAPACITY (a packet beyond it is kept,
// the oldest entries' packets dropped down to half), ENTRY_CAPACITY (new entries push out the
// oldest), ENTRY_PACKET_CAPACITY (a packet beyond it is dropped).
a :: ARPQuerier(10.0.0.99, 00:99:99:99:99:99, CAPACITY 4) -> Discard;
b :: ARPQuerier(10.0.0.99, 00:99:99:99:99:99, ENTRY_CAPACITY 3) -> Discard;
e :: ARPQuerier(10.0.0.99, 00:99:99:99:99:99, ENTRY_PACKET_CAPACITY 2) -> Discard;
Idle -> [1]a; Idle -> [1]b; Idle -> [1]e;
src :: InfiniteSource(DATA \<45000014 00000000 40110000 0a000063 0a000001>, LIMIT 12, STOP true) -> rr :: RoundRobinSwitch;
rr[0] -> SetIPAddress(10.0.0.1) -> t0 :: Tee(3); t0[0] -> a; t0[1] -> b; t0[2] -> SetIPAddress(10.0.0.7) -> e;
rr[1] -> SetIPAddress(10.0.0.2) -> t1 :: Tee(3); t1[0] -> a; t1[1] -> b; t1[2] -> SetIPAddress(10.0.0.7) -> e;
rr[2] -> SetIPAddress(10.0.0.3) -> t2 :: Tee(3); t2[0] -> a; t2[1] -> b; t2[2] -> SetIPAddress(10.0.0.7) -> e;
rr[3] -> SetIPAddress(10.0.0.4) -> t3 :: Tee(3); t3[0] -> a; t3[1] -> b; t3[2] -> SetIPAddress(10.0.0.7) -> e;
rr[4] -> SetIPAddress(10.0.0.5) -> t4 :: Tee(3); t4[0] -> a; t4[1] -> b; t4[2] -> SetIPAddress(10.0.0.7) -> e;
rr[5] -> SetIPAddress(10.0.0.6) -> t5 :: Tee(3); t5[0] -> a; t5[1] -> b; t5[2] -> SetIPAddress(10.0.0.7) -> e;
