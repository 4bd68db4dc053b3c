// A plain IPv4 network: check, decrement TTL, send back out of the vif.
// $QUEUE and $NET are defined by the host.
FromNetfront(DEVID 0)
  -> Strip(14)
  -> CheckIPHeader
  -> DecIPTTL
  -> EtherEncap(0x0800, 02:00:00:00:00:01, 02:00:00:00:00:fd)
  -> c :: Counter
  -> q :: Queue(${QUEUE-512})
  -> ToNetfront(DEVID 0);
