//! IPv4: header checks, TTL, options, fragmentation, ICMP errors and route tables.

mod check_ip_header;
mod dec_ip_ttl;
mod drop_broadcasts;
mod fix_ip_src;
mod get_ip_address;
mod icmp_error;
mod ip_fragmenter;
mod ip_gw_options;
pub mod lookup;
mod route_table;

pub use check_ip_header::CheckIpHeader;
pub use dec_ip_ttl::DecIpTtl;
pub use drop_broadcasts::DropBroadcasts;
pub use fix_ip_src::FixIpSrc;
pub use get_ip_address::GetIpAddress;
pub use icmp_error::IcmpError;
pub use ip_fragmenter::IpFragmenter;
pub use ip_gw_options::IpGwOptions;
pub use route_table::{Direct, IpRouteTable, Linear, Radix, Static, TableClass};

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
}
