//! `xen/io/netif.h`: the paravirtual network interface.

use super::grant::GrantRef;
use super::ring::{PAGE_SIZE, Sring, const_ring_size};

/// `XEN_NETIF_NR_SLOTS_MIN`: slots a back end must accept for one packet.
pub const XEN_NETIF_NR_SLOTS_MIN: u32 = 18;
/// `XEN_NETIF_MAX_TX_SIZE`: the largest packet a TX request may describe.
pub const XEN_NETIF_MAX_TX_SIZE: u32 = 0xFFFF;

/// `NETTXF_csum_blank`: the protocol checksum is blank (offload).
pub const NETTXF_CSUM_BLANK: u16 = 1 << 0;
/// `NETTXF_data_validated`: the data has been validated against its checksum.
pub const NETTXF_DATA_VALIDATED: u16 = 1 << 1;
/// `NETTXF_more_data`: the packet continues in the next request.
pub const NETTXF_MORE_DATA: u16 = 1 << 2;
/// `NETTXF_extra_info`: extra-info descriptors follow this request.
pub const NETTXF_EXTRA_INFO: u16 = 1 << 3;

/// `NETRXF_data_validated`: the data has been validated against its checksum.
pub const NETRXF_DATA_VALIDATED: u16 = 1 << 0;
/// `NETRXF_csum_blank`: the protocol checksum is blank (offload).
pub const NETRXF_CSUM_BLANK: u16 = 1 << 1;
/// `NETRXF_more_data`: the packet continues in the next response.
pub const NETRXF_MORE_DATA: u16 = 1 << 2;
/// `NETRXF_extra_info`: extra-info descriptors follow this response.
pub const NETRXF_EXTRA_INFO: u16 = 1 << 3;
/// `NETRXF_gso_prefix`: the packet has a GSO prefix (deprecated).
pub const NETRXF_GSO_PREFIX: u16 = 1 << 4;

/// `NETIF_RSP_DROPPED`.
pub const NETIF_RSP_DROPPED: i16 = -2;
/// `NETIF_RSP_ERROR`.
pub const NETIF_RSP_ERROR: i16 = -1;
/// `NETIF_RSP_OKAY`.
pub const NETIF_RSP_OKAY: i16 = 0;
/// `NETIF_RSP_NULL`: no response (for auxiliary requests such as extra info).
pub const NETIF_RSP_NULL: i16 = 1;

/// `XEN_NETIF_EXTRA_TYPE_NONE` (never used).
pub const XEN_NETIF_EXTRA_TYPE_NONE: u8 = 0;
/// `XEN_NETIF_EXTRA_TYPE_GSO`.
pub const XEN_NETIF_EXTRA_TYPE_GSO: u8 = 1;
/// `XEN_NETIF_EXTRA_TYPE_MCAST_ADD`.
pub const XEN_NETIF_EXTRA_TYPE_MCAST_ADD: u8 = 2;
/// `XEN_NETIF_EXTRA_TYPE_MCAST_DEL`.
pub const XEN_NETIF_EXTRA_TYPE_MCAST_DEL: u8 = 3;
/// `XEN_NETIF_EXTRA_TYPE_HASH`.
pub const XEN_NETIF_EXTRA_TYPE_HASH: u8 = 4;
/// `XEN_NETIF_EXTRA_TYPE_MAX`.
pub const XEN_NETIF_EXTRA_TYPE_MAX: u8 = 5;
/// `XEN_NETIF_EXTRA_FLAG_MORE`: another extra-info descriptor follows.
pub const XEN_NETIF_EXTRA_FLAG_MORE: u8 = 1 << 0;
/// `XEN_NETIF_GSO_TYPE_NONE`.
pub const XEN_NETIF_GSO_TYPE_NONE: u8 = 0;
/// `XEN_NETIF_GSO_TYPE_TCPV4`.
pub const XEN_NETIF_GSO_TYPE_TCPV4: u8 = 1;
/// `XEN_NETIF_GSO_TYPE_TCPV6`.
pub const XEN_NETIF_GSO_TYPE_TCPV6: u8 = 2;

/// `netif_tx_request_t`: the front end asks the back end to send a buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetifTxRequest {
    /// Grant of the page holding the data.
    pub gref: GrantRef,
    /// Offset of the data in that page.
    pub offset: u16,
    /// `NETTXF_*`.
    pub flags: u16,
    /// Echoed in the response.
    pub id: u16,
    /// Packet size in bytes (of the whole packet in the first request of a chain).
    pub size: u16,
}

/// `netif_tx_response_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetifTxResponse {
    /// The id of the request answered.
    pub id: u16,
    /// `NETIF_RSP_*`.
    pub status: i16,
}

/// `netif_rx_request_t`: the front end posts a buffer for the back end to fill.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetifRxRequest {
    /// Echoed in the response.
    pub id: u16,
    /// Padding.
    pub pad: u16,
    /// Grant of the page to fill.
    pub gref: GrantRef,
}

/// `netif_rx_response_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetifRxResponse {
    /// The id of the request answered.
    pub id: u16,
    /// Offset of the data in the page.
    pub offset: u16,
    /// `NETRXF_*`.
    pub flags: u16,
    /// Length in bytes if positive, else a `NETIF_RSP_*` error.
    pub status: i16,
}

/// `u.gso` of `netif_extra_info_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetifExtraGso {
    /// Maximum payload size of each segment.
    pub size: u16,
    /// `XEN_NETIF_GSO_TYPE_*`.
    pub ty: u8,
    /// Padding.
    pub pad: u8,
    /// `XEN_NETIF_GSO_FEAT_*`.
    pub features: u16,
}

