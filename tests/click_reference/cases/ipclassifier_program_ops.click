// IPClassifier programs for relations (< > <= >= !=, compiled into tests of top bits),
// masks, header fields (ttl, tos, dscp, len, id, vers, hl, win), ECN, fragments and
// `ip[POS:LEN]` / `tcp[POS]` fields.
// args: -h r.program -h f.program -h e.program -h b.program
Idle -> r :: IPClassifier(tcp dst port 80 or 443, src port > 1023, dst port <= 1023, src port >= 49152, ip ttl != 64, -) => Discard, Discard, Discard, Discard, Discard, Discard;
Idle -> f :: IPClassifier(ip ttl < 64, ip tos 0, ip dscp 46, ip len >= 100, ip id 5, ip vers 4 and ip hl 5, tcp win > 1000) => Discard, Discard, Discard, Discard, Discard, Discard, Discard;
Idle -> e :: IPClassifier(ip ect, ip ce, ip frag, ip unfrag, ip ttl 5 or 6 or 7, ip len & 0xff00 = 0x100) => Discard, Discard, Discard, Discard, Discard, Discard;
Idle -> b :: IPClassifier(ip[9] 17, tcp[13] & 2 != 0, ip[0:2] > 0x4500, tcp[2:2] 80, -) => Discard, Discard, Discard, Discard, Discard;
DriverManager(stop);
