// Classifier programs where Click's optimizer flips single-bit tests, merges tests that
// differ in one bit, and chains many values of one byte; then packets run through the
// tree (short ones included) and are counted per output.
// args: -h bits.program -h one.program -h many.program -h ip.program -h c0.count -h c1.count -h c2.count -h c3.count -h c4.count
Idle -> bits :: Classifier(0/80%80, 0/40%40, 0/20%20, 0/10%10) => Discard, Discard, Discard, Discard;
Idle -> one :: Classifier(0/01, 0/03, 0/02, 0/00) => Discard, Discard, Discard, Discard;
Idle -> many :: Classifier(13/01, 13/02, 13/03, 13/04, 13/05, 13/06, 13/07, 13/08, -) => Discard, Discard, Discard, Discard, Discard, Discard, Discard, Discard, Discard;
FromDump($IN/mix.pcap, STOP true)
  -> ip :: Classifier(12/0800 23/06 36/0050, 12/0800 23/11, 12/0800 23/06, 12/0800, -);
ip[0] -> c0 :: Counter -> Discard; ip[1] -> c1 :: Counter -> Discard; ip[2] -> c2 :: Counter -> Discard;
ip[3] -> c3 :: Counter -> Discard; ip[4] -> c4 :: Counter -> Discard;
