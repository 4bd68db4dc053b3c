// Packets through IPClassifier and IPFilter, which run Click's program: whole captures
// (fragments included, where port tests look at first fragments only) sorted by ports,
// protocols, TCP flags, fragment bits and relations, counted per output.
// args: -h a0.count -h a1.count -h a2.count -h a3.count -h a4.count -h a5.count -h f0.count -h f1.count -h g0.count -h g1.count -h g2.count
src :: FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> CheckIPHeader
  -> a :: IPClassifier(tcp dst port 80 or 443, udp port 53, ip frag, icmp type echo or echo-reply, src port > 1023 and ip ttl < 128, -);
a[0] -> a0 :: Counter -> Discard; a[1] -> a1 :: Counter -> Discard; a[2] -> a2 :: Counter -> Discard;
a[3] -> a3 :: Counter -> Discard; a[4] -> a4 :: Counter -> Discard; a[5] -> a5 :: Counter -> Discard;
FromDump($IN/frags.pcap, STOP false) -> Strip(14) -> CheckIPHeader
  -> f :: IPFilter(deny ip frag and not udp, 1 udp, allow all);
f[0] -> f0 :: Counter -> Discard; f[1] -> f1 :: Counter -> Discard;
FromDump($IN/opts.pcap, STOP false) -> Strip(14) -> CheckIPHeader
  -> g :: IPClassifier(syn and not ack, tcp[13] & 0x12 = 0x12, -);
g[0] -> g0 :: Counter -> Discard; g[1] -> g1 :: Counter -> Discard; g[2] -> g2 :: Counter -> Discard;
