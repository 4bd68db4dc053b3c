//! ARP for IPv4 over Ethernet (RFC 826).

use std::net::Ipv4Addr;

use super::WireError;
use click_core::EtherAddress;

/// Length of an Ethernet/IPv4 ARP packet.
pub const PACKET_LEN: usize = 28;
/// Request operation.
pub const OP_REQUEST: u16 = 1;
/// Reply operation.
pub const OP_REPLY: u16 = 2;

/// An Ethernet/IPv4 ARP packet as plain values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArpRepr {
    /// Operation (1 request, 2 reply).
    pub op: u16,
    /// Sender hardware address.
    pub sha: EtherAddress,
    /// Sender protocol address.
    pub spa: Ipv4Addr,
    /// Target hardware address.
    pub tha: EtherAddress,
    /// Target protocol address.
    pub tpa: Ipv4Addr,
}

impl ArpRepr {
    /// Parses the bytes after the Ethernet header; only Ethernet/IPv4 ARP is accepted.
    pub fn parse(b: &[u8]) -> Result<ArpRepr, WireError> {
        if b.len() < PACKET_LEN {
            return Err(WireError::Truncated);
        }
        if b[0..2] != [0, 1] || b[2..4] != [0x08, 0x00] || b[4] != 6 || b[5] != 4 {
            return Err(WireError::Malformed);
        }
        let ip = |i: usize| Ipv4Addr::new(b[i], b[i + 1], b[i + 2], b[i + 3]);
        let eth = |i: usize| EtherAddress(b[i..i + 6].try_into().expect("6 bytes"));
        Ok(ArpRepr { op: u16::from_be_bytes([b[6], b[7]]), sha: eth(8), spa: ip(14), tha: eth(18), tpa: ip(24) })
    }

    /// Writes the 28 bytes.
    pub fn emit(&self, b: &mut [u8]) {
        b[0..8].copy_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, 0]);
        b[6..8].copy_from_slice(&self.op.to_be_bytes());
        b[8..14].copy_from_slice(&self.sha.0);
        b[14..18].copy_from_slice(&self.spa.octets());
        b[18..24].copy_from_slice(&self.tha.0);
        b[24..28].copy_from_slice(&self.tpa.octets());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_roundtrip() {
        let bytes =
            [0, 1, 8, 0, 6, 4, 0, 1, 0, 0, 0xc0, 0xae, 0x67, 0xef, 18, 26, 4, 24, 0, 0, 0, 0, 0, 0, 18, 26, 4, 1];
        let r = ArpRepr::parse(&bytes).unwrap();
        assert_eq!(r.op, OP_REQUEST);
        assert_eq!(r.spa, Ipv4Addr::new(18, 26, 4, 24));
        assert_eq!(r.tpa, Ipv4Addr::new(18, 26, 4, 1));
        let mut out = [0u8; 28];
        r.emit(&mut out);
        assert_eq!(out, bytes);
        assert_eq!(ArpRepr::parse(&bytes[..27]), Err(WireError::Truncated));
        let mut bad = bytes;
        bad[4] = 8;
        assert_eq!(ArpRepr::parse(&bad), Err(WireError::Malformed));
    }
}
