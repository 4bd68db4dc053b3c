// IPClassifier programs for `not`/`!`, `or`, `and`, parentheses, `?:`, `true`/`false`,
// bare values repeating the previous primitive, and an `or` of many values (which Click
// stores sorted for binary search). Unreachable outputs are warned about.
// args: -h n.program -h t.program -h m.program -h p.program -h w.program
Idle -> n :: IPClassifier(not tcp, !(udp or icmp), not (tcp and syn and not ack), -) => Discard, Discard, Discard, Discard;
Idle -> t :: IPClassifier(udp ? dst port 53 : tcp, (tcp or udp) and dst port 53, true, false) => Discard, Discard, Discard, Discard;
Idle -> m :: IPClassifier(tcp dst port 80 or 443 or 22 or 25 or 110 or 143 or 993 or 995 or 8080, src port 1 or 2 or 3 or 4 or 5 or 6 or 7 or 8, -) => Discard, Discard, Discard;
Idle -> p :: IPClassifier(ip proto 1 or ip proto 2 or ip proto 4 or ip proto 47 or ip proto 50 or ip proto 51 or ip proto 132, dst host 10.0.0.1 or dst host 10.0.0.2 or dst host 10.0.0.3 or dst host 10.0.0.4 or dst host 10.0.0.5 or dst host 10.0.0.6 or dst host 10.0.0.7, -) => Discard, Discard, Discard;
Idle -> w :: IPClassifier(-, tcp, src host 1.1.1.1 and tcp port www, src host 1.1.1.1 and udp port 53) => Discard, Discard, Discard, Discard;
DriverManager(stop);
