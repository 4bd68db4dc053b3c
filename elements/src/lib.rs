//! The standard element library.
//!
//! One element per file, in folders by family, each documented the way Click documents its
//! elements (synopsis, ports, keywords, handlers, example). [`standard_registry`] returns a
//! registry holding every class here; embedders add their own classes to it.

pub mod classifier;
pub mod ethernet;
#[doc(hidden)]
pub mod fuzzing;
pub mod io;
pub mod ip;
pub mod queue;
pub mod standard;
pub mod wire;

use click_core::{Packet, Registry};

/// Click's EXTRA_LENGTH annotation (a native-endian u32 at byte 28): bytes the packet had on
/// the wire beyond its data, set by Truncate and FromDump, added back by ToDump.
pub(crate) const EXTRA_LENGTH_ANNO: usize = 28;

pub(crate) fn extra_length(p: &Packet) -> u32 {
    u32::from_ne_bytes(p.anno().get(EXTRA_LENGTH_ANNO))
}

/// An Ethernet address as Click's handlers print it (`EtherAddress::unparse`): upper-case hex
/// separated by dashes.
pub(crate) fn ether_dashes(e: click_core::EtherAddress) -> String {
    let a = e.0;
    format!("{:02X}-{:02X}-{:02X}-{:02X}-{:02X}-{:02X}", a[0], a[1], a[2], a[3], a[4], a[5])
}

pub(crate) fn set_extra_length(p: &mut Packet, n: u32) {
    p.anno_mut().set(EXTRA_LENGTH_ANNO, n.to_ne_bytes());
}

/// A registry with every standard element class.
pub fn standard_registry() -> Registry {
    let mut r = Registry::new();
    standard::register(&mut r);
    classifier::register(&mut r);
    ethernet::register(&mut r);
    ip::register(&mut r);
    io::register(&mut r);
    queue::register(&mut r);
    r
}
