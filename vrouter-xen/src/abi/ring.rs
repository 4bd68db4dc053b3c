//! `xen/io/ring.h`: the shared ring page and its size rule.

/// `RING_IDX`: a free-running ring index, masked by the ring size on use.
pub type RingIdx = u32;

/// Size of the page a ring lives in, and of a grantable frame.
pub const PAGE_SIZE: usize = 4096;

/// Byte offset of the `req_prod` field in a shared ring page.
pub const SRING_REQ_PROD: usize = 0;
/// Byte offset of the `req_event` field in a shared ring page.
pub const SRING_REQ_EVENT: usize = 4;
/// Byte offset of the `rsp_prod` field in a shared ring page.
pub const SRING_RSP_PROD: usize = 8;
/// Byte offset of the `rsp_event` field in a shared ring page.
pub const SRING_RSP_EVENT: usize = 12;
/// Byte offset of the first ring entry (`offsetof(struct x_sring, ring)`).
pub const SRING_HEADER_SIZE: usize = 64;

/// The `pvt` union of a shared ring header (`netif.smartpoll_active`, `tapif_user.msg`,
/// `pvt_pad[4]`), kept as its padding bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SringPvt {
    /// `pvt_pad`.
    pub pvt_pad: [u8; 4],
}

/// `struct __name##_sring` as produced by `DEFINE_RING_TYPES`, generic over the entry union.
///
/// The C type ends in `ring[1]`, a variable-length array; so does this one. The real number of
/// entries is [`const_ring_size`] of the page size.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Sring<E> {
    /// Requests produced so far (written by the front end).
    pub req_prod: RingIdx,
    /// The back end wants a notification when `req_prod` passes this value.
    pub req_event: RingIdx,
    /// Responses produced so far (written by the back end).
    pub rsp_prod: RingIdx,
    /// The front end wants a notification when `rsp_prod` passes this value.
    pub rsp_event: RingIdx,
    /// Per-protocol private bytes.
    pub pvt: SringPvt,
    /// Padding up to 64 bytes (`__pad`).
    pub pad: [u8; 44],
    /// The first of the ring's entries.
    pub ring: [E; 1],
}

/// `__RD32(x)`: `x` rounded down to a power of two (0 stays 0), for `x < 2^32`.
pub const fn round_down_pow2(x: usize) -> usize {
    if x == 0 { 0 } else { 1usize << (usize::BITS - 1 - x.leading_zeros()) }
}

/// `__CONST_RING_SIZE`: how many entries of `entry_size` bytes fit in a ring of `page_size`
/// bytes, rounded down to a power of two.
pub const fn const_ring_size(page_size: usize, entry_size: usize) -> usize {
    round_down_pow2((page_size - SRING_HEADER_SIZE) / entry_size)
}
