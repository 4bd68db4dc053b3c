//! ICMP messages (RFC 792).

use super::{WireError, checksum};

/// ICMP header length (type, code, checksum, 4 bytes of rest-of-header).
pub const HEADER_LEN: usize = 8;

/// Message types.
pub mod kind {
    /// Echo reply.
    pub const ECHO_REPLY: u8 = 0;
    /// Destination unreachable.
    pub const UNREACHABLE: u8 = 3;
    /// Source quench.
    pub const SOURCE_QUENCH: u8 = 4;
    /// Redirect.
    pub const REDIRECT: u8 = 5;
    /// Echo request.
    pub const ECHO: u8 = 8;
    /// Time exceeded.
    pub const TIME_EXCEEDED: u8 = 11;
    /// Parameter problem.
    pub const PARAMETER_PROBLEM: u8 = 12;
    /// Timestamp request.
    pub const TIMESTAMP: u8 = 13;
    /// Timestamp reply.
    pub const TIMESTAMP_REPLY: u8 = 14;
}

/// The type named `name` (Click's names: `unreachable`, `timeexceeded`, ...) or a number.
pub fn type_from_name(name: &str) -> Option<u8> {
    Some(match name.to_ascii_lowercase().as_str() {
        "echoreply" | "echo-reply" => kind::ECHO_REPLY,
        "unreachable" => kind::UNREACHABLE,
        "sourcequench" => kind::SOURCE_QUENCH,
        "redirect" => kind::REDIRECT,
        "echo" => kind::ECHO,
        "timeexceeded" => kind::TIME_EXCEEDED,
        "parameterproblem" => kind::PARAMETER_PROBLEM,
        "timestamp" => kind::TIMESTAMP,
        "timestampreply" | "timestamp-reply" => kind::TIMESTAMP_REPLY,
        "routeradvert" => 9,
        "routersolicit" => 10,
        "inforeq" => 15,
        "inforeq-reply" => 16,
        "maskreq" => 17,
        "maskreq-reply" => 18,
        other => return other.parse().ok(),
    })
}

/// The code named `name` for messages of type `ty`, or a number.
pub fn code_from_name(ty: u8, name: &str) -> Option<u8> {
    let n = name.to_ascii_lowercase();
    let code = match (ty, n.as_str()) {
        (kind::UNREACHABLE, "net") => 0,
        (kind::UNREACHABLE, "host") => 1,
        (kind::UNREACHABLE, "protocol") => 2,
        (kind::UNREACHABLE, "port") => 3,
        (kind::UNREACHABLE, "needfrag") => 4,
        (kind::UNREACHABLE, "srcroutefail") => 5,
        (kind::UNREACHABLE, "netunknown") => 6,
        (kind::UNREACHABLE, "hostunknown") => 7,
        (kind::UNREACHABLE, "isolated") => 8,
        (kind::UNREACHABLE, "netprohibited" | "netprohib") => 9,
        (kind::UNREACHABLE, "hostprohibited" | "hostprohib") => 10,
        (kind::UNREACHABLE, "tosnet") => 11,
        (kind::UNREACHABLE, "toshost") => 12,
        (kind::UNREACHABLE, "filterprohibited" | "filterprohib") => 13,
        (kind::UNREACHABLE, "hostprecedence") => 14,
        (kind::UNREACHABLE, "precedencecutoff") => 15,
        (kind::REDIRECT, "net") => 0,
        (kind::REDIRECT, "host") => 1,
        (kind::REDIRECT, "tosnet") => 2,
        (kind::REDIRECT, "toshost") => 3,
        (kind::TIME_EXCEEDED, "transit") => 0,
        (kind::TIME_EXCEEDED, "reassembly") => 1,
        (kind::PARAMETER_PROBLEM, "erroratptr") => 0,
        (kind::PARAMETER_PROBLEM, "missingopt") => 1,
        (kind::PARAMETER_PROBLEM, "length") => 2,
        _ => return n.parse().ok(),
    };
    Some(code)
}

