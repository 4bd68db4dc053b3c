// Every element class's `handlers` handler (names, flags, order), set up without running (-q).
// Not read here: the router's own `handlers` (vrouter adds `drops`, and `timewarp` is
// read-only).
// args: -q -h arpq.handlers -h arpr.handlers -h ai.handlers -h bru.handlers -h bs.handlers -h cip.handlers -h ctcp.handlers -h cudp.handlers -h cnt.handlers -h dec.handlers
// args: -h dil.handlers -h dis.handlers -h db.handlers -h ee.handlers -h er.handlers -h fix.handlers -h fd.handlers -h fdq.handlers -h gip.handlers -h hs.handlers
// args: -h hef.handlers -h icmpe.handlers -h ping.handlers -h ipe.handlers -h frag.handlers -h gw.handlers -h ipp.handlers -h idle.handlers
// args: -h is.handlers -h lil.handlers -h mark.handlers -h null.handlers -h pad.handlers -h paint.handlers -h psw.handlers -h ptee.handlers -h pr.handlers -h prio.handlers -h q.handlers
// args: -h ril.handlers -h rs.handlers -h ru.handlers -h rrs.handlers -h rrsw.handlers -h sip.handlers -h sipc.handlers -h stcp.handlers -h sts.handlers -h sudp.handlers
// args: -h sh.handlers -h sq.handlers -h sil.handlers -h ssw.handlers -h sts2.handlers -h store.handlers -h stride.handlers -h strip.handlers -h stnh.handlers -h sw.handlers -h tee.handlers
// args: -h tsq.handlers -h ts.handlers -h td.handlers -h tr.handlers -h ue.handlers -h uq.handlers -h us.handlers -h vd.handlers -h ve.handlers -h dm.handlers -h scr.handlers -h reass.handlers -h cl.handlers -h ipc.handlers -h ipf.handlers
ai :: AddressInfo(x 1.2.3.4);
dm :: DriverManager(wait 1s);
scr :: Script(wait 1s);
sts2 :: StaticThreadSched(is 0);
idle :: Idle;
is :: InfiniteSource(LIMIT 1) -> cnt :: Counter -> q :: Queue(5) -> uq :: Unqueue -> dis :: Discard;
fd :: FromDump($IN/mix.pcap, ACTIVE false) -> Discard; ts :: TimedSource -> Discard;
rs :: RatedSource(LIMIT 0) -> td :: ToDump(out.pcap);
idle -> arpq :: ARPQuerier(1.0.0.1, 1:1:1:1:1:1) -> arpr :: ARPResponder(1.1.1.1 1:1:1:1:1:1) -> cip :: CheckIPHeader -> ctcp :: CheckTCPHeader -> cudp :: CheckUDPHeader -> dec :: DecIPTTL -> db :: DropBroadcasts -> ee :: EtherEncap(0x800, 1:1:1:1:1:1, 2:2:2:2:2:2) -> er :: EtherRewrite(1:1:1:1:1:1, 2:2:2:2:2:2) -> fix :: FixIPSrc(1.1.1.1) -> gip :: GetIPAddress(16) -> hef :: HostEtherFilter(1:1:1:1:1:1) -> icmpe :: ICMPError(1.1.1.1, unreachable, net) -> ping :: ICMPPingResponder -> ipe :: IPEncap(4, 1.1.1.1, 2.2.2.2) -> frag :: IPFragmenter(1500) -> gw :: IPGWOptions(1.1.1.1) -> ipp :: IPPrint -> reass :: IPReassembler -> mark :: MarkIPHeader -> null :: Null -> pad :: Pad -> paint :: Paint(1) -> pr :: Print -> sip :: SetIPAddress(1.1.1.1) -> sipc :: SetIPChecksum -> stcp :: SetTCPChecksum -> sts :: SetTimestamp -> sudp :: SetUDPChecksum -> store :: StoreIPAddress(1.1.1.1, 16) -> strip :: Strip(14) -> stnh :: StripToNetworkHeader -> tr :: Truncate(100) -> ue :: UDPIPEncap(1.1.1.1, 1, 2.2.2.2, 2) -> us :: Unstrip(14) -> vd :: VLANDecap -> ve :: VLANEncap(1) -> tee :: Tee(1) -> dil :: DirectIPLookup(0/0 0) -> lil :: LinearIPLookup(0/0 0) -> ril :: RadixIPLookup(0/0 0) -> sil :: StaticIPLookup(0/0 0) -> cl :: Classifier(-) -> ipc :: IPClassifier(-) -> ipf :: IPFilter(allow all) -> hs :: HashSwitch(0, 1) -> psw :: PaintSwitch -> ptee :: PaintTee(1) -> rrsw :: RoundRobinSwitch -> ssw :: StaticSwitch(0) -> sw :: Switch(0) -> fdq :: FrontDropQueue -> bs :: BandwidthShaper(1000) -> sh :: Shaper(1000) -> bru :: BandwidthRatedUnqueue(1000) -> sq :: SimpleQueue -> prio :: PrioSched -> ru :: RatedUnqueue(1000) -> tsq :: ThreadSafeQueue -> rrs :: RoundRobinSched -> Unqueue -> q2 :: Queue -> stride :: StrideSched(1) -> Unqueue -> Discard;
arpq[1] -> Discard; frag[1] -> Discard; gw[1] -> Discard; ptee[1] -> Discard; ping[1] -> Discard;
Idle -> [1] arpq;
