//! Typed views over packet bytes, one protocol per file (smoltcp's `wire` style).
//!
//! Each view (`Ipv4Packet<T>`, `EthernetFrame<T>`, ...) wraps a byte slice. `new_checked`
//! verifies the length once; after that no accessor panics. Field offsets live in one private
//! `field` module per protocol. Views over `&mut [u8]` also have setters. A `Repr` parses a
//! view into plain values and emits them back.

pub mod arp;
pub mod checksum;
pub mod ethernet;
pub mod icmp;
pub mod ipv4;
pub mod tcp;
pub mod udp;

/// A packet too short or malformed for the view asked of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Fewer bytes than the header needs.
    #[error("truncated")]
    Truncated,
    /// A field holds a value the protocol forbids.
    #[error("malformed")]
    Malformed,
    /// The checksum does not verify.
    #[error("bad checksum")]
    Checksum,
}

pub(crate) type Field = std::ops::Range<usize>;