/// Click's name for an ICMP type.
pub fn type_name(t: u8) -> Option<&'static str> {
    Some(match t {
        0 => "echo-reply",
        3 => "unreachable",
        4 => "sourcequench",
        5 => "redirect",
        8 => "echo",
        9 => "routeradvert",
        10 => "routersolicit",
        11 => "timeexceeded",
        12 => "parameterproblem",
        13 => "timestamp",
        14 => "timestamp-reply",
        15 => "inforeq",
        16 => "inforeq-reply",
        17 => "maskreq",
        18 => "maskreq-reply",
        _ => return None,
    })
}

/// Click's name for a code of an ICMP type.
pub fn code_name(t: u8, c: u8) -> Option<&'static str> {
    const UNREACH: [&str; 16] = [
        "net",
        "host",
        "protocol",
        "port",
        "needfrag",
        "srcroutefail",
        "netunknown",
        "hostunknown",
        "isolated",
        "netprohibited",
        "hostprohibited",
        "tosnet",
        "toshost",
        "filterprohibited",
        "hostprecedence",
        "precedencecutoff",
    ];
    let table: &[&str] = match t {
        kind::UNREACHABLE => &UNREACH,
        kind::REDIRECT => &["net", "host", "tosnet", "toshost"],
        kind::TIME_EXCEEDED => &["transit", "reassembly"],
        kind::PARAMETER_PROBLEM => &["erroratptr", "missingopt", "length"],
        _ => &[],
    };
    table.get(usize::from(c)).copied()
}

/// A view of an ICMP message.
#[derive(Debug, Clone, Copy)]
pub struct IcmpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> IcmpPacket<T> {
    /// Wraps `buffer` after checking it holds a header.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        Ok(IcmpPacket { buffer })
    }

    /// Message type.
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[0]
    }

    /// Message code.
    pub fn code(&self) -> u8 {
        self.buffer.as_ref()[1]
    }

    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([self.buffer.as_ref()[2], self.buffer.as_ref()[3]])
    }

    /// Identifier (echo messages).
    pub fn echo_ident(&self) -> u16 {
        u16::from_be_bytes([self.buffer.as_ref()[4], self.buffer.as_ref()[5]])
    }

    /// Sequence number (echo messages).
    pub fn echo_seq(&self) -> u16 {
        u16::from_be_bytes([self.buffer.as_ref()[6], self.buffer.as_ref()[7]])
    }

    /// True when the checksum over the whole message verifies.
    pub fn verify_checksum(&self) -> bool {
        checksum::verifies(self.buffer.as_ref())
    }

    /// Bytes after the 8-byte header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> IcmpPacket<T> {
    /// Sets the type.
    pub fn set_msg_type(&mut self, v: u8) {
        self.buffer.as_mut()[0] = v;
    }

    /// Sets the code.
    pub fn set_code(&mut self, v: u8) {
        self.buffer.as_mut()[1] = v;
    }

    /// Sets the 4 rest-of-header bytes.
    pub fn set_rest(&mut self, v: [u8; 4]) {
        self.buffer.as_mut()[4..8].copy_from_slice(&v);
    }

    /// Computes and stores the checksum over the whole message.
    pub fn fill_checksum(&mut self) {
        self.buffer.as_mut()[2..4].copy_from_slice(&[0, 0]);
        let c = checksum::checksum(self.buffer.as_ref());
        self.buffer.as_mut()[2..4].copy_from_slice(&c.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_request() {
        // An echo request, id 0x1234 seq 1, payload "hi".
        let mut b = [8u8, 0, 0, 0, 0x12, 0x34, 0, 1, b'h', b'i'];
        let mut p = IcmpPacket::new_checked(&mut b[..]).unwrap();
        p.fill_checksum();
        assert!(p.verify_checksum());
        assert_eq!((p.msg_type(), p.code(), p.echo_ident(), p.echo_seq()), (kind::ECHO, 0, 0x1234, 1));
        assert_eq!(p.payload(), b"hi");
        assert_eq!(type_from_name("timeexceeded"), Some(11));
        assert_eq!(code_from_name(kind::UNREACHABLE, "needfrag"), Some(4));
        assert_eq!(code_from_name(kind::REDIRECT, "host"), Some(1));
        assert_eq!(code_from_name(kind::REDIRECT, "bogus"), None);
    }
}
