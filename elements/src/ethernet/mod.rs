//! Ethernet encapsulation and ARP.

mod arp_responder;
mod ether_encap;

pub use arp_responder::ArpResponder;
pub use ether_encap::EtherEncap;

use click_core::{ElementClass, Registry};

/// Registers this family's classes.
pub fn register(r: &mut Registry) {
    r.register(ElementClass { name: "EtherEncap", make: || Box::new(EtherEncap::default()), doc: EtherEncap::DOC });
    r.register(ElementClass {
        name: "ARPResponder",
        make: || Box::new(ArpResponder::default()),
        doc: ArpResponder::DOC,
    });
}
