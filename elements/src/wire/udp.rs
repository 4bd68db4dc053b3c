//! UDP headers.

use super::{WireError, checksum};

/// UDP header length.
pub const HEADER_LEN: usize = 8;

/// A view of a UDP datagram.
#[derive(Debug, Clone, Copy)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    /// Wraps `buffer` after checking it holds a header.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        Ok(UdpPacket { buffer })
    }

    fn u16_at(&self, i: usize) -> u16 {
        u16::from_be_bytes([self.buffer.as_ref()[i], self.buffer.as_ref()[i + 1]])
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        self.u16_at(0)
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        self.u16_at(2)
    }

    /// Length field (header and payload).
    pub fn len(&self) -> u16 {
        self.u16_at(4)
    }

    /// True when the length field says there is no payload.
    pub fn is_empty(&self) -> bool {
        self.len() as usize <= HEADER_LEN
    }

    /// Checksum field (0: none).
    pub fn checksum(&self) -> u16 {
        self.u16_at(6)
    }

    /// True when the checksum is absent or verifies with the IPv4 pseudo-header.
    pub fn verify_checksum(&self, src: [u8; 4], dst: [u8; 4]) -> bool {
        if self.checksum() == 0 {
            return true;
        }
        let len = (self.len() as usize).min(self.buffer.as_ref().len());
        let ph = checksum::pseudo_header_v4(src, dst, 17, self.len());
        checksum::combine(&[ph, checksum::sum(&self.buffer.as_ref()[..len])]) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> UdpPacket<T> {
    /// Sets the ports.
    pub fn set_ports(&mut self, src: u16, dst: u16) {
        self.buffer.as_mut()[0..2].copy_from_slice(&src.to_be_bytes());
        self.buffer.as_mut()[2..4].copy_from_slice(&dst.to_be_bytes());
    }

    /// Sets the length field.
    pub fn set_len(&mut self, len: u16) {
        self.buffer.as_mut()[4..6].copy_from_slice(&len.to_be_bytes());
    }

    /// Computes and stores the checksum with the IPv4 pseudo-header.
    pub fn fill_checksum(&mut self, src: [u8; 4], dst: [u8; 4]) {
        self.buffer.as_mut()[6..8].copy_from_slice(&[0, 0]);
        let len = (self.len() as usize).min(self.buffer.as_ref().len());
        let ph = checksum::pseudo_header_v4(src, dst, 17, self.len());
        let mut c = !checksum::combine(&[ph, checksum::sum(&self.buffer.as_ref()[..len])]);
        if c == 0 {
            c = 0xffff;
        }
        self.buffer.as_mut()[6..8].copy_from_slice(&c.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_roundtrip() {
        let mut b = [0x13u8, 0x69, 0x13, 0x69, 0x00, 0x0c, 0, 0, b'U', b'D', b'P', b'!'];
        let (src, dst) = ([1, 0, 0, 1], [2, 0, 0, 2]);
        let mut u = UdpPacket::new_checked(&mut b[..]).unwrap();
        u.fill_checksum(src, dst);
        assert!(u.verify_checksum(src, dst));
        assert_eq!((u.src_port(), u.dst_port(), u.len()), (4969, 4969, 12));
        b[8] ^= 1;
        assert!(!UdpPacket::new_checked(&b[..]).unwrap().verify_checksum(src, dst));
    }
}
