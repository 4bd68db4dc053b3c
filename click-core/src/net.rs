//! Address types used in configurations and annotations.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An Ethernet (MAC) address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EtherAddress(pub [u8; 6]);

impl EtherAddress {
    /// ff:ff:ff:ff:ff:ff.
    pub const BROADCAST: EtherAddress = EtherAddress([0xff; 6]);

    /// True for a group (multicast or broadcast) address.
    pub fn is_group(&self) -> bool {
        self.0[0] & 1 != 0
    }

    /// True for ff:ff:ff:ff:ff:ff.
    pub fn is_broadcast(&self) -> bool {
        self.0 == [0xff; 6]
    }
}

impl fmt::Display for EtherAddress {
    /// Click's form: colon-separated upper-case hex (`00:00:C0:AE:67:EF`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(f, "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}", b[0], b[1], b[2], b[3], b[4], b[5])
    }
}

impl FromStr for EtherAddress {
    type Err = ();
    /// Accepts `00:00:c0:ae:67:ef`, `00-00-C0-AE-67-EF` (one or two hex digits a byte), and
    /// `0000.c0ae.67ef`.
    fn from_str(s: &str) -> Result<EtherAddress, ()> {
        let mut out = [0u8; 6];
        let parts: Vec<&str> = if s.contains(':') {
            s.split(':').collect()
        } else if s.contains('-') {
            s.split('-').collect()
        } else if s.contains('.') {
            let groups: Vec<&str> = s.split('.').collect();
            if groups.len() != 3 || groups.iter().any(|g| g.len() != 4) {
                return Err(());
            }
            for (i, g) in groups.iter().enumerate() {
                let v = u16::from_str_radix(g, 16).map_err(|_| ())?;
                out[2 * i..2 * i + 2].copy_from_slice(&v.to_be_bytes());
            }
            return Ok(EtherAddress(out));
        } else {
            return Err(());
        };
        if parts.len() != 6 {
            return Err(());
        }
        for (o, p) in out.iter_mut().zip(parts) {
            if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(());
            }
            *o = u8::from_str_radix(p, 16).map_err(|_| ())?;
        }
        Ok(EtherAddress(out))
    }
}

/// An IPv4 address with a netmask (usually a prefix length, but Click allows any mask).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv4Prefix {
    /// The address as written (host bits may be set).
    pub addr: Ipv4Addr,
    /// The mask.
    pub mask: Ipv4Addr,
}

impl Ipv4Prefix {
    /// A prefix from an address and a length (0..=32).
    pub fn new(addr: Ipv4Addr, len: u8) -> Ipv4Prefix {
        Ipv4Prefix { addr, mask: prefix_len_to_mask(len) }
    }

    /// The prefix length, if the mask is contiguous.
    pub fn prefix_len(&self) -> Option<u8> {
        mask_to_prefix_len(self.mask)
    }

    /// The address with host bits cleared.
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) & u32::from(self.mask))
    }

    /// True when `a` lies inside the prefix.
    pub fn contains(&self, a: Ipv4Addr) -> bool {
        u32::from(a) & u32::from(self.mask) == u32::from(self.addr) & u32::from(self.mask)
    }
}

impl fmt::Display for Ipv4Prefix {
    /// `addr/len`, or `addr/mask` for a non-contiguous mask.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.prefix_len() {
            Some(l) => write!(f, "{}/{}", self.addr, l),
            None => write!(f, "{}/{}", self.addr, self.mask),
        }
    }
}

impl FromStr for Ipv4Prefix {
    type Err = ();
    /// `a.b.c.d/len`, `a.b.c.d/m.m.m.m`, or a bare address (a /32). Click also accepts
    /// prefixes with fewer dotted parts (`10/8`).
    fn from_str(s: &str) -> Result<Ipv4Prefix, ()> {
        if let Some(p) = parse_dotted_prefix(s.as_bytes()) {
            return Ok(p);
        }
        let (a, m) = match s.split_once('/') {
            Some((a, m)) => (a, Some(m)),
            None => (s, None),
        };
        let addr = parse_ipv4_partial(a).ok_or(())?;
        let mask = match m {
            None => Ipv4Addr::BROADCAST,
            Some(m) if m.contains('.') => m.parse().map_err(|_| ())?,
            Some(m) => {
                let l: u8 = m.parse().map_err(|_| ())?;
                if l > 32 {
                    return Err(());
                }
                prefix_len_to_mask(l)
            }
        };
        Ok(Ipv4Prefix { addr, mask })
    }
}

