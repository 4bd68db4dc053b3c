// FromDump's time window, as Click's: START / START_AFTER skip packets, END / END_AFTER /
// INTERVAL call the end handler (by default NAME.active false; END_CALL another handler,
// after which reading goes on unless the element is inactive; extend_interval moves END);
// TIMING may be given second without its keyword, and counts from the first packet read.
// args: -h c1.count -h c2.count -h c3.count -h c4.count -h c5.count -h c6.count -h c7.count -h f1.active -h f2.active -h f3.active -h f4.active -h f5.active -h f6.active -h f7.active
f1 :: FromDump($IN/mix.pcap, START_AFTER 2.5) -> c1 :: Counter -> Discard;
f2 :: FromDump($IN/mix.pcap, START 1000000003.5, END_AFTER 7) -> c2 :: Counter -> Discard;
f3 :: FromDump($IN/mix.pcap, START_AFTER 5, INTERVAL 3) -> c3 :: Counter -> Discard;
f4 :: FromDump($IN/mix.pcap, END 1000000004.004007) -> c4 :: Counter -> Discard;
f5 :: FromDump($IN/mix.pcap, END_AFTER 2, END_CALL c5.reset) -> c5 :: Counter -> Discard;
f6 :: FromDump($IN/mix.pcap, END_AFTER 20.5, END_CALL f6.extend_interval 2) -> c6 :: Counter -> Discard;
f7 :: FromDump($IN/mix.pcap, true, START_AFTER 1) -> c7 :: Counter -> Discard;
Script(wait 0.2s, stop);
