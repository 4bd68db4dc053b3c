//! TCP headers.

use super::{WireError, checksum};

/// Length of a header without options.
pub const MIN_HEADER_LEN: usize = 20;

/// Flag bits.
pub mod flags {
    /// FIN.
    pub const FIN: u8 = 0x01;
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// PSH.
    pub const PSH: u8 = 0x08;
    /// ACK.
    pub const ACK: u8 = 0x10;
    /// URG.
    pub const URG: u8 = 0x20;
}

/// A view of a TCP segment.
#[derive(Debug, Clone, Copy)]
pub struct TcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpPacket<T> {
    /// Wraps `buffer` after checking it holds the whole header it claims.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let b = buffer.as_ref();
        if b.len() < MIN_HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let hl = usize::from(b[12] >> 4) * 4;
        if hl < MIN_HEADER_LEN {
            return Err(WireError::Malformed);
        }
        if b.len() < hl {
            return Err(WireError::Truncated);
        }
        Ok(TcpPacket { buffer })
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        u16::from_be_bytes([self.b()[0], self.b()[1]])
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        u16::from_be_bytes([self.b()[2], self.b()[3]])
    }

    /// Sequence number.
    pub fn seq(&self) -> u32 {
        u32::from_be_bytes(self.b()[4..8].try_into().expect("4 bytes"))
    }

    /// Acknowledgement number.
    pub fn ack(&self) -> u32 {
        u32::from_be_bytes(self.b()[8..12].try_into().expect("4 bytes"))
    }

    /// Header length in bytes.
    pub fn header_len(&self) -> usize {
        usize::from(self.b()[12] >> 4) * 4
    }

    /// Flag byte.
    pub fn flags(&self) -> u8 {
        self.b()[13]
    }

    /// Window.
    pub fn window(&self) -> u16 {
        u16::from_be_bytes([self.b()[14], self.b()[15]])
    }

    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([self.b()[16], self.b()[17]])
    }

    /// Urgent pointer.
    pub fn urgent(&self) -> u16 {
        u16::from_be_bytes([self.b()[18], self.b()[19]])
    }

    /// Option bytes.
    pub fn options(&self) -> &[u8] {
        &self.b()[MIN_HEADER_LEN..self.header_len()]
    }

    /// True when the checksum over the whole segment (with the IPv4 pseudo-header) verifies.
    pub fn verify_checksum(&self, src: [u8; 4], dst: [u8; 4]) -> bool {
        let ph = checksum::pseudo_header_v4(src, dst, 6, self.b().len() as u16);
        checksum::combine(&[ph, checksum::sum(self.b())]) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> TcpPacket<T> {
    /// Computes and stores the checksum (the buffer is the whole segment).
    pub fn fill_checksum(&mut self, src: [u8; 4], dst: [u8; 4]) {
        self.buffer.as_mut()[16..18].copy_from_slice(&[0, 0]);
        let ph = checksum::pseudo_header_v4(src, dst, 6, self.buffer.as_ref().len() as u16);
        let c = !checksum::combine(&[ph, checksum::sum(self.buffer.as_ref())]);
        self.buffer.as_mut()[16..18].copy_from_slice(&c.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_and_fields() {
        let mut seg = [0u8; 24];
        seg[0..2].copy_from_slice(&1234u16.to_be_bytes());
        seg[2..4].copy_from_slice(&80u16.to_be_bytes());
        seg[4..8].copy_from_slice(&7u32.to_be_bytes());
        seg[12] = 0x50;
        seg[13] = flags::SYN;
        seg[20..24].copy_from_slice(b"data");
        let (src, dst) = ([10, 0, 0, 1], [10, 0, 0, 2]);
        let mut t = TcpPacket::new_checked(&mut seg[..]).unwrap();
        t.fill_checksum(src, dst);
        assert!(t.verify_checksum(src, dst));
        assert_eq!((t.src_port(), t.dst_port(), t.seq(), t.flags(), t.header_len()), (1234, 80, 7, 2, 20));
        seg[21] ^= 1;
        assert!(!TcpPacket::new_checked(&seg[..]).unwrap().verify_checksum(src, dst));
        seg[12] = 0x40;
        assert_eq!(TcpPacket::new_checked(&seg[..]).unwrap_err(), WireError::Malformed);
        seg[12] = 0xf0;
        assert_eq!(TcpPacket::new_checked(&seg[..]).unwrap_err(), WireError::Truncated);
    }
}
