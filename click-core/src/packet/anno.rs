//! Packet annotations: Click's 48-byte annotation area plus typed metadata.
//!
//! Byte offsets follow Click so that elements which take an annotation offset as an argument
//! (`Paint(COLOR, ANNO)`, `SetAnnoByte`) mean the same thing here.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Size of the annotation area in bytes.
pub const ANNO_SIZE: usize = 48;

/// Offsets of the named annotations in the area, as in Click.
pub mod offset {
    /// IPv4 destination address annotation (4 bytes), set by route lookups.
    pub const DST_IP: usize = 0;
    /// IPv6 destination address annotation (16 bytes); overlaps `DST_IP`.
    pub const DST_IP6: usize = 0;
    /// Paint annotation (1 byte).
    pub const PAINT: usize = 16;
    /// ICMP parameter-problem pointer annotation (1 byte).
    pub const ICMP_PARAM_PROB: usize = 17;
    /// Fix-IP-source flag (1 byte).
    pub const FIX_IP_SRC: usize = 18;
    /// VLAN tag control information (2 bytes, host order).
    pub const VLAN_TCI: usize = 20;
    /// Aggregate number (4 bytes).
    pub const AGGREGATE: usize = 24;
    /// Packet number (4 bytes).
    pub const PACKET_NUMBER: usize = 32;
    /// Sequence number (4 bytes).
    pub const SEQUENCE_NUMBER: usize = 36;
    /// First byte free for user elements; bytes 40..48 are never used by the standard elements.
    pub const USER_FREE: usize = 40;
}

/// What the link layer says about a packet's destination (Linux's packet types).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    /// Addressed to this host.
    #[default]
    Host = 0,
    /// Link-layer broadcast.
    Broadcast = 1,
    /// Link-layer multicast.
    Multicast = 2,
    /// Addressed to another host.
    OtherHost = 3,
    /// Sent by this host.
    Outgoing = 4,
    /// Looped back.
    Loopback = 5,
    /// Fast-routed.
    FastRoute = 6,
}

impl PacketType {
    /// The type from its number; unknown numbers map to `OtherHost`.
    pub fn from_u8(v: u8) -> PacketType {
        match v {
            0 => PacketType::Host,
            1 => PacketType::Broadcast,
            2 => PacketType::Multicast,
            4 => PacketType::Outgoing,
            5 => PacketType::Loopback,
            6 => PacketType::FastRoute,
            _ => PacketType::OtherHost,
        }
    }

    /// Click's name for the type (`HOST`, `BROADCAST`, ...).
    pub fn click_name(self) -> &'static str {
        match self {
            PacketType::Host => "HOST",
            PacketType::Broadcast => "BROADCAST",
            PacketType::Multicast => "MULTICAST",
            PacketType::OtherHost => "OTHERHOST",
            PacketType::Outgoing => "OUTGOING",
            PacketType::Loopback => "LOOPBACK",
            PacketType::FastRoute => "FASTROUTE",
        }
    }
}

/// A point in time with nanosecond resolution, as seconds and nanoseconds since the Unix
/// epoch. Zero means "not set", as in Click.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    nanos: i64,
}

impl Timestamp {
    /// The zero (unset) timestamp.
    pub const ZERO: Timestamp = Timestamp { nanos: 0 };

    /// From nanoseconds since the epoch.
    pub const fn from_nanos(nanos: i64) -> Timestamp {
        Timestamp { nanos }
    }

    /// From seconds and microseconds (pcap's resolution).
    pub const fn from_sec_usec(sec: i64, usec: i64) -> Timestamp {
        Timestamp { nanos: sec * 1_000_000_000 + usec * 1_000 }
    }

    /// The current wall-clock time: one `clock_gettime(CLOCK_REALTIME)`, as Click reads it
    /// (warped by the `timewarp` handler, see [`crate::clock`]).
    /// (`SystemTime::now().duration_since(UNIX_EPOCH)` costs twice as many instructions, and
    /// sources stamp every burst.)
    #[inline]
    pub fn now() -> Timestamp {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime writes one timespec into the valid, exclusively borrowed `ts`.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &raw mut ts) };
        if rc != 0 {
            // Cannot happen for CLOCK_REALTIME; fall back on the standard library.
            let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            return Timestamp { nanos: crate::clock::warp_wall(d.as_nanos() as i64) };
        }
        Timestamp { nanos: crate::clock::warp_wall(ts.tv_sec * 1_000_000_000 + ts.tv_nsec) }
    }

    /// Nanoseconds since the epoch.
    pub const fn nanos(self) -> i64 {
        self.nanos
    }

    /// Whole seconds.
    pub const fn sec(self) -> i64 {
        self.nanos.div_euclid(1_000_000_000)
    }

    /// Nanoseconds within the second.
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos.rem_euclid(1_000_000_000) as u32
    }

    /// True when set.
    pub const fn is_set(self) -> bool {
        self.nanos != 0
    }
}

impl fmt::Display for Timestamp {
    /// Click's form (nanosecond build): seconds, a dot, and microseconds
    /// (`1163716537.128930`), or nanoseconds when the time is not a whole number of
    /// microseconds (`1163716537.128930001`); a negative time is its magnitude after a `-`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sign, sec, subsec) = if self.nanos >= 0 {
            ("", self.sec().unsigned_abs(), self.subsec_nanos())
        } else {
            let m = self.nanos.unsigned_abs();
            ("-", m / 1_000_000_000, (m % 1_000_000_000) as u32)
        };
        if subsec % 1000 == 0 {
            write!(f, "{sign}{sec}.{:06}", subsec / 1000)
        } else {
            write!(f, "{sign}{sec}.{subsec:09}")
        }
    }
}