/// The common form, `a.b.c.d/len`, in one pass over the bytes (route tables parse 100,000
/// of them at start-up). `None` for anything else, which the general parser then reads:
/// this accepts only what that one accepts (decimal octets without leading zeros, as
/// `Ipv4Addr`'s parser wants, a length of at most 32 without leading zeros), with the same
/// result.
fn parse_dotted_prefix(s: &[u8]) -> Option<Ipv4Prefix> {
    // Parts 0 to 3 are the octets, part 4 the length; each a decimal number being read.
    let mut addr = 0u32;
    let mut part = 0;
    let (mut value, mut digits) = (0u32, 0u32);
    for &c in s {
        if c.is_ascii_digit() {
            // A second digit after a leading zero, or a fourth digit, is not plain.
            if digits == 3 || (digits > 0 && value == 0) {
                return None;
            }
            value = value * 10 + u32::from(c - b'0');
            digits += 1;
            continue;
        }
        // An octet ends at a dot, the last one at the slash.
        let separator = if part < 3 { b'.' } else { b'/' };
        if c != separator || part == 4 || digits == 0 || value > 255 {
            return None;
        }
        addr = addr << 8 | value;
        part += 1;
        (value, digits) = (0, 0);
    }
    (part == 4 && digits > 0 && value <= 32)
        .then(|| Ipv4Prefix { addr: Ipv4Addr::from(addr), mask: prefix_len_to_mask(value as u8) })
}

/// Parses a full dotted quad, or with a prefix a shortened one (`10`, `10.1`, `10.1.2`).
fn parse_ipv4_partial(s: &str) -> Option<Ipv4Addr> {
    if let Ok(a) = s.parse() {
        return Some(a);
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut b = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        b[i] = p.parse().ok()?;
    }
    Some(Ipv4Addr::from(b))
}

/// The mask of a prefix length.
pub fn prefix_len_to_mask(len: u8) -> Ipv4Addr {
    let len = len.min(32) as u32;
    Ipv4Addr::from(if len == 0 { 0 } else { u32::MAX << (32 - len) })
}

/// The prefix length of a contiguous mask.
pub fn mask_to_prefix_len(mask: Ipv4Addr) -> Option<u8> {
    let m = u32::from(mask);
    let len = m.leading_ones();
    (m.checked_shl(len).unwrap_or(0) == 0).then_some(len as u8)
}

/// An IPv6 address with a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv6Prefix {
    /// The address.
    pub addr: Ipv6Addr,
    /// The prefix length, 0..=128.
    pub len: u8,
}

