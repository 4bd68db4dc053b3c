// Classifier's `program` handler: the optimized decision tree of Ethernet type patterns
// (ARP requests/replies, IP, VLAN-tagged frames), as Click prints it.
// args: -h a.program -h b.program -h v.program -h all.program
Idle -> a :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -) => Discard, Discard, Discard, Discard;
Idle -> b :: Classifier(12/0800, 12/0806 20/0002, -) => Discard, Discard, Discard;
Idle -> v :: Classifier(12/8100 16/0800, 12/8100 16/0806, 12/0800, 12/86dd, -) => Discard, Discard, Discard, Discard, Discard;
Idle -> all :: Classifier(-) -> Discard;
DriverManager(stop);
