// Classifier programs with negated clauses and `-`, and the outputs Click's optimized tree
// shows no packet can reach (warned about at configuration).
// args: -h n1.program -h n2.program -h n3.program -h n4.program -h n5.program
Idle -> n1 :: Classifier(!12/0800, 12/0800, -) => Discard, Discard, Discard;
Idle -> n2 :: Classifier(!12/0800, !12/0806, -) => Discard, Discard, Discard;
Idle -> n3 :: Classifier(!0/01 !1/02, 2/03, -) => Discard, Discard, Discard;
Idle -> n4 :: Classifier(12/0800 !23/06 !23/11, 12/0800 !300/ff, -, 12/0806) => Discard, Discard, Discard, Discard;
Idle -> n5 :: Classifier(-, 12/0800) => Discard, Discard;
DriverManager(stop);
