// Handlers written at run time (Script), then read: live reconfiguration through `config`,
// Click's keyword handlers (which rewrite the configuration, EtherRewrite's `src` setting its
// second argument as Click's does), VLANEncap's config and keyword handlers, Counter's
// count_call, Unqueue's limit, ARPResponder's lookup/add/remove, route tables' lookup and
// ctrl, StrideSched's tickets, RatedUnqueue's calls, task handlers.
is :: InfiniteSource(LIMIT 3, ACTIVE false) -> q :: Queue(5) -> u :: Unqueue(LIMIT 2) -> ipe :: IPEncap(4, 1.1.1.1, 2.2.2.2) -> c :: Counter -> Discard;
Idle -> er :: EtherRewrite(1:1:1:1:1:1, 2:2:2:2:2:2) -> ee :: EtherEncap(0x800, 3:3:3:3:3:3, 4:4:4:4:4:4) -> ve :: VLANEncap(VLAN_TCI 0xa123) -> ve2 :: VLANEncap(ANNO, NATIVE_VLAN 4) -> Discard;
Idle -> ar :: ARPResponder(10.0.0.0/8 2:2:2:2:2:2, 1.1.1.1 1:1:1:1:1:1) -> rt :: RadixIPLookup(10.0.0.0/8 1, 0/0 18.26.4.1 0) -> Discard;
rt[1] -> Discard;
Idle -> Queue -> [0] st :: StrideSched(3, 5) -> Unqueue -> Discard; Idle -> Queue -> [1] st;
Idle -> Queue -> ru :: RatedUnqueue(1000) -> Discard;
Script(print $(q.config) "/" $(ipe.config) "/" $(is.scheduled) $(is.tickets),
       write q.config 7, print $(q.config) $(q.capacity), write q.capacity 3, print $(q.config) $(q.capacity),
       write ipe.src 9.9.9.9, print $(ipe.config) "/" $(ipe.src),
       write er.src 5:5:5:5:5:5, print $(er.config) "/" $(er.src) $(er.dst),
       write ee.ethertype 0x86dd, write ee.dst 6:6:6:6:6:6, print $(ee.config) "/" $(ee.ethertype) $(ee.dst),
       print $(ve.config) "/" $(ve.vlan_tci) $(ve.vlan_id) $(ve.vlan_pcp) "/" $(ve.native_vlan) $(ve.ethertype),
       print $(ve2.config) "/" $(ve2.vlan_tci) $(ve2.vlan_id) $(ve2.native_vlan),
       write c.count_call 2 st.tickets0 4,
       write is.active true, wait 0.1, print $(c.count) $(u.count) $(u.limit) $(q.length) $(u.active),
       write u.limit 10, write u.active true, wait 0.1, print $(c.count) $(u.count) $(q.length),
       write is.config LIMIT 5, write is.active true, wait 0.1, print $(is.config) $(is.count) $(c.count),
       print $(ar.lookup 10.1.2.3) / $(ar.lookup 1.1.1.1) / $(ar.lookup 3.3.3.3) /,
       write ar.add 3.3.3.0/24 3:3:3:3:3:3, write ar.remove 1.1.1.1/32, print $(ar.lookup 3.3.3.3) / $(ar.lookup 1.1.1.1) /,
       print $(rt.lookup 10.9.9.9) / $(rt.lookup 8.8.8.8),
       write rt.ctrl add 8.8.0.0/16 1, print $(rt.lookup 8.8.8.8) / $(rt.lookup 10.9.9.9),
       print $(st.config) / $(st.tickets0) $(st.tickets1) $(c.count_call), write st.tickets1 9, print $(st.config),
       print $(ru.config) $(ru.rate) $(ru.active), write ru.rate 500, print $(ru.config) $(ru.rate),
       write is.tickets 2048, print $(is.tickets),
       stop);
