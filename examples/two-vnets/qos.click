// An IPv4 network with QoS: its uplink is shaped to 15,000 frames/s, and DSCP EF traffic
// (TOS 0xb8) is served first, so it all gets through while bulk traffic takes what is left.
FromNetfront(DEVID 0)
  -> Strip(14)
  -> CheckIPHeader
  -> DecIPTTL
  -> EtherEncap(0x0800, 02:00:00:00:00:02, 02:00:00:00:00:fd)
  -> cl :: IPClassifier(ip tos 0xb8, -);
cl[0] -> hi :: Queue(${QUEUE-512}) -> [0]ps :: PrioSched;
cl[1] -> lo :: Queue(${QUEUE-512}) -> [1]ps;
ps -> RatedUnqueue(RATE 15000, BURST 32) -> ToNetfront(DEVID 0);
