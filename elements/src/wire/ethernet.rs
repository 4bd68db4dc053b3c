//! Ethernet II frames.

use super::{Field, WireError};
use click_core::EtherAddress;

mod field {
    use super::Field;
    pub(super) const DST: Field = 0..6;
    pub(super) const SRC: Field = 6..12;
    pub(super) const ETHERTYPE: Field = 12..14;
}

/// Length of an Ethernet header.
pub const HEADER_LEN: usize = 14;

/// EtherType values.
pub mod ethertype {
    /// IPv4.
    pub const IPV4: u16 = 0x0800;
    /// ARP.
    pub const ARP: u16 = 0x0806;
    /// 802.1Q VLAN tag.
    pub const VLAN: u16 = 0x8100;
    /// IPv6.
    pub const IPV6: u16 = 0x86dd;
}

/// A view of an Ethernet frame.
#[derive(Debug, Clone, Copy)]
pub struct EthernetFrame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EthernetFrame<T> {
    /// Wraps `buffer` after checking it holds a header.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        Ok(EthernetFrame { buffer })
    }

    /// Destination address.
    pub fn dst(&self) -> EtherAddress {
        EtherAddress(self.buffer.as_ref()[field::DST].try_into().expect("6 bytes"))
    }

    /// Source address.
    pub fn src(&self) -> EtherAddress {
        EtherAddress(self.buffer.as_ref()[field::SRC].try_into().expect("6 bytes"))
    }

    /// EtherType.
    pub fn ethertype(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::ETHERTYPE];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The bytes after the header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EthernetFrame<T> {
    /// Sets the destination address.
    pub fn set_dst(&mut self, a: EtherAddress) {
        self.buffer.as_mut()[field::DST].copy_from_slice(&a.0);
    }

    /// Sets the source address.
    pub fn set_src(&mut self, a: EtherAddress) {
        self.buffer.as_mut()[field::SRC].copy_from_slice(&a.0);
    }

    /// Sets the EtherType.
    pub fn set_ethertype(&mut self, t: u16) {
        self.buffer.as_mut()[field::ETHERTYPE].copy_from_slice(&t.to_be_bytes());
    }
}

/// An Ethernet header as plain values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EthernetRepr {
    /// Source.
    pub src: EtherAddress,
    /// Destination.
    pub dst: EtherAddress,
    /// EtherType.
    pub ethertype: u16,
}

impl EthernetRepr {
    /// Reads the header of `frame`.
    pub fn parse<T: AsRef<[u8]>>(frame: &EthernetFrame<T>) -> EthernetRepr {
        EthernetRepr { src: frame.src(), dst: frame.dst(), ethertype: frame.ethertype() }
    }

    /// Writes the header into `frame`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, frame: &mut EthernetFrame<T>) {
        frame.set_dst(self.dst);
        frame.set_src(self.src);
        frame.set_ethertype(self.ethertype);
    }

    /// The header as 14 bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[field::DST].copy_from_slice(&self.dst.0);
        b[field::SRC].copy_from_slice(&self.src.0);
        b[field::ETHERTYPE].copy_from_slice(&self.ethertype.to_be_bytes());
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: [u8; 16] = [0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0x00];

    #[test]
    fn parse_and_emit() {
        let f = EthernetFrame::new_checked(&FRAME[..]).unwrap();
        let r = EthernetRepr::parse(&f);
        assert_eq!(r.dst.to_string(), "00:00:00:00:00:02");
        assert_eq!(r.src.to_string(), "00:00:00:00:00:01");
        assert_eq!(r.ethertype, ethertype::IPV4);
        assert_eq!(f.payload(), &[0x45, 0x00]);
        assert_eq!(&r.to_bytes()[..], &FRAME[..14]);
        let mut buf = [0u8; 14];
        r.emit(&mut EthernetFrame::new_checked(&mut buf[..]).unwrap());
        assert_eq!(buf, FRAME[..14]);
        assert_eq!(EthernetFrame::new_checked(&FRAME[..13]).unwrap_err(), WireError::Truncated);
    }
}
