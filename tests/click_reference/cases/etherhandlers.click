// args: -h e.src -h e.dst -h e.ethertype -h r.src -h r.dst
InfiniteSource(DATA \<00aabbccddee 001122334455 0800 4500>, LIMIT 2, STOP true) -> e :: EtherEncap(0x0800, 1:2:3:4:5:6, 0a:0b:0c:0d:0e:0f) -> r :: EtherRewrite(1:1:1:1:1:1, 2:2:2:2:2:2) -> Discard;
