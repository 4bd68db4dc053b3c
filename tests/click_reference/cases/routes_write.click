// args: -h lin.table -h rad.table -h dir.table
lin :: LinearIPLookup(10.0.0.0/8 1, 0.0.0.0/0 18.26.4.1 0, 10.3.0.0/16 2);
rad :: RadixIPLookup(10.0.0.0/8 1, 0.0.0.0/0 18.26.4.1 0, 10.3.0.0/16 2);
dir :: DirectIPLookup(10.0.0.0/8 1, 0.0.0.0/0 18.26.4.1 0, 10.3.0.0/16 2);
Idle -> lin; Idle -> rad; Idle -> dir;
lin[0], lin[1], lin[2] -> Discard;
rad[0], rad[1], rad[2] -> Discard;
dir[0], dir[1], dir[2] -> Discard;
Script(write lin.add 192.168.0.0/16 2, write rad.add 192.168.0.0/16 2, write dir.add 192.168.0.0/16 2,
       write lin.remove 10.0.0.0/8, write rad.remove 10.0.0.0/8, write dir.remove 10.0.0.0/8,
       write lin.add 10.2.0.0/16 10.2.0.1 1, write rad.add 10.2.0.0/16 10.2.0.1 1, write dir.add 10.2.0.0/16 10.2.0.1 1,
       write lin.set 0.0.0.0/0 1.1.1.1 1, write rad.set 0.0.0.0/0 1.1.1.1 1, write dir.set 0.0.0.0/0 1.1.1.1 1,
       write lin.remove 10.3.0.0/16, write rad.remove 10.3.0.0/16, write dir.remove 10.3.0.0/16,
       write lin.add 1.0.0.0/8 0, write rad.add 1.0.0.0/8 0, write dir.add 1.0.0.0/8 0,
       write lin.set 192.168.0.0/16 1, write rad.set 192.168.0.0/16 1, write dir.set 192.168.0.0/16 1,
       write lin.add 5.5.5.5/32 5.5.5.1 2, write rad.add 5.5.5.5/32 5.5.5.1 2, write dir.add 5.5.5.5/32 5.5.5.1 2,
       stop);
