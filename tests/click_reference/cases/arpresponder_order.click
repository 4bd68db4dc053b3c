// ARPResponder orders its entries as Click does (a prefix inside another first) and answers
// with the first entry that matches; `add` and `remove` change the table.
ar :: ARPResponder(10.0.0.0/8 2:2:2:2:2:2, 1.1.1.1 1:1:1:1:1:1, 10.1.0.0/16 3:3:3:3:3:3, 0/0 5:5:5:5:5:5);
Idle -> ar -> Discard;
Script(print $(ar.table), print $(ar.lookup 10.1.2.5) $(ar.lookup 1.1.1.1) $(ar.lookup 10.9.9.9) $(ar.lookup 8.8.8.8),
       write ar.add 10.1.2.0/24 7:7:7:7:7:7, print $(ar.lookup 10.1.2.5), print $(ar.table),
       write ar.remove 10.0.0.0/8, print $(ar.lookup 10.9.9.9), print $(ar.table), stop);
