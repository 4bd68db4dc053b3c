//! Ethernet: encapsulation, rewriting, VLAN tags, host filtering, ARP and bridging.

mod arp_querier;
mod arp_responder;
mod ether_encap;
mod ether_rewrite;
mod ether_switch;
mod host_ether_filter;
mod vlan_decap;
mod vlan_encap;

pub use arp_querier::ArpQuerier;
pub use arp_responder::ArpResponder;
pub use ether_encap::EtherEncap;
pub use ether_rewrite::EtherRewrite;
pub use ether_switch::EtherSwitch;
pub use host_ether_filter::HostEtherFilter;
pub use vlan_decap::VlanDecap;
pub use vlan_encap::VlanEncap;

use click_core::{ElementClass, Registry};

/// Registers this family's classes.
pub fn register(r: &mut Registry) {
    r.register(ElementClass { name: "EtherEncap", make: || Box::new(EtherEncap::default()), doc: EtherEncap::DOC });
    r.register(ElementClass {
        name: "EtherRewrite",
        make: || Box::new(EtherRewrite::default()),
        doc: EtherRewrite::DOC,
    });
    r.register(ElementClass { name: "EtherSwitch", make: || Box::new(EtherSwitch::default()), doc: EtherSwitch::DOC });
    r.register(ElementClass {
        name: "HostEtherFilter",
        make: || Box::new(HostEtherFilter::default()),
        doc: HostEtherFilter::DOC,
    });
    r.register(ElementClass { name: "VLANEncap", make: || Box::new(VlanEncap::default()), doc: VlanEncap::DOC });
    r.register(ElementClass { name: "VLANDecap", make: || Box::new(VlanDecap::default()), doc: VlanDecap::DOC });
    r.register(ElementClass {
        name: "ARPResponder",
        make: || Box::new(ArpResponder::default()),
        doc: ArpResponder::DOC,
    });
    r.register(ElementClass { name: "ARPQuerier", make: || Box::new(ArpQuerier::default()), doc: ArpQuerier::DOC });
}
