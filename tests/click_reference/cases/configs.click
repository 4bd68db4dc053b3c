// args: -q -h c.config -h ic.config -h rt.config -h p.config -h s.config -h is.config -h e.config
is :: InfiniteSource(DATA \<0102 0304>, LIMIT 1, STOP true) -> c :: Classifier(12/0800 /* ip */, -) -> ic :: IPClassifier(tcp or udp,
   -) -> rt :: RadixIPLookup(10.0.0.0/8 1,
      0/0 10.0.0.1 0) -> p :: Print("a b", 20) -> s :: Strip(14) -> e :: EtherEncap(0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2) -> Discard;
c[1] -> Discard; ic[1] -> Discard; rt[1] -> Discard;