/// `u.mcast` of `netif_extra_info_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetifExtraMcast {
    /// The multicast Ethernet address.
    pub addr: [u8; 6],
}

/// `u.hash` of `netif_extra_info_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetifExtraHash {
    /// `_XEN_NETIF_CTRL_HASH_TYPE_*`.
    pub ty: u8,
    /// `XEN_NETIF_CTRL_HASH_ALGORITHM_*`.
    pub algorithm: u8,
    /// The hash value, in the byte order of the wire.
    pub value: [u8; 4],
}

/// The `u` union of `netif_extra_info_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union NetifExtraInfoU {
    /// `XEN_NETIF_EXTRA_TYPE_GSO`.
    pub gso: NetifExtraGso,
    /// `XEN_NETIF_EXTRA_TYPE_MCAST_{ADD,DEL}`.
    pub mcast: NetifExtraMcast,
    /// `XEN_NETIF_EXTRA_TYPE_HASH`.
    pub hash: NetifExtraHash,
    /// `pad[3]`.
    pub pad: [u16; 3],
}

/// `netif_extra_info_t`: an extra descriptor that takes a request or response slot.
///
/// This is the memory layout; [`ExtraInfo`] is the safe value to build and parse.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct NetifExtraInfo {
    /// `XEN_NETIF_EXTRA_TYPE_*`.
    pub ty: u8,
    /// `XEN_NETIF_EXTRA_FLAG_*`.
    pub flags: u8,
    /// The type-specific part.
    pub u: NetifExtraInfoU,
}

/// A parsed `netif_extra_info_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtraInfo {
    /// Segmentation offload parameters.
    Gso(NetifExtraGso),
    /// Add a multicast address to the filter.
    McastAdd([u8; 6]),
    /// Remove a multicast address from the filter.
    McastDel([u8; 6]),
    /// A packet hash.
    Hash(NetifExtraHash),
}

impl ExtraInfo {
    /// Encodes the descriptor with the given `XEN_NETIF_EXTRA_FLAG_*` flags, in the CPU's byte
    /// order like the C structure.
    pub fn to_bytes(&self, flags: u8) -> [u8; 8] {
        let mut b = [0u8; 8];
        b[1] = flags;
        match *self {
            ExtraInfo::Gso(g) => {
                b[0] = XEN_NETIF_EXTRA_TYPE_GSO;
                b[2..4].copy_from_slice(&g.size.to_ne_bytes());
                b[4] = g.ty;
                b[5] = g.pad;
                b[6..8].copy_from_slice(&g.features.to_ne_bytes());
            }
            ExtraInfo::McastAdd(a) | ExtraInfo::McastDel(a) => {
                b[0] = if matches!(self, ExtraInfo::McastAdd(_)) {
                    XEN_NETIF_EXTRA_TYPE_MCAST_ADD
                } else {
                    XEN_NETIF_EXTRA_TYPE_MCAST_DEL
                };
                b[2..8].copy_from_slice(&a);
            }
            ExtraInfo::Hash(h) => {
                b[0] = XEN_NETIF_EXTRA_TYPE_HASH;
                b[2] = h.ty;
                b[3] = h.algorithm;
                b[4..8].copy_from_slice(&h.value);
            }
        }
        b
    }

    /// Parses a descriptor; returns it with its flags, or `None` for an unknown type.
    pub fn from_bytes(b: &[u8; 8]) -> Option<(ExtraInfo, u8)> {
        let six = [b[2], b[3], b[4], b[5], b[6], b[7]];
        let info = match b[0] {
            XEN_NETIF_EXTRA_TYPE_GSO => ExtraInfo::Gso(NetifExtraGso {
                size: u16::from_ne_bytes([b[2], b[3]]),
                ty: b[4],
                pad: b[5],
                features: u16::from_ne_bytes([b[6], b[7]]),
            }),
            XEN_NETIF_EXTRA_TYPE_MCAST_ADD => ExtraInfo::McastAdd(six),
            XEN_NETIF_EXTRA_TYPE_MCAST_DEL => ExtraInfo::McastDel(six),
            XEN_NETIF_EXTRA_TYPE_HASH => {
                ExtraInfo::Hash(NetifExtraHash { ty: b[2], algorithm: b[3], value: [b[4], b[5], b[6], b[7]] })
            }
            _ => return None,
        };
        Some((info, b[1]))
    }
}

/// `union netif_tx_sring_entry`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union NetifTxSringEntry {
    /// The request.
    pub req: NetifTxRequest,
    /// The response.
    pub rsp: NetifTxResponse,
}

/// `union netif_rx_sring_entry`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union NetifRxSringEntry {
    /// The request.
    pub req: NetifRxRequest,
    /// The response.
    pub rsp: NetifRxResponse,
}

/// `netif_tx_sring_t`.
pub type NetifTxSring = Sring<NetifTxSringEntry>;
/// `netif_rx_sring_t`.
pub type NetifRxSring = Sring<NetifRxSringEntry>;

/// `__CONST_RING_SIZE(netif_tx, 4096)`: 256.
pub const NET_TX_RING_SIZE: usize = const_ring_size(PAGE_SIZE, size_of::<NetifTxSringEntry>());
/// `__CONST_RING_SIZE(netif_rx, 4096)`: 256.
pub const NET_RX_RING_SIZE: usize = const_ring_size(PAGE_SIZE, size_of::<NetifRxSringEntry>());
