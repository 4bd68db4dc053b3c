// Configure-time warnings Click prints on standard error (the configuration is still used):
// duplicate ARPResponder entries (the last one is kept), duplicate routes (the first is kept),
// StrideSched tickets above the maximum.
// args: -q -h ar.table -h rt.table -h rad.table -h dir.table -h st.tickets0
Idle -> ar :: ARPResponder(10.0.0.0/8 1:1:1:1:1:1, 10.1.0.0/16 3:3:3:3:3:3, 10.0.0.0/8 2:2:2:2:2:2) -> Discard;
Idle -> rt :: LinearIPLookup(10.0.0.0/8 0, 10.0.0.0/8 1, 10.0.0.0/8 1.1.1.1 1) -> Discard; rt[1] -> Discard;
Idle -> rad :: RadixIPLookup(10.0.0.0/8 0, 10.0.0.0/8 1) -> Discard; rad[1] -> Discard;
Idle -> dir :: DirectIPLookup(0/0 1, 10.0.0.0/8 0, 0/0 1.2.3.4 0) -> Discard; dir[1] -> Discard;
Idle -> Queue -> st :: StrideSched(40000) -> Unqueue -> Discard;
