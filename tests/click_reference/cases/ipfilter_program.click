// IPFilter's `program` handler: rules with allow/deny/drop/output numbers, Ethernet
// addresses (offsets from two bytes before the MAC header), and a rule set that drops
// everything.
// args: -h a.program -h b.program -h c.program -h d.program -h e.program
Idle -> a :: IPFilter(allow src host 1.2.3.4, deny all) -> Discard;
Idle -> b :: IPFilter(deny all) -> Discard;
Idle -> c :: IPFilter(allow tcp, deny tcp, allow all) -> Discard;
Idle -> d :: IPFilter(drop udp, 1 tcp syn, 0 dst port 22, 1 ether host 00:11:22:33:44:55, allow) => Discard, Discard;
Idle -> e :: IPFilter(allow src ether host 00:11:22:33:44:55, allow dst ether host 00:11:22:33:44:66,
                      allow ip ttl > 5 and ip ttl < 200 and not ip frag and (src net 10.0.0.0/8 or dst net 10.0.0.0/8), deny all) -> Discard;
DriverManager(stop);