impl fmt::Display for Ipv6Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl FromStr for Ipv6Prefix {
    type Err = ();
    fn from_str(s: &str) -> Result<Ipv6Prefix, ()> {
        let (a, l) = s.split_once('/').unwrap_or((s, "128"));
        let len: u8 = l.parse().map_err(|_| ())?;
        if len > 128 {
            return Err(());
        }
        Ok(Ipv6Prefix { addr: a.parse().map_err(|_| ())?, len })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The one-pass parser of `a.b.c.d/len` gives what the general parser gives for
        /// every string it accepts (leading zeros, long numbers, missing or extra parts, other
        /// characters included), and accepts the plain form.
        #[test]
        fn the_quick_prefix_parser_agrees_with_the_general_one(
            s in proptest::prop_oneof!["[0-9./a]{0,20}", "[0-9]{1,4}(\\.[0-9]{1,4}){1,4}(/[0-9]{0,3})?"],
        ) {
            if let Some(p) = parse_dotted_prefix(s.as_bytes()) {
                let (a, m) = s.split_once('/').unwrap();
                let general = Ipv4Prefix { addr: parse_ipv4_partial(a).unwrap(), mask: prefix_len_to_mask(m.parse().unwrap()) };
                proptest::prop_assert_eq!(p, general);
                proptest::prop_assert!(m.parse::<u8>().unwrap() <= 32);
            }
        }

        /// Near misses of the plain form: octets and lengths just past their limits, with and
        /// without leading zeros.
        #[test]
        fn the_quick_prefix_parser_agrees_on_near_misses(
            parts in proptest::collection::vec((0u32..300, proptest::bool::weighted(0.2)), 4),
            len in 0u32..40,
            zero_len: bool,
        ) {
            let num = |v: u32, zero: bool| if zero { format!("0{v}") } else { v.to_string() };
            let quad: Vec<String> = parts.iter().map(|&(v, z)| num(v, z)).collect();
            let text = format!("{}/{}", quad.join("."), num(len, zero_len));
            let plain = parts.iter().all(|&(v, z)| v <= 255 && !z) && len <= 32 && !zero_len;
            let quick = parse_dotted_prefix(text.as_bytes());
            proptest::prop_assert_eq!(quick.is_some(), plain, "{}", text);
            if let Some(p) = quick {
                let bytes: Vec<u8> = parts.iter().map(|&(v, _)| v as u8).collect();
                let want = Ipv4Prefix { addr: Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]), mask: prefix_len_to_mask(len as u8) };
                proptest::prop_assert_eq!(p, want);
            }
        }

        #[test]
        fn plain_prefixes_take_the_quick_path(a: [u8; 4], len in 0u8..=32) {
            let text = format!("{}.{}.{}.{}/{len}", a[0], a[1], a[2], a[3]);
            let want = Ipv4Prefix { addr: Ipv4Addr::from(a), mask: prefix_len_to_mask(len) };
            proptest::prop_assert_eq!(parse_dotted_prefix(text.as_bytes()), Some(want));
            proptest::prop_assert_eq!(text.parse::<Ipv4Prefix>(), Ok(want));
        }
    }

    #[test]
    fn ether_forms() {
        let e: EtherAddress = "00:00:c0:ae:67:ef".parse().unwrap();
        assert_eq!(e.to_string(), "00:00:C0:AE:67:EF");
        assert_eq!("0-0-C0-AE-67-EF".parse::<EtherAddress>(), Ok(e));
        assert_eq!("0000.c0ae.67ef".parse::<EtherAddress>(), Ok(e));
        assert!("00:00:c0:ae:67".parse::<EtherAddress>().is_err());
        assert!("00:00:c0:ae:67:zz".parse::<EtherAddress>().is_err());
        assert!(EtherAddress::BROADCAST.is_group());
    }

    #[test]
    fn ipv4_prefixes() {
        let p: Ipv4Prefix = "10.0.1.0/24".parse().unwrap();
        assert_eq!(p.prefix_len(), Some(24));
        assert!(p.contains(Ipv4Addr::new(10, 0, 1, 200)));
        assert!(!p.contains(Ipv4Addr::new(10, 0, 2, 1)));
        let m: Ipv4Prefix = "10.0.0.0/255.255.0.0".parse().unwrap();
        assert_eq!(m.to_string(), "10.0.0.0/16");
        assert_eq!("18/8".parse::<Ipv4Prefix>().unwrap().network(), Ipv4Addr::new(18, 0, 0, 0));
        assert_eq!("1.2.3.4".parse::<Ipv4Prefix>().unwrap().prefix_len(), Some(32));
        assert!("1.2.3.4/33".parse::<Ipv4Prefix>().is_err());
        assert_eq!(mask_to_prefix_len(Ipv4Addr::new(255, 0, 255, 0)), None);
        assert_eq!(mask_to_prefix_len(Ipv4Addr::new(0, 0, 0, 0)), Some(0));
    }
}
