// Classifier and IPClassifier warnings for outputs no packet can reach (Click's, printed at
// configuration), IPClassifier's patternN handlers, and a pattern rewritten at run time
// (the configuration changes and the element is configured again).
// args: -h c0.count -h c1.count -h c2.count -h ipc.config -h ipc.pattern1 -h f.pattern1 -h f.handlers
src :: FromDump($IN/mix.pcap, STOP true, ACTIVE false) -> Strip(14) -> CheckIPHeader -> ipc :: IPClassifier(tcp, udp, -);
ipc[0] -> c0 :: Counter -> Discard; ipc[1] -> c1 :: Counter -> Discard; ipc[2] -> c2 :: Counter -> Discard;
Script(write ipc.pattern0 icmp, print $(ipc.config) / $(ipc.pattern0), write src.active true);
Idle -> c :: Classifier(12/0800, 12/0800, -) => Discard, Discard, Discard;
Idle -> c2x :: Classifier(12/0800 14/45, 12/0800, 12/0806 20/0001, 12/0806, -, 12/0800) => Discard, Discard, Discard, Discard, Discard, Discard;
Idle -> c3 :: Classifier(-, -) => Discard, Discard;
Idle -> c4 :: Classifier(!12/0800, 12/0800, -) => Discard, Discard, Discard;
Idle -> d :: IPClassifier(tcp, udp, tcp or udp, -) => Discard, Discard, Discard, Discard;
Idle -> e :: IPClassifier(-, tcp) => Discard, Discard;
Idle -> f :: IPClassifier(dst port 80, tcp dst port 80, src host 1.2.3.4, not src host 1.2.3.4, icmp) => Discard, Discard, Discard, Discard, Discard;
Idle -> g :: IPClassifier(ip proto 6, tcp, udp port 53, dst udp port 53) => Discard, Discard, Discard, Discard;
Idle -> h :: IPFilter(allow tcp, deny tcp, allow all) -> Discard;
