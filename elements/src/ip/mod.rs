//! IPv4: header checks, TTL, options, fragmentation, ICMP errors and route tables.

mod check_ip_header;
mod dec_ip_ttl;
mod drop_broadcasts;
mod fix_ip_src;
mod get_ip_address;
mod icmp_error;
mod icmp_ping_responder;
mod ip_encap;
mod ip_fragmenter;
mod ip_gw_options;
mod ip_print;
mod ip_reassembler;
pub mod lookup;
mod mark_ip_header;
mod route_table;
mod set_ip_address;
mod set_ip_checksum;
mod store_ip_address;
mod transport_checksum;
mod udp_ip_encap;

pub use check_ip_header::CheckIpHeader;
pub use dec_ip_ttl::DecIpTtl;
pub use drop_broadcasts::DropBroadcasts;
pub use fix_ip_src::FixIpSrc;
pub use get_ip_address::GetIpAddress;
pub use icmp_error::IcmpError;
pub use icmp_ping_responder::IcmpPingResponder;
pub use ip_encap::IpEncap;
pub use ip_fragmenter::IpFragmenter;
pub use ip_gw_options::IpGwOptions;
pub use ip_print::IpPrint;
pub use ip_reassembler::IpReassembler;
pub use mark_ip_header::MarkIpHeader;
pub use route_table::{Direct, IpRouteTable, Linear, Radix, Static, TableClass};
pub use set_ip_address::SetIpAddress;
pub use set_ip_checksum::SetIpChecksum;
pub use store_ip_address::StoreIpAddress;
pub use transport_checksum::TransportChecksum;
pub use udp_ip_encap::UdpIpEncap;

use click_core::{ElementClass, Registry};

/// Registers this family's classes.
pub fn register(r: &mut Registry) {
    r.register(ElementClass {
        name: "CheckIPHeader",
        make: || Box::new(CheckIpHeader::default()),
        doc: CheckIpHeader::DOC,
    });
    r.register(ElementClass { name: "DecIPTTL", make: || Box::new(DecIpTtl::default()), doc: DecIpTtl::DOC });
    r.register(ElementClass {
        name: "DropBroadcasts",
        make: || Box::new(DropBroadcasts::default()),
        doc: DropBroadcasts::DOC,
    });
    r.register(ElementClass { name: "FixIPSrc", make: || Box::new(FixIpSrc::default()), doc: FixIpSrc::DOC });
    r.register(ElementClass {
        name: "GetIPAddress",
        make: || Box::new(GetIpAddress::default()),
        doc: GetIpAddress::DOC,
    });
    r.register(ElementClass { name: "ICMPError", make: || Box::new(IcmpError::default()), doc: IcmpError::DOC });
    r.register(ElementClass {
        name: "IPFragmenter",
        make: || Box::new(IpFragmenter::default()),
        doc: IpFragmenter::DOC,
    });
    r.register(ElementClass { name: "IPGWOptions", make: || Box::new(IpGwOptions::default()), doc: IpGwOptions::DOC });
    r.register(ElementClass {
        name: "LinearIPLookup",
        make: || Box::new(IpRouteTable::<Linear>::default()),
        doc: IpRouteTable::<Linear>::DOC,
    });
    r.register(ElementClass {
        name: "StaticIPLookup",
        make: || Box::new(IpRouteTable::<Static>::default()),
        doc: IpRouteTable::<Static>::DOC,
    });
    r.register(ElementClass {
        name: "RadixIPLookup",
        make: || Box::new(IpRouteTable::<Radix>::default()),
        doc: IpRouteTable::<Radix>::DOC,
    });
    r.register(ElementClass {
        name: "DirectIPLookup",
        make: || Box::new(IpRouteTable::<Direct>::default()),
        doc: IpRouteTable::<Direct>::DOC,
    });
    r.register(ElementClass {
        name: "ICMPPingResponder",
        make: || Box::new(IcmpPingResponder::default()),
        doc: IcmpPingResponder::DOC,
    });
    r.register(ElementClass {
        name: "IPReassembler",
        make: || Box::new(IpReassembler::default()),
        doc: IpReassembler::DOC,
    });
    r.register(ElementClass { name: "IPPrint", make: || Box::new(IpPrint::default()), doc: IpPrint::DOC });
    r.register(ElementClass { name: "IPEncap", make: || Box::new(IpEncap::default()), doc: IpEncap::DOC });
    r.register(ElementClass {
        name: "MarkIPHeader",
        make: || Box::new(MarkIpHeader::default()),
        doc: MarkIpHeader::DOC,
    });
    r.register(ElementClass {
        name: "SetIPAddress",
        make: || Box::new(SetIpAddress::default()),
        doc: SetIpAddress::DOC,
    });
    r.register(ElementClass {
        name: "SetIPChecksum",
        make: || Box::new(SetIpChecksum::default()),
        doc: SetIpChecksum::DOC,
    });
    r.register(ElementClass {
        name: "StoreIPAddress",
        make: || Box::new(StoreIpAddress::default()),
        doc: StoreIpAddress::DOC,
    });
    r.register(ElementClass { name: "UDPIPEncap", make: || Box::new(UdpIpEncap::default()), doc: UdpIpEncap::DOC });
    for (name, tcp, set) in [
        ("CheckUDPHeader", false, false),
        ("CheckTCPHeader", true, false),
        ("SetUDPChecksum", false, true),
        ("SetTCPChecksum", true, true),
    ] {
        let make: fn() -> Box<dyn click_core::Element> = match (tcp, set) {
            (false, false) => || Box::new(TransportChecksum::new(false, false)),
            (true, false) => || Box::new(TransportChecksum::new(true, false)),
            (false, true) => || Box::new(TransportChecksum::new(false, true)),
            (true, true) => || Box::new(TransportChecksum::new(true, true)),
        };
        r.register(ElementClass { name, make, doc: TransportChecksum::DOC });
    }
}
