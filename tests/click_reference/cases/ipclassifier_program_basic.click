// IPClassifier's `program` handler: Click's compressed decision tree over IP header words
// (offsets from 256) and transport header words (from 512), for protocols, hosts, nets,
// ports, ICMP types and TCP flags.
// args: -h a.program -h b.program -h c.program -h d.program
Idle -> a :: IPClassifier(tcp port 80, udp, icmp type echo, -) => Discard, Discard, Discard, Discard;
Idle -> b :: IPClassifier(src host 1.2.3.4, dst net 10.0.0.0/8, net 10.0.0.0 mask 255.255.0.0, -) => Discard, Discard, Discard, Discard;
Idle -> c :: IPClassifier(syn, fin ack, tcp opt rst, icmp type 0, icmp type 3 or 11, -) => Discard, Discard, Discard, Discard, Discard, Discard;
Idle -> d :: IPClassifier(src and dst host 1.1.1.1, src or dst host 2.2.2.2, dst port 53, -) => Discard, Discard, Discard, Discard;
DriverManager(stop);
