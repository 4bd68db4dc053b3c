//! What the network front and back ends share: counters, peer faults, ring details.

use crate::abi::GrantRef;
use crate::platform::{Port, XenError};
use crate::ring::RingError;
use std::time::Duration;

/// Counters of a network driver (one side of a vif).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Frames handed to the peer.
    pub tx_frames: u64,
    /// Bytes handed to the peer.
    pub tx_bytes: u64,
    /// Frames not sent (too large, empty, or the peer refused them).
    pub tx_dropped: u64,
    /// Transmissions the peer reported as failed.
    pub tx_errors: u64,
    /// Frames received from the peer.
    pub rx_frames: u64,
    /// Bytes received from the peer.
    pub rx_bytes: u64,
    /// Frames received but dropped.
    pub rx_dropped: u64,
    /// Receive errors reported by the peer.
    pub rx_errors: u64,
    /// Protocol violations by the peer (each cuts it off).
    pub peer_faults: u64,
    /// Event channel notifications sent.
    pub notifications: u64,
}

/// A protocol violation by the peer. The driver that sees one stops talking to the peer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeerFault {
    /// The peer corrupted a ring's indices.
    #[error("{ring} ring: {err}")]
    Ring {
        /// Which ring.
        ring: &'static str,
        /// What was wrong.
        err: RingError,
    },
    /// A response carried an id we never used.
    #[error("{ring} ring: response for unknown id {id}")]
    UnknownId {
        /// Which ring.
        ring: &'static str,
        /// The id.
        id: u16,
    },
    /// A response answered an id that is not outstanding (answered twice).
    #[error("{ring} ring: duplicate response for id {id}")]
    DuplicateId {
        /// Which ring.
        ring: &'static str,
        /// The id.
        id: u16,
    },
    /// A size or offset beyond the page.
    #[error("{ring} ring: {size} bytes at offset {offset} do not fit in a page")]
    BadSize {
        /// Which ring.
        ring: &'static str,
        /// The size claimed.
        size: u32,
        /// The offset claimed.
        offset: u32,
    },
    /// Flags asking for a feature that was not negotiated.
    #[error("{ring} ring: unsupported flags {flags:#x}")]
    BadFlags {
        /// Which ring.
        ring: &'static str,
        /// The flags.
        flags: u16,
    },
    /// A grant reference the peer does not own, or did not grant to us.
    #[error("grant {gref} refused by the hypervisor (status {status})")]
    BadGrant {
        /// The grant reference.
        gref: GrantRef,
        /// `GNTST_*`.
        status: i16,
    },
    /// The peer did not answer within the time allowed.
    #[error("the peer did not answer for {0:?}")]
    Stalled(Duration),
    /// The peer's event channel or domain is gone.
    #[error("the peer is gone: {0}")]
    Gone(String),
}

/// An error of a network driver.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The hypervisor interface failed.
    #[error(transparent)]
    Xen(#[from] XenError),
    /// The peer was cut off after a protocol violation.
    #[error("peer cut off: {0}")]
    Faulted(PeerFault),
    /// The configuration cannot work (e.g. not enough frames).
    #[error("{0}")]
    Config(String),
}

/// How the front end's event channels are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventChannelSpec {
    /// One channel for both rings (`event-channel`).
    Single(Port),
    /// One per ring (`event-channel-tx`, `event-channel-rx`).
    Split {
        /// The TX ring's channel.
        tx: Port,
        /// The RX ring's channel.
        rx: Port,
    },
}

/// What the front end publishes for the back end to connect: its ring grants and ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingInfo {
    /// `tx-ring-ref`.
    pub tx_ring_ref: GrantRef,
    /// `rx-ring-ref`.
    pub rx_ring_ref: GrantRef,
    /// `event-channel` or `event-channel-tx`/`-rx`.
    pub evtchn: EventChannelSpec,
}

/// Longest frame a driver carries in one slot (one page, no scatter-gather).
pub const MAX_FRAME: usize = crate::abi::PAGE_SIZE;

/// Bytes between the offsets [`buffer_offset`] gives consecutive buffers: two cache lines,
/// so that a short frame's lines never share a cache set with the next buffer's.
pub const COLOUR_STEP: usize = 128;

/// Where a driver puts a frame of `len` bytes in buffer page `slot` (cache colouring). At
/// offset 0 in every page, the frames' lines would all fall in the few cache sets that
/// page-aligned addresses map to (on a 2 MiB 16-way L2, 32 of its 2,048 sets: 512 lines for
/// the hundreds of pages of every vif); spread over the page in [`COLOUR_STEP`] steps, a
/// ring's pages use every set. The offset is a multiple of 64 and leaves room for the frame
/// (`offset + len <= PAGE_SIZE`; a frame of more than `PAGE_SIZE` bytes gets 0). The netif
/// ABI lets either side choose any offset: a TX request and an RX response carry it.
pub fn buffer_offset(slot: usize, len: usize) -> usize {
    let room = crate::abi::PAGE_SIZE.saturating_sub(len) & !63;
    (slot % (room / COLOUR_STEP + 1)) * COLOUR_STEP
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Every offset is line-aligned and leaves room for the frame.
        #[test]
        fn buffer_offsets_fit_the_page(slot in 0usize..100_000, len in 0usize..=crate::abi::PAGE_SIZE + 10) {
            let off = buffer_offset(slot, len);
            proptest::prop_assert_eq!(off % 64, 0);
            proptest::prop_assert!(len > crate::abi::PAGE_SIZE || off + len <= crate::abi::PAGE_SIZE);
        }
    }

    #[test]
    fn short_frames_take_every_colour() {
        // A minimum-size frame: 32 colours, consecutive buffers on different lines.
        let offs: std::collections::BTreeSet<usize> = (0..256).map(|s| buffer_offset(s, 98)).collect();
        assert_eq!(offs.len(), 32);
        assert_eq!(buffer_offset(1, 98), COLOUR_STEP);
        assert_eq!(buffer_offset(32, 98), 0);
        // Full pages have one place.
        assert_eq!(buffer_offset(7, crate::abi::PAGE_SIZE), 0);
        assert_eq!(buffer_offset(7, crate::abi::PAGE_SIZE - 64), 0);
        assert_eq!(buffer_offset(1, 1514), COLOUR_STEP);
    }
}