/// The annotation area and the typed annotations of a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Annotations {
    /// The raw 48-byte area (Click's `anno()`).
    pub bytes: [u8; ANNO_SIZE],
    /// Arrival or creation time.
    pub timestamp: Timestamp,
    /// Link-layer packet type.
    pub packet_type: PacketType,
    /// Index of the device the packet arrived on, if known (0 = unknown).
    pub device: u32,
}

impl Default for Annotations {
    fn default() -> Annotations {
        Annotations { bytes: [0; ANNO_SIZE], timestamp: Timestamp::ZERO, packet_type: PacketType::Host, device: 0 }
    }
}

impl Annotations {
    /// Reads `N` bytes at `offset`; offsets beyond the area read zeros.
    #[inline]
    pub fn get<const N: usize>(&self, offset: usize) -> [u8; N] {
        let mut out = [0u8; N];
        if let Some(src) = self.bytes.get(offset..offset + N) {
            out.copy_from_slice(src);
        }
        out
    }

    /// Writes `N` bytes at `offset`; writes beyond the area are ignored.
    #[inline]
    pub fn set<const N: usize>(&mut self, offset: usize, value: [u8; N]) {
        if let Some(dst) = self.bytes.get_mut(offset..offset + N) {
            dst.copy_from_slice(&value);
        }
    }

    /// The IPv4 destination address annotation.
    #[inline]
    pub fn dst_ip(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.get::<4>(offset::DST_IP))
    }

    /// Sets the IPv4 destination address annotation.
    #[inline]
    pub fn set_dst_ip(&mut self, a: Ipv4Addr) {
        self.set(offset::DST_IP, a.octets());
    }

    /// The IPv6 destination address annotation.
    pub fn dst_ip6(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.get::<16>(offset::DST_IP6))
    }

    /// Sets the IPv6 destination address annotation.
    pub fn set_dst_ip6(&mut self, a: Ipv6Addr) {
        self.set(offset::DST_IP6, a.octets());
    }

    /// The paint (color) annotation.
    #[inline]
    pub fn paint(&self) -> u8 {
        self.bytes[offset::PAINT]
    }

    /// Sets the paint annotation.
    #[inline]
    pub fn set_paint(&mut self, color: u8) {
        self.bytes[offset::PAINT] = color;
    }

    /// The VLAN TCI annotation (stored in network byte order, as Click stores it, so that
    /// Print's PRINTANNO shows the same bytes).
    pub fn vlan_tci(&self) -> u16 {
        u16::from_be_bytes(self.get(offset::VLAN_TCI))
    }

    /// Sets the VLAN TCI annotation.
    pub fn set_vlan_tci(&mut self, tci: u16) {
        self.set(offset::VLAN_TCI, tci.to_be_bytes());
    }

    /// The packet number annotation.
    pub fn packet_number(&self) -> u32 {
        u32::from_ne_bytes(self.get(offset::PACKET_NUMBER))
    }

    /// Sets the packet number annotation.
    pub fn set_packet_number(&mut self, n: u32) {
        self.set(offset::PACKET_NUMBER, n.to_ne_bytes());
    }

    /// The sequence number annotation.
    pub fn sequence_number(&self) -> u32 {
        u32::from_ne_bytes(self.get(offset::SEQUENCE_NUMBER))
    }

    /// Sets the sequence number annotation.
    pub fn set_sequence_number(&mut self, n: u32) {
        self.set(offset::SEQUENCE_NUMBER, n.to_ne_bytes());
    }

    /// The aggregate annotation.
    pub fn aggregate(&self) -> u32 {
        u32::from_ne_bytes(self.get(offset::AGGREGATE))
    }

    /// Sets the aggregate annotation.
    pub fn set_aggregate(&mut self, n: u32) {
        self.set(offset::AGGREGATE, n.to_ne_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_annotations_at_click_offsets() {
        let mut a = Annotations::default();
        a.set_dst_ip(Ipv4Addr::new(10, 0, 0, 1));
        a.set_paint(7);
        a.set_packet_number(0x01020304);
        assert_eq!(&a.bytes[0..4], &[10, 0, 0, 1]);
        assert_eq!(a.bytes[16], 7);
        assert_eq!(a.packet_number(), 0x01020304);
        assert_eq!(a.dst_ip(), Ipv4Addr::new(10, 0, 0, 1));
        // Out-of-range accesses are harmless.
        a.set::<4>(46, [1, 2, 3, 4]);
        assert_eq!(a.get::<4>(46), [0; 4]);
    }

    #[test]
    fn timestamp_prints_like_click() {
        let t = Timestamp::from_sec_usec(1163716537, 128930);
        assert_eq!(t.to_string(), "1163716537.128930");
        // Nanoseconds only when there are some; negative times as a sign and a magnitude.
        assert_eq!(Timestamp::from_nanos(1_500_000_001).to_string(), "1.500000001");
        assert_eq!(Timestamp::from_nanos(-1).to_string(), "-0.000000001");
        assert_eq!(Timestamp::from_nanos(-1_500_000_000).to_string(), "-1.500000");
    }
}
