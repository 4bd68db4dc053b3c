// args: -h lin.table -h sta.table -h rad.table -h dir.table
src :: InfiniteSource(LIMIT 1, STOP true) -> Discard;
lin :: LinearIPLookup(10.0.0.0/8 1, 10.1.0.0/16 10.1.0.1 2, 0.0.0.0/0 18.26.4.1 0, 1.2.3.4 3);
sta :: StaticIPLookup(10.0.0.0/8 1, 10.1.0.0/16 10.1.0.1 2, 0.0.0.0/0 18.26.4.1 0, 1.2.3.4 3);
rad :: RadixIPLookup(10.0.0.0/8 1, 10.1.0.0/16 10.1.0.1 2, 0.0.0.0/0 18.26.4.1 0, 1.2.3.4 3);
dir :: DirectIPLookup(10.0.0.0/8 1, 10.1.0.0/16 10.1.0.1 2, 0.0.0.0/0 18.26.4.1 0, 1.2.3.4 3);
Idle -> lin; Idle -> sta; Idle -> rad; Idle -> dir;
lin[0], lin[1], lin[2], lin[3] -> Discard;
sta[0], sta[1], sta[2], sta[3] -> Discard;
rad[0], rad[1], rad[2], rad[3] -> Discard;
dir[0], dir[1], dir[2], dir[3] -> Discard;
