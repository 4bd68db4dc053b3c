// HostEtherFilter: own frames, and the DROP_OWN/DROP_OTHER variants.
FromDump($IN/mix.pcap, STOP true) -> t :: Tee(2);
t[0] -> f :: HostEtherFilter(00:aa:bb:cc:dd:ee) -> Print(own, 14) -> Discard;
t[1] -> g :: HostEtherFilter(00:11:22:33:44:55, DROP_OWN true, DROP_OTHER false) -> Print(other, 14) -> Discard;
