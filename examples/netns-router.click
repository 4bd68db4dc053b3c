// A two-interface IP router in Click's structure (Click's conf/ip-router), on Linux devices.
//
// Run it as root in a namespace that owns the two devices and gives them no IP addresses
// (the kernel then leaves their IP traffic to the router):
//
//   vrouter run examples/netns-router.click IF0=rA IF1=rB \
//       MAC0=02:00:00:00:01:01 MAC1=02:00:00:00:02:01
//
// GSO=true MTU=65535 passes the kernel's 64 KB TCP/UDP aggregates through the router whole
// (ToDevice has the kernel segment them) instead of segmenting them in FromDevice.
//
// tests/netns_router.rs and benches/linux_forwarding.sh build such a namespace.

define($IF0 rA, $IF1 rB,
       $IP0 10.10.1.1, $IP1 10.10.2.1,
       $NET0 10.10.1.0/24, $NET1 10.10.2.0/24,
       $MAC0 02:00:00:00:01:01, $MAC1 02:00:00:00:02:01,
       $BURST 32, $QUEUE 1024, $SNIFFER false,
       $GSO false, $MTU 1500);

// Devices.
// SNIFFER false: the kernel ignores what arrives on the devices (a tc ingress filter).
fd0 :: FromDevice($IF0, BURST $BURST, SNIFFER $SNIFFER, GSO $GSO);
fd1 :: FromDevice($IF1, BURST $BURST, SNIFFER $SNIFFER, GSO $GSO);
out0 :: Queue($QUEUE) -> td0 :: ToDevice($IF0, BURST $BURST, GSO $GSO);
out1 :: Queue($QUEUE) -> td1 :: ToDevice($IF1, BURST $BURST, GSO $GSO);

// Classify: ARP requests, ARP replies, IP, other.
fd0 -> c0 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
fd1 -> c1 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);

// ARP: answer for our addresses, find the neighbours' with queries.
c0[0] -> ar0 :: ARPResponder($IP0 $MAC0) -> out0;
c1[0] -> ar1 :: ARPResponder($IP1 $MAC1) -> out1;
arpq0 :: ARPQuerier($IP0, $MAC0) -> out0;
arpq1 :: ARPQuerier($IP1, $MAC1) -> out1;
c0[1] -> [1]arpq0;
c1[1] -> [1]arpq1;

// IP input: paint with the interface number, check, look up.
c0[2] -> Paint(1) -> ip :: Strip(14)
    -> CheckIPHeader(INTERFACES $IP0/24 $IP1/24)
    -> rt :: RadixIPLookup($IP0/32 0, $IP1/32 0,
                           10.10.1.255/32 0, 10.10.2.255/32 0,
                           $NET0 1, $NET1 2);
c1[2] -> Paint(2) -> ip;
c0[3] -> Discard;
c1[3] -> Discard;

// Packets for the router itself: answer pings, drop the rest.
rt[0] -> pr :: ICMPPingResponder -> rt;
pr[1] -> Discard;

// Forwarding, one path per output interface.
rt[1] -> DropBroadcasts
    -> cp1 :: PaintTee(1)
    -> gio1 :: IPGWOptions($IP0)
    -> FixIPSrc($IP0)
    -> dt1 :: DecIPTTL
    -> fr1 :: IPFragmenter($MTU)
    -> [0]arpq0;
rt[2] -> DropBroadcasts
    -> cp2 :: PaintTee(2)
    -> gio2 :: IPGWOptions($IP1)
    -> FixIPSrc($IP1)
    -> dt2 :: DecIPTTL
    -> fr2 :: IPFragmenter($MTU)
    -> [0]arpq1;

// ICMP errors go back through the route table.
dt1[1] -> ICMPError($IP0, timeexceeded) -> rt;
fr1[1] -> ICMPError($IP0, unreachable, needfrag) -> rt;
gio1[1] -> ICMPError($IP0, parameterproblem) -> rt;
cp1[1] -> ICMPError($IP0, redirect, host) -> rt;
dt2[1] -> ICMPError($IP1, timeexceeded) -> rt;
fr2[1] -> ICMPError($IP1, unreachable, needfrag) -> rt;
gio2[1] -> ICMPError($IP1, parameterproblem) -> rt;
cp2[1] -> ICMPError($IP1, redirect, host) -> rt;
