// Classifier programs with masks, don't-care nibbles, clauses that do not start on a word
// boundary or span several words, and offsets far beyond the first 64 bytes.
// args: -h m.program -h q.program -h far.program -h span.program
Idle -> m :: Classifier(0/01%01, 0/00%01) => Discard, Discard;
Idle -> q :: Classifier(12/08??, 14/????0800, 13/0f%0f) => Discard, Discard, Discard;
Idle -> far :: Classifier(100/0800%0fff 200/12345678, 64/aabbccddeeff, 1500/ff, -) => Discard, Discard, Discard, Discard;
Idle -> span :: Classifier(15/01020304050607, 3/ff, 1/0f%0f) => Discard, Discard, Discard;
DriverManager(stop);
