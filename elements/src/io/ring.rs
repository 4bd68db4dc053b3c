//! Memory-mapped packet rings (PACKET_MMAP) for packet sockets: a TPACKET_V3 receive ring
//! and a TPACKET_V2 transmit ring.
//!
//! **Receive (TPACKET_V3).** The kernel copies each frame, with its `virtio_net_hdr` when the
//! socket has `PACKET_VNET_HDR`, straight into a block of a ring shared with us, and hands
//! the block over (`TP_STATUS_USER`) when it is full or after `RX_BLOCK_TIMEOUT_MS`. We copy
//! each frame once, into a pooled packet, and give the whole block back
//! (`TP_STATUS_KERNEL`). No system call per batch. V3 rather than V2 because its frames are
//! packed by their real length: a block holds one 64 KB segmentation-offload aggregate or a
//! thousand 64-byte frames, whereas V2's fixed-size slots would have to be 64 KB each (a
//! 4 MB ring would hold 60 frames). Linux accepts V3 with `PACKET_VNET_HDR` (checked on
//! 6.18: the header sits right before `tp_mac`). The price of V3 is latency at low rates:
//! a block that is not full reaches us only when its timer fires (1 ms).
//!
//! **Receive (TPACKET_V2).** Fixed MTU-sized slots, each handed over as soon as it is
//! filled; frames longer than a slot (offload aggregates) wait on the socket's queue
//! (`TP_STATUS_COPY`, `PACKET_COPY_THRESH`). FromDevice's default with GSO true.
//!
//! **Transmit (TPACKET_V2).** We write frames (after a virtio header when the socket has
//! one) into fixed-size slots, mark them `TP_STATUS_SEND_REQUEST`, and kick the kernel with
//! one `send(fd, NULL, 0, MSG_DONTWAIT)` per batch. The kernel sends slots in ring order
//! and marks each `TP_STATUS_AVAILABLE` once the device is done with it; we take slots
//! back in the same order. `PACKET_LOSS` makes the kernel skip a slot it cannot send instead
//! of stopping the ring there.
//!
//! All memory accesses to the ring go through bounds-checked slices; the only `unsafe` is
//! the mapping itself, the status words (atomics shared with the kernel) and turning a
//! block or slot we own into a slice.

use std::io;
use std::os::fd::RawFd;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

const PACKET_RX_RING: libc::c_int = 5;
const PACKET_VERSION: libc::c_int = 10;
const PACKET_TX_RING: libc::c_int = 13;
const PACKET_LOSS: libc::c_int = 14;
const TPACKET_V2: libc::c_int = 1;
const TPACKET_V3: libc::c_int = 2;

/// Receive status: the kernel owns the block.
pub const TP_STATUS_KERNEL: u32 = 0;
/// Receive status: the block is ours.
pub const TP_STATUS_USER: u32 = 1;
/// Transmit status: the slot is free.
pub const TP_STATUS_AVAILABLE: u32 = 0;
/// Transmit status: we filled the slot; the kernel is to send it.
pub const TP_STATUS_SEND_REQUEST: u32 = 1;
/// Transmit status: the kernel is sending the slot.
pub const TP_STATUS_SENDING: u32 = 2;
/// Transmit status: the kernel refused the slot (only without `PACKET_LOSS`).
pub const TP_STATUS_WRONG_FORMAT: u32 = 4;

/// Size of a receive block: one 64 KB aggregate with its headers fits.
pub const RX_BLOCK_SIZE: usize = 128 << 10;
/// Fewest receive blocks.
pub const RX_MIN_BLOCKS: usize = 8;
/// How long the kernel keeps a block that is not full before handing it over.
pub const RX_BLOCK_TIMEOUT_MS: u32 = 1;
/// `tp_frame_size` we declare for the V3 ring (only used by the kernel to count frames).
const RX_FRAME_HINT: usize = 2048;

/// Size of `struct tpacket_block_desc` (rounded as the kernel does): frames start after it.
pub const V3_BLOCK_HDR: usize = 48;
/// Size of `struct tpacket3_hdr` (rounded to 16) and the `sockaddr_ll` that follows it.
pub const V3_FRAME_HDR: usize = 48;
const SOCKADDR_LL: usize = 20;
/// Offset of the data in a V2 transmit slot: `TPACKET2_HDRLEN - sizeof(sockaddr_ll)`.
pub const V2_TX_DATA: usize = 32;
/// Transmit slots are at least this big (and a power of two for small MTUs).
const TX_MIN_FRAME: usize = 2048;
/// Fewest transmit slots.
const TX_MIN_FRAMES: usize = 64;

fn setsockopt<T>(fd: RawFd, name: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: `value` points to a live `T` of the given size for the whole call.
    let r = unsafe {
        libc::setsockopt(fd, libc::SOL_PACKET, name, (value as *const T).cast(), std::mem::size_of::<T>() as _)
    };
    if r < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
}

/// A shared mapping of a socket's ring (or, in tests, anonymous memory); unmapped on drop.
#[derive(Debug)]
struct RingMap {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; moving it to another thread moves
// that ownership (the kernel side is not tied to a thread).
unsafe impl Send for RingMap {}

impl RingMap {
    /// Maps `len` bytes of the ring of socket `fd`, or anonymous memory if `fd` is `None`.
    fn new(fd: Option<RawFd>, len: usize) -> io::Result<RingMap> {
        let (flags, fd) = match fd {
            Some(fd) => (libc::MAP_SHARED | libc::MAP_LOCKED | libc::MAP_POPULATE, fd),
            None => (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1),
        };
        let map = |flags| {
            // SAFETY: a fresh mapping with no address hint; the kernel checks `fd` and `len`
            // against the ring it set up.
            unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, flags, fd, 0) }
        };
        let mut p = map(flags);
        if p == libc::MAP_FAILED && flags & libc::MAP_LOCKED != 0 {
            // RLIMIT_MEMLOCK may forbid locking; the ring's pages are the kernel's anyway.
            p = map(flags & !libc::MAP_LOCKED);
        }
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(p.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned null"))?;
        Ok(RingMap { ptr, len })
    }

    /// The status word at byte `off` (4-aligned, inside the mapping), shared with the kernel.
    fn status(&self, off: usize) -> &AtomicU32 {
        assert!(off.is_multiple_of(4) && off + 4 <= self.len, "status word outside the ring");
        // SAFETY: the word is inside the mapping (checked), 4-aligned (the mapping is page
        // aligned), and lives as long as `self`; the kernel accesses it concurrently, which
        // is what an atomic allows.
        unsafe { AtomicU32::from_ptr(self.ptr.as_ptr().add(off).cast::<u32>()) }
    }

    /// Bytes `off..off + len` as a slice. Callers only ask for blocks or slots the ring
    /// protocol gives to us (the kernel does not write them until we hand them back).
    fn bytes(&self, off: usize, len: usize) -> &[u8] {
        assert!(off.checked_add(len).is_some_and(|end| end <= self.len), "range outside the ring");
        // SAFETY: inside the mapping (checked), which lives as long as `self`; the caller
        // owns the range under the ring protocol, so nothing writes it meanwhile.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(off), len) }
    }

    /// Like `bytes`, writable; `&mut self` makes it the only view we hold.
    fn bytes_mut(&mut self, off: usize, len: usize) -> &mut [u8] {
        assert!(off.checked_add(len).is_some_and(|end| end <= self.len), "range outside the ring");
        // SAFETY: as in `bytes`; the kernel does not read a transmit slot before we set its
        // status to SEND_REQUEST, which we do after this borrow ends.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr().add(off), len) }
    }
}

impl Drop for RingMap {
    fn drop(&mut self) {
        // SAFETY: `ptr` and `len` are exactly what mmap returned; nothing uses them after this.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// Where slot `i` of a V2 ring starts: slots are packed `per_block` to a block of
/// `block_size` bytes. Without padding at the ends of blocks (the usual case: power-of-two
/// slots, blocks of whole pages) that is one multiplication; the per-frame path has no
/// division.
#[inline]
fn slot_at(i: usize, frame_size: usize, per_block: usize, block_size: usize) -> usize {
    if block_size == per_block * frame_size {
        i * frame_size
    } else {
        (i / per_block) * block_size + (i % per_block) * frame_size
    }
}

/// `i + k` in a ring of `n` slots, for `i < n` and `k <= n`.
#[inline]
fn ring_add(i: usize, k: usize, n: usize) -> usize {
    let j = i + k;
    if j >= n { j - n } else { j }
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(off..off + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

/// A block's header: how many frames, where the first is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockHeader {
    /// `num_pkts`.
    pub frames: u32,
    /// `offset_to_first_pkt`.
    pub first: usize,
}

/// Reads a V3 block header (`struct tpacket_block_desc`, `bh1`); `None` if it points
/// outside the block.
pub fn parse_block_header(block: &[u8]) -> Option<BlockHeader> {
    let frames = u32_at(block, 12)?;
    let first = u32_at(block, 16)? as usize;
    if frames > 0 && (first < V3_BLOCK_HDR || first >= block.len()) {
        return None;
    }
    Some(BlockHeader { frames, first })
}

/// One received frame as the ring holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RxFrame<'a> {
    /// The frame's bytes, after its 10-byte virtio header when the ring has them.
    pub data: &'a [u8],
    /// The kernel kept fewer bytes than the frame had (`tp_snaplen < tp_len`).
    pub truncated: bool,
    /// `sll_pkttype`.
    pub pkttype: u8,
    /// Offset of the next frame in the block (`tp_next_offset`, relative to this one).
    pub next: usize,
}

/// Why a frame in a block cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed;

/// Reads the V3 frame at `off` in `block` (`struct tpacket3_hdr` and its `sockaddr_ll`),
/// checking every offset and length against the block. With `vnet` the returned data starts
/// with the virtio header the kernel put right before the MAC header.
pub fn parse_frame(block: &[u8], off: usize, vnet: bool) -> Result<RxFrame<'_>, Malformed> {
    let hdr = block.get(off..).filter(|h| h.len() >= V3_FRAME_HDR + SOCKADDR_LL).ok_or(Malformed)?;
    let next = u32_at(hdr, 0).ok_or(Malformed)? as usize;
    let snaplen = u32_at(hdr, 12).ok_or(Malformed)? as usize;
    let len = u32_at(hdr, 16).ok_or(Malformed)? as usize;
    let mac = usize::from(u16_at(hdr, 24).ok_or(Malformed)?);
    let pkttype = hdr[V3_FRAME_HDR + 10];
    let vlen = if vnet { super::sys::VNET_HDR_LEN } else { 0 };
    // The data must start after the headers and end inside the block.
    let start = mac.checked_sub(vlen).filter(|&s| s >= V3_FRAME_HDR + SOCKADDR_LL).ok_or(Malformed)?;
    let end = mac.checked_add(snaplen).filter(|&e| e <= hdr.len()).ok_or(Malformed)?;
    Ok(RxFrame { data: &hdr[start..end], truncated: snaplen < len, pkttype, next })
}

/// What one `RxRing::read` found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RxStats {
    /// Frames handed to the callback.
    pub frames: usize,
    /// Frames lost to a malformed block or frame header.
    pub malformed: usize,
    /// Blocks given back to the kernel.
    pub blocks_released: usize,
}

/// Where we are in the block being read.
#[derive(Clone, Copy, Debug)]
struct Cursor {
    left: u32,
    off: usize,
}

/// A TPACKET_V3 receive ring.
#[derive(Debug)]
pub struct RxRing {
    map: RingMap,
    block_size: usize,
    blocks: usize,
    vnet: bool,
    /// The block we read next (or are reading).
    cur: usize,
    cursor: Option<Cursor>,
}

/// The largest ring set up (a BUFFER beyond it falls back on system calls). The kernel checks
/// a ring's geometry but not its size: it would try to allocate whatever is asked.
pub const MAX_RING_BYTES: usize = 1 << 30;

/// Refuses a BUFFER larger than [`MAX_RING_BYTES`].
fn check_ring_bytes(bytes: usize) -> io::Result<()> {
    if bytes > MAX_RING_BYTES {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "packet ring too large (at most 1 GiB)"));
    }
    Ok(())
}

/// A ring geometry value as the kernel's 32-bit request field, or an error for a ring too
/// large to describe: truncated, the request could describe a different ring from the one
/// this side maps and reads.
fn ring_u32(v: usize) -> io::Result<u32> {
    u32::try_from(v).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "packet ring too large"))
}

impl RxRing {
    /// Sets up a V3 receive ring of about `bytes` on packet socket `fd` (before it is bound)
    /// and maps it. `vnet`: the socket has `PACKET_VNET_HDR`.
    pub fn setup(fd: RawFd, bytes: usize, vnet: bool) -> io::Result<RxRing> {
        check_ring_bytes(bytes)?;
        let blocks = (bytes / RX_BLOCK_SIZE).max(RX_MIN_BLOCKS);
        setsockopt(fd, PACKET_VERSION, &TPACKET_V3)?;
        #[repr(C)]
        struct Req3 {
            block_size: u32,
            block_nr: u32,
            frame_size: u32,
            frame_nr: u32,
            retire_blk_tov: u32,
            sizeof_priv: u32,
            feature_req_word: u32,
        }
        let req = Req3 {
            block_size: ring_u32(RX_BLOCK_SIZE)?,
            block_nr: ring_u32(blocks)?,
            frame_size: ring_u32(RX_FRAME_HINT)?,
            frame_nr: ring_u32((RX_BLOCK_SIZE / RX_FRAME_HINT).saturating_mul(blocks))?,
            retire_blk_tov: RX_BLOCK_TIMEOUT_MS,
            sizeof_priv: 0,
            feature_req_word: 0,
        };
        setsockopt(fd, PACKET_RX_RING, &req)?;
        let map = RingMap::new(Some(fd), RX_BLOCK_SIZE * blocks)?;
        Ok(RxRing { map, block_size: RX_BLOCK_SIZE, blocks, vnet, cur: 0, cursor: None })
    }

    /// A ring over anonymous memory, for tests: blocks are handed over by writing their
    /// status word (`block_status_mut`).
    #[cfg(test)]
    fn anonymous(block_size: usize, blocks: usize, vnet: bool) -> RxRing {
        let map = RingMap::new(None, block_size * blocks).expect("anonymous mapping");
        RxRing { map, block_size, blocks, vnet, cur: 0, cursor: None }
    }

    /// Number of blocks.
    pub fn blocks(&self) -> usize {
        self.blocks
    }

    fn block_status(&self, b: usize) -> &AtomicU32 {
        // bh1.block_status is at byte 8 of the block.
        self.map.status(b * self.block_size + 8)
    }

    /// True if `read` would find a frame (or a malformed block to count and give back).
    pub fn has_frames(&self) -> bool {
        self.cursor.is_some() || self.block_status(self.cur).load(Ordering::Acquire) & TP_STATUS_USER != 0
    }

    /// Calls `f` on up to `max` received frames, in order; gives each block back to the
    /// kernel as soon as all its frames have been read. A block being read stays ours
    /// between calls.
    pub fn read(&mut self, max: usize, mut f: impl FnMut(RxFrame<'_>)) -> RxStats {
        let mut st = RxStats::default();
        while st.frames < max {
            let cursor = match self.cursor {
                Some(c) => c,
                None => {
                    if self.block_status(self.cur).load(Ordering::Acquire) & TP_STATUS_USER == 0 {
                        break;
                    }
                    let block = self.map.bytes(self.cur * self.block_size, self.block_size);
                    match parse_block_header(block) {
                        Some(h) => Cursor { left: h.frames, off: h.first },
                        None => {
                            st.malformed += 1;
                            Cursor { left: 0, off: 0 }
                        }
                    }
                }
            };
            let block = self.map.bytes(self.cur * self.block_size, self.block_size);
            let mut c = cursor;
            while c.left > 0 && st.frames < max {
                match parse_frame(block, c.off, self.vnet) {
                    Ok(fr) => {
                        c.left -= 1;
                        st.frames += 1;
                        let next = fr.next;
                        f(fr);
                        if c.left > 0 {
                            match c.off.checked_add(next).filter(|&n| next > 0 && n < self.block_size) {
                                Some(n) => c.off = n,
                                None => {
                                    st.malformed += c.left as usize;
                                    c.left = 0;
                                }
                            }
                        }
                    }
                    Err(Malformed) => {
                        st.malformed += c.left as usize;
                        c.left = 0;
                    }
                }
            }
            if c.left == 0 {
                self.block_status(self.cur).store(TP_STATUS_KERNEL, Ordering::Release);
                st.blocks_released += 1;
                self.cur = ring_add(self.cur, 1, self.blocks);
                self.cursor = None;
            } else {
                self.cursor = Some(c);
            }
        }
        st
    }

    /// Test access to a block's bytes and its status word.
    #[cfg(test)]
    fn block_mut(&mut self, b: usize) -> &mut [u8] {
        let bs = self.block_size;
        self.map.bytes_mut(b * bs, bs)
    }
}

/// Receive status: the frame was longer than its slot; the whole frame waits in the
/// socket's receive queue (`PACKET_COPY_THRESH`), to be read with `recvmsg`.
pub const TP_STATUS_COPY: u32 = 2;
const PACKET_COPY_THRESH: libc::c_int = 7;
/// Size of `struct tpacket2_hdr` (rounded to 16); its `sockaddr_ll` follows.
pub const V2_FRAME_HDR: usize = 32;

/// Reads the V2 slot `slot` (`struct tpacket2_hdr`, its `sockaddr_ll`, the frame), checking
/// every offset and length against the slot. With `vnet` the data starts with the virtio
/// header the kernel put right before the MAC header. `next` is 0.
pub fn parse_slot_v2(slot: &[u8], vnet: bool) -> Result<RxFrame<'_>, Malformed> {
    if slot.len() < V2_FRAME_HDR + SOCKADDR_LL {
        return Err(Malformed);
    }
    let len = u32_at(slot, 4).ok_or(Malformed)? as usize;
    let snaplen = u32_at(slot, 8).ok_or(Malformed)? as usize;
    let mac = usize::from(u16_at(slot, 12).ok_or(Malformed)?);
    let pkttype = slot[V2_FRAME_HDR + 10];
    let vlen = if vnet { super::sys::VNET_HDR_LEN } else { 0 };
    let start = mac.checked_sub(vlen).filter(|&s| s >= V2_FRAME_HDR + SOCKADDR_LL).ok_or(Malformed)?;
    let end = mac.checked_add(snaplen).filter(|&e| e <= slot.len()).ok_or(Malformed)?;
    Ok(RxFrame { data: &slot[start..end], truncated: snaplen < len, pkttype, next: 0 })
}

/// Fewest slots of a V2 receive ring: as many small frames as a V3 ring of the default
/// 4 MB holds (about 30,000 of 64 bytes) would need 15,000 slots; the ring must ride out the
/// milliseconds for which the scheduler takes the router's CPU away. Measured (64-byte UDP
/// through the forwarding benchmark's router, V2 ring, same binary): with 2,048 slots (the
/// 4 MB default) the kernel dropped 17% of the frames for want of a slot (955,129 of
/// 5.6 M), with 16,384 slots 4% (199,401), and 12% more frames were forwarded. That is 32 MB
/// with 2 KB slots.
pub const RX_V2_MIN_FRAMES: usize = 16384;

/// A TPACKET_V2 receive ring: fixed-size slots, each handed over on its own (no waiting for
/// a block to fill). Frames longer than a slot are read from the socket (`TP_STATUS_COPY`).
#[derive(Debug)]
pub struct RxRingV2 {
    map: RingMap,
    frame_size: usize,
    frames_per_block: usize,
    block_size: usize,
    frames: usize,
    vnet: bool,
    cur: usize,
}

/// Where a V2 ring's frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum V2Frame<'a> {
    /// In its slot.
    Slot(RxFrame<'a>),
    /// In the socket's receive queue: read one message from the socket.
    Copied,
}

impl RxRingV2 {
    /// Sets up a V2 receive ring of about `bytes` on packet socket `fd` (before it is bound)
    /// with slots for frames of up to `max_frame` bytes (longer ones go through the socket
    /// queue), and maps it.
    pub fn setup(fd: RawFd, bytes: usize, max_frame: usize, vnet: bool) -> io::Result<RxRingV2> {
        check_ring_bytes(bytes)?;
        // tp_mac lands at TPACKET_ALIGN(hdrlen + 16) + virtio header; keep room for VLAN tags.
        let frame_size = (V2_FRAME_HDR + SOCKADDR_LL + 16 + 16 + super::sys::VNET_HDR_LEN + max_frame + 4)
            .next_multiple_of(16)
            .next_power_of_two()
            .max(TX_MIN_FRAME);
        let frames = (bytes / frame_size).max(RX_V2_MIN_FRAMES);
        check_ring_bytes(frames.saturating_mul(frame_size))?;
        let frames_per_block = ((1usize << 20) / frame_size).max(1);
        let block_size = (frames_per_block * frame_size).next_multiple_of(4096);
        let blocks = frames.div_ceil(frames_per_block);
        let frames = blocks * frames_per_block;
        setsockopt(fd, PACKET_VERSION, &TPACKET_V2)?;
        setsockopt(fd, PACKET_COPY_THRESH, &(1 as libc::c_int))?;
        #[repr(C)]
        struct Req {
            block_size: u32,
            block_nr: u32,
            frame_size: u32,
            frame_nr: u32,
        }
        let req = Req {
            block_size: ring_u32(block_size)?,
            block_nr: ring_u32(blocks)?,
            frame_size: ring_u32(frame_size)?,
            frame_nr: ring_u32(frames)?,
        };
        setsockopt(fd, PACKET_RX_RING, &req)?;
        let map = RingMap::new(Some(fd), block_size * blocks)?;
        Ok(RxRingV2 { map, frame_size, frames_per_block, block_size, frames, vnet, cur: 0 })
    }

    #[cfg(test)]
    fn anonymous(frame_size: usize, frames: usize, vnet: bool) -> RxRingV2 {
        let map = RingMap::new(None, frame_size * frames).expect("anonymous mapping");
        RxRingV2 { map, frame_size, frames_per_block: 1, block_size: frame_size, frames, vnet, cur: 0 }
    }

    fn slot_offset(&self, i: usize) -> usize {
        slot_at(i, self.frame_size, self.frames_per_block, self.block_size)
    }

    /// True if the next slot to read has been handed to us (`read` would find a frame, or a
    /// malformed slot to count and give back).
    pub fn has_frames(&self) -> bool {
        self.map.status(self.slot_offset(self.cur)).load(Ordering::Acquire) & TP_STATUS_USER != 0
    }

    /// Calls `f` on up to `max` received frames, in order, giving each slot back to the
    /// kernel after it. Returns the frames seen and the slots found malformed.
    pub fn read(&mut self, max: usize, mut f: impl FnMut(V2Frame<'_>)) -> RxStats {
        let mut st = RxStats::default();
        while st.frames + st.malformed < max {
            let off = self.slot_offset(self.cur);
            let status = self.map.status(off).load(Ordering::Acquire);
            if status & TP_STATUS_USER == 0 {
                break;
            }
            if status & TP_STATUS_COPY != 0 {
                st.frames += 1;
                f(V2Frame::Copied);
            } else {
                match parse_slot_v2(self.map.bytes(off, self.frame_size), self.vnet) {
                    Ok(fr) => {
                        st.frames += 1;
                        f(V2Frame::Slot(fr));
                    }
                    Err(Malformed) => st.malformed += 1,
                }
            }
            self.map.status(off).store(TP_STATUS_KERNEL, Ordering::Release);
            self.cur = ring_add(self.cur, 1, self.frames);
        }
        st
    }

    #[cfg(test)]
    fn slot_mut(&mut self, i: usize) -> &mut [u8] {
        let off = self.slot_offset(i);
        let fs = self.frame_size;
        self.map.bytes_mut(off, fs)
    }
}

/// A TPACKET_V2 transmit ring.
#[derive(Debug)]
pub struct TxRing {
    map: RingMap,
    frame_size: usize,
    frames_per_block: usize,
    block_size: usize,
    frames: usize,
    vnet: bool,
    /// Next slot to fill.
    head: usize,
    /// Oldest slot handed to the kernel and not yet taken back.
    tail: usize,
    /// Slots between tail and head.
    in_flight: usize,
    /// Slots whose frame we withdrew (`cancel_unsent`): taken back as drops.
    cancelled: Vec<bool>,
}

/// What `TxRing::reclaim` took back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reclaimed {
    /// Frames the kernel sent (or skipped as malformed, which `PACKET_LOSS` does not tell).
    pub sent: usize,
    /// Frames withdrawn with `cancel_unsent`.
    pub cancelled: usize,
}

/// The ring has no free slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingFull;

impl TxRing {
    /// The slot size for frames of up to `max_frame` bytes (plus a virtio header).
    pub fn frame_size_for(max_frame: usize) -> usize {
        let need = V2_TX_DATA + super::sys::VNET_HDR_LEN + max_frame;
        if need <= 16 << 10 { need.next_power_of_two().max(TX_MIN_FRAME) } else { need.next_multiple_of(4096) }
    }

    /// Sets up a V2 transmit ring of about `bytes` on packet socket `fd` (before it is
    /// bound) for frames of up to `max_frame` bytes, and maps it. `vnet`: the socket has
    /// `PACKET_VNET_HDR`.
    pub fn setup(fd: RawFd, bytes: usize, max_frame: usize, vnet: bool) -> io::Result<TxRing> {
        check_ring_bytes(bytes)?;
        let frame_size = Self::frame_size_for(max_frame);
        let frames = (bytes / frame_size).max(TX_MIN_FRAMES);
        // Blocks of up to 1 MB holding whole slots (a power-of-two page count wastes least).
        let frames_per_block = ((1usize << 20) / frame_size).max(1);
        let block_size = (frames_per_block * frame_size).next_multiple_of(4096);
        let blocks = frames.div_ceil(frames_per_block);
        let frames = blocks * frames_per_block;
        setsockopt(fd, PACKET_VERSION, &TPACKET_V2)?;
        setsockopt(fd, PACKET_LOSS, &(1 as libc::c_int))?;
        #[repr(C)]
        struct Req {
            block_size: u32,
            block_nr: u32,
            frame_size: u32,
            frame_nr: u32,
        }
        let req = Req {
            block_size: ring_u32(block_size)?,
            block_nr: ring_u32(blocks)?,
            frame_size: ring_u32(frame_size)?,
            frame_nr: ring_u32(frames)?,
        };
        setsockopt(fd, PACKET_TX_RING, &req)?;
        let map = RingMap::new(Some(fd), block_size * blocks)?;
        Ok(Self::over(map, frame_size, frames_per_block, block_size, frames, vnet))
    }

    fn over(
        map: RingMap,
        frame_size: usize,
        frames_per_block: usize,
        block_size: usize,
        frames: usize,
        vnet: bool,
    ) -> TxRing {
        TxRing {
            map,
            frame_size,
            frames_per_block,
            block_size,
            frames,
            vnet,
            head: 0,
            tail: 0,
            in_flight: 0,
            cancelled: vec![false; frames],
        }
    }

    #[cfg(test)]
    fn anonymous(frame_size: usize, frames: usize, vnet: bool) -> TxRing {
        let map = RingMap::new(None, frame_size * frames).expect("anonymous mapping");
        Self::over(map, frame_size, 1, frame_size, frames, vnet)
    }

    /// Number of slots.
    pub fn slots(&self) -> usize {
        self.frames
    }

    /// Slots handed to the kernel and not yet taken back.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Largest frame a slot holds (its virtio header not counted).
    pub fn max_frame(&self) -> usize {
        self.frame_size - V2_TX_DATA - if self.vnet { super::sys::VNET_HDR_LEN } else { 0 }
    }

    fn slot_offset(&self, i: usize) -> usize {
        slot_at(i, self.frame_size, self.frames_per_block, self.block_size)
    }

    fn status(&self, i: usize) -> &AtomicU32 {
        self.map.status(self.slot_offset(i))
    }

    /// Puts `frame` (after `vnet_hdr`, or a zero header, when the ring has virtio headers)
    /// in the next slot and marks it for sending. Callers drop frames longer than
    /// `max_frame` themselves; such a frame is refused here like a full ring.
    pub fn push(&mut self, frame: &[u8], vnet_hdr: Option<&[u8; super::sys::VNET_HDR_LEN]>) -> Result<(), RingFull> {
        if self.in_flight == self.frames || frame.len() > self.max_frame() {
            return Err(RingFull);
        }
        let i = self.head;
        if self.status(i).load(Ordering::Acquire) != TP_STATUS_AVAILABLE {
            return Err(RingFull);
        }
        let vlen = if self.vnet { super::sys::VNET_HDR_LEN } else { 0 };
        let total = vlen + frame.len();
        let off = self.slot_offset(i);
        // The slot after its status word (byte 0, only ever touched as an atomic): tp_len
        // at byte 4 of the slot, the data at V2_TX_DATA.
        let slot = self.map.bytes_mut(off + 4, self.frame_size - 4);
        let data = V2_TX_DATA - 4;
        if self.vnet {
            slot[data..data + vlen].copy_from_slice(vnet_hdr.unwrap_or(&[0; super::sys::VNET_HDR_LEN]));
        }
        slot[data + vlen..data + total].copy_from_slice(frame);
        slot[0..4].copy_from_slice(&(total as u32).to_ne_bytes());
        self.cancelled[i] = false;
        self.status(i).store(TP_STATUS_SEND_REQUEST, Ordering::Release);
        self.head = ring_add(i, 1, self.frames);
        self.in_flight += 1;
        Ok(())
    }

    /// Asks the kernel to send every slot marked for sending: one `send` with no data.
    pub fn kick(fd: RawFd) -> io::Result<()> {
        // SAFETY: a zero-length send with a null buffer: the kernel reads nothing from it
        // (with a TX ring, packet_sendmsg sends the ring's slots instead).
        let r = unsafe { libc::send(fd, std::ptr::null(), 0, libc::MSG_DONTWAIT) };
        if r < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
    }

    /// True while some frame still waits for the kernel to take it (a kick stopped early:
    /// socket buffer full). The kernel takes slots in order, so looking at the newest one is
    /// enough; withdrawn frames (`cancel_unsent`) do not count.
    pub fn has_unsent(&self) -> bool {
        let newest = ring_add(self.head, self.frames - 1, self.frames);
        self.in_flight > 0
            && !self.cancelled[newest]
            && self.status(newest).load(Ordering::Acquire) == TP_STATUS_SEND_REQUEST
    }

    /// Takes back, in order, the slots the kernel is done with.
    pub fn reclaim(&mut self) -> Reclaimed {
        let mut r = Reclaimed::default();
        while self.in_flight > 0 {
            let i = self.tail;
            let s = self.status(i).load(Ordering::Acquire);
            if s & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING) != 0 {
                break;
            }
            if s & TP_STATUS_WRONG_FORMAT != 0 {
                // Not expected with PACKET_LOSS; free the slot all the same.
                self.status(i).store(TP_STATUS_AVAILABLE, Ordering::Release);
                r.cancelled += 1;
            } else if std::mem::take(&mut self.cancelled[i]) {
                r.cancelled += 1;
            } else {
                r.sent += 1;
            }
            self.tail = ring_add(i, 1, self.frames);
            self.in_flight -= 1;
        }
        r
    }

    /// Like `reclaim` without taking anything back: what it would count now.
    pub fn peek_done(&self) -> Reclaimed {
        let mut r = Reclaimed::default();
        for k in 0..self.in_flight {
            let i = ring_add(self.tail, k, self.frames);
            let s = self.status(i).load(Ordering::Acquire);
            if s & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING) != 0 {
                break;
            }
            if self.cancelled[i] || s & TP_STATUS_WRONG_FORMAT != 0 {
                r.cancelled += 1;
            } else {
                r.sent += 1;
            }
        }
        r
    }

    /// Withdraws every frame still waiting to be sent (the device went down): their length
    /// becomes 0, which the kernel skips (`PACKET_LOSS`) when it next runs the ring, and
    /// `reclaim` counts them as cancelled. Returns how many. Only call this between kicks:
    /// the kernel reads SEND_REQUEST slots only inside our `send`.
    pub fn cancel_unsent(&mut self) -> usize {
        let mut n = 0;
        for k in 0..self.in_flight {
            let i = ring_add(self.tail, k, self.frames);
            if self.status(i).load(Ordering::Acquire) != TP_STATUS_SEND_REQUEST || self.cancelled[i] {
                continue;
            }
            let off = self.slot_offset(i);
            // tp_len, after the status word.
            self.map.bytes_mut(off + 4, 4).copy_from_slice(&0u32.to_ne_bytes());
            self.cancelled[i] = true;
            n += 1;
        }
        n
    }

    #[cfg(test)]
    fn set_status(&self, i: usize, s: u32) {
        self.status(i).store(s, Ordering::Release);
    }

    #[cfg(test)]
    fn slot(&mut self, i: usize) -> &[u8] {
        let off = self.slot_offset(i);
        let fs = self.frame_size;
        self.map.bytes_mut(off, fs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_geometry_beyond_32_bits_is_refused_not_truncated() {
        assert_eq!(ring_u32(4096).unwrap(), 4096);
        assert_eq!(ring_u32(u32::MAX as usize).unwrap(), u32::MAX);
        let e = ring_u32(1 << 32).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("too large"));
        assert!(check_ring_bytes(MAX_RING_BYTES).is_ok());
        assert!(check_ring_bytes(MAX_RING_BYTES + 1).unwrap_err().to_string().contains("at most 1 GiB"));
    }

    /// Writes a V3 frame header at `off` in `block`; returns the data offset (`tp_mac`).
    fn put_frame(block: &mut [u8], off: usize, next: u32, data: &[u8], len: u32, pkttype: u8, vnet: bool) -> usize {
        let mac = V3_FRAME_HDR + SOCKADDR_LL + 16 + if vnet { 10 } else { 0 };
        let h = &mut block[off..];
        h[0..4].copy_from_slice(&next.to_ne_bytes());
        h[12..16].copy_from_slice(&(data.len() as u32).to_ne_bytes());
        h[16..20].copy_from_slice(&len.to_ne_bytes());
        h[20..24].copy_from_slice(&TP_STATUS_USER.to_ne_bytes());
        h[24..26].copy_from_slice(&(mac as u16).to_ne_bytes());
        h[V3_FRAME_HDR + 10] = pkttype;
        if vnet {
            h[mac - 10..mac].copy_from_slice(&[1, 0, 0, 0, 0, 0, 34, 0, 16, 0]);
        }
        h[mac..mac + data.len()].copy_from_slice(data);
        mac
    }

    fn put_block(block: &mut [u8], frames: &[&[u8]], vnet: bool) {
        block[12..16].copy_from_slice(&(frames.len() as u32).to_ne_bytes());
        block[16..20].copy_from_slice(&(V3_BLOCK_HDR as u32).to_ne_bytes());
        let mut off = V3_BLOCK_HDR;
        for (k, f) in frames.iter().enumerate() {
            let size = (V3_FRAME_HDR + SOCKADDR_LL + 26 + f.len()).next_multiple_of(16);
            let next = if k + 1 == frames.len() { 0 } else { size as u32 };
            put_frame(block, off, next, f, f.len() as u32, k as u8, vnet);
            off += size;
        }
        block[8..12].copy_from_slice(&TP_STATUS_USER.to_ne_bytes());
    }

    #[test]
    fn parses_a_frame_and_its_virtio_header() {
        let mut b = vec![0u8; 4096];
        let mac = put_frame(&mut b, 48, 0, &[7; 60], 60, 3, true);
        let f = parse_frame(&b, 48, true).unwrap();
        assert_eq!(f.data.len(), 70);
        assert_eq!(&f.data[..2], &[1, 0]);
        assert_eq!(&f.data[10..], &[7; 60][..]);
        assert_eq!(f.pkttype, 3);
        assert!(!f.truncated);
        let g = parse_frame(&b, 48, false).unwrap();
        assert_eq!(g.data.len(), 60);
        assert_eq!(mac, 48 + 20 + 16 + 10);
    }

    #[test]
    fn refuses_frames_outside_the_block() {
        let mut b = vec![0u8; 512];
        put_frame(&mut b, 48, 0, &[1; 100], 100, 0, false);
        // Snap length past the end of the block.
        b[48 + 12..48 + 16].copy_from_slice(&1000u32.to_ne_bytes());
        assert_eq!(parse_frame(&b, 48, false), Err(Malformed));
        // MAC offset inside the frame header (or before the virtio header would fit).
        put_frame(&mut b, 48, 0, &[1; 100], 100, 0, false);
        b[48 + 24..48 + 26].copy_from_slice(&30u16.to_ne_bytes());
        assert_eq!(parse_frame(&b, 48, false), Err(Malformed));
        b[48 + 24..48 + 26].copy_from_slice(&70u16.to_ne_bytes());
        assert_eq!(parse_frame(&b, 48, true), Err(Malformed));
        // MAC offset past the end.
        b[48 + 24..48 + 26].copy_from_slice(&u16::MAX.to_ne_bytes());
        assert_eq!(parse_frame(&b, 48, false), Err(Malformed));
        // Header itself past the end.
        assert_eq!(parse_frame(&b, 500, false), Err(Malformed));
        assert_eq!(parse_frame(&b, usize::MAX, false), Err(Malformed));
        // A truncated frame is readable and says so.
        put_frame(&mut b, 48, 0, &[1; 100], 5000, 0, false);
        assert!(parse_frame(&b, 48, false).unwrap().truncated);
        // Block headers pointing outside.
        let mut h = vec![0u8; 256];
        h[12..16].copy_from_slice(&2u32.to_ne_bytes());
        h[16..20].copy_from_slice(&300u32.to_ne_bytes());
        assert_eq!(parse_block_header(&h), None);
        h[16..20].copy_from_slice(&8u32.to_ne_bytes());
        assert_eq!(parse_block_header(&h), None);
    }

    #[test]
    fn reads_blocks_in_bursts_and_gives_them_back() {
        let mut ring = RxRing::anonymous(4096, 3, true);
        let frames: Vec<Vec<u8>> = (0..5u8).map(|i| vec![i; 60 + usize::from(i)]).collect();
        let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        put_block(ring.block_mut(0), &refs, true);
        put_block(ring.block_mut(1), &refs[..2], true);
        assert!(ring.has_frames());
        // Nothing in block 2 yet: reading stops there.
        let mut seen = Vec::new();
        let st = ring.read(3, |f| seen.push(f.data[10..].to_vec()));
        assert_eq!(st, RxStats { frames: 3, malformed: 0, blocks_released: 0 });
        assert_eq!(ring.block_status(0).load(Ordering::Relaxed), TP_STATUS_USER, "block 0 half read: still ours");
        let st = ring.read(32, |f| seen.push(f.data[10..].to_vec()));
        assert_eq!(st, RxStats { frames: 4, malformed: 0, blocks_released: 2 });
        assert_eq!(seen.len(), 7);
        assert_eq!(seen[4], frames[4]);
        assert_eq!(seen[6], frames[1]);
        assert_eq!(ring.block_status(0).load(Ordering::Relaxed), TP_STATUS_KERNEL);
        assert_eq!(ring.block_status(1).load(Ordering::Relaxed), TP_STATUS_KERNEL);
        assert!(!ring.has_frames());
        assert_eq!(ring.read(32, |_| panic!("block 2 is the kernel's")).frames, 0);
        // Wrap around: block 2, then block 0 again.
        put_block(ring.block_mut(2), &refs[..1], true);
        put_block(ring.block_mut(0), &refs[..1], true);
        assert_eq!(ring.read(32, |_| {}).blocks_released, 2);
    }

    #[test]
    fn a_malformed_block_is_counted_and_given_back() {
        let mut ring = RxRing::anonymous(4096, 2, false);
        let f = [9u8; 64];
        put_block(ring.block_mut(0), &[&f, &f, &f], false);
        // The second frame's next offset runs off the block.
        let first = V3_BLOCK_HDR;
        let second = first + u32_at(ring.block_mut(0), first).unwrap() as usize;
        ring.block_mut(0)[second..second + 4].copy_from_slice(&100_000u32.to_ne_bytes());
        put_block(ring.block_mut(1), &[&f], false);
        ring.block_mut(1)[48 + 12..48 + 16].copy_from_slice(&1_000_000u32.to_ne_bytes());
        let mut n = 0;
        let st = ring.read(32, |_| n += 1);
        assert_eq!(st, RxStats { frames: 2, malformed: 2, blocks_released: 2 });
        assert_eq!(n, 2);
    }

    #[test]
    fn transmit_slots_go_round_in_order() {
        let mut ring = TxRing::anonymous(256, 4, true);
        assert_eq!(ring.max_frame(), 256 - 32 - 10);
        let vh = [1u8, 1, 54, 0, 200, 5, 34, 0, 16, 0];
        ring.push(&[5; 60], Some(&vh)).unwrap();
        ring.push(&[6; 60], None).unwrap();
        ring.push(&[7; 60], None).unwrap();
        assert_eq!(ring.push(&[0; 215], None), Err(RingFull), "too long for a slot");
        {
            let s = ring.slot(0);
            assert_eq!(u32_at(s, 0), Some(TP_STATUS_SEND_REQUEST));
            assert_eq!(u32_at(s, 4), Some(70));
            assert_eq!(&s[32..42], &vh);
            assert_eq!(&s[42..102], &[5; 60]);
        }
        assert_eq!(&ring.slot(1)[32..42], &[0; 10]);
        assert!(ring.has_unsent());
        // The kernel sends slot 0, is still sending slot 1; slot 2 is done out of order.
        ring.set_status(0, TP_STATUS_AVAILABLE);
        ring.set_status(1, TP_STATUS_SENDING);
        ring.set_status(2, TP_STATUS_AVAILABLE);
        assert!(!ring.has_unsent());
        assert_eq!(ring.peek_done(), Reclaimed { sent: 1, cancelled: 0 });
        assert_eq!(ring.reclaim(), Reclaimed { sent: 1, cancelled: 0 });
        assert_eq!(ring.in_flight(), 2);
        ring.push(&[8; 60], None).unwrap();
        ring.push(&[9; 60], None).unwrap();
        assert_eq!(ring.push(&[9; 60], None), Err(RingFull), "four slots in flight");
        ring.set_status(1, TP_STATUS_AVAILABLE);
        assert_eq!(ring.reclaim(), Reclaimed { sent: 2, cancelled: 0 });
        // Slots 3 and 0 wait; the device goes down: they are withdrawn.
        assert!(ring.has_unsent());
        assert_eq!(ring.cancel_unsent(), 2);
        assert!(!ring.has_unsent(), "withdrawn frames do not keep the element busy");
        assert_eq!(u32_at(ring.slot(3), 4), Some(0));
        assert_eq!(ring.reclaim(), Reclaimed::default(), "the kernel has not skipped them yet");
        ring.set_status(3, TP_STATUS_AVAILABLE);
        ring.set_status(0, TP_STATUS_AVAILABLE);
        assert_eq!(ring.reclaim(), Reclaimed { sent: 0, cancelled: 2 });
        assert_eq!(ring.in_flight(), 0);
        ring.push(&[1; 60], None).unwrap();
        assert_eq!(ring.reclaim(), Reclaimed::default());
    }

    #[test]
    fn slot_offsets_without_division_match_the_block_layout() {
        for (fs, per, bs) in [(2048, 512, 1 << 20), (16384, 64, 1 << 20), (3072, 3, 12288), (3000, 2, 8192)] {
            for i in 0..4 * per {
                assert_eq!(slot_at(i, fs, per, bs), (i / per) * bs + (i % per) * fs, "slot {i} of {fs}/{per}/{bs}");
            }
        }
        assert_eq!(ring_add(0, 1, 4), 1);
        assert_eq!(ring_add(3, 1, 4), 0);
        assert_eq!(ring_add(2, 3, 4), 1);
        assert_eq!(ring_add(1, 4, 4), 1);
        assert_eq!(ring_add(0, 0, 1), 0);
    }

    #[test]
    fn slot_sizes() {
        assert_eq!(TxRing::frame_size_for(1518), 2048);
        assert_eq!(TxRing::frame_size_for(9018), 16384);
        assert!(TxRing::frame_size_for(65536 + 14) >= 32 + 10 + 65550);
        assert_eq!(TxRing::frame_size_for(65536 + 14) % 4096, 0);
    }

    fn put_slot_v2(slot: &mut [u8], status: u32, data: &[u8], len: u32, vnet: bool) {
        let mac = V2_FRAME_HDR + SOCKADDR_LL + 12 + if vnet { 10 } else { 0 };
        slot[4..8].copy_from_slice(&len.to_ne_bytes());
        slot[8..12].copy_from_slice(&(data.len() as u32).to_ne_bytes());
        slot[12..14].copy_from_slice(&(mac as u16).to_ne_bytes());
        slot[V2_FRAME_HDR + 10] = 4;
        slot[mac..mac + data.len()].copy_from_slice(data);
        slot[0..4].copy_from_slice(&status.to_ne_bytes());
    }

    #[test]
    fn v2_slots_are_read_in_order_and_given_back() {
        let mut ring = RxRingV2::anonymous(512, 4, true);
        put_slot_v2(ring.slot_mut(0), TP_STATUS_USER, &[1; 60], 60, true);
        put_slot_v2(ring.slot_mut(1), TP_STATUS_USER | TP_STATUS_COPY, &[2; 100], 70000, true);
        put_slot_v2(ring.slot_mut(2), TP_STATUS_USER, &[3; 100], 100, true);
        let mut seen = Vec::new();
        let st = ring.read(2, |f| {
            seen.push(match f {
                V2Frame::Slot(fr) => fr.data[10..].to_vec(),
                V2Frame::Copied => vec![],
            })
        });
        assert_eq!(st.frames, 2);
        assert_eq!(seen, vec![vec![1; 60], vec![]]);
        assert_eq!(u32_at(ring.slot_mut(0), 0), Some(TP_STATUS_KERNEL));
        assert_eq!(u32_at(ring.slot_mut(2), 0), Some(TP_STATUS_USER), "beyond max: still ours");
        assert!(ring.has_frames());
        assert_eq!(ring.read(32, |_| {}).frames, 1);
        assert!(!ring.has_frames());
        assert_eq!(ring.read(32, |_| panic!("slot 3 is the kernel's")).frames, 0);
        // Wraps around; a malformed slot is counted and given back.
        put_slot_v2(ring.slot_mut(3), TP_STATUS_USER, &[4; 10], 10, true);
        put_slot_v2(ring.slot_mut(0), TP_STATUS_USER, &[4; 10], 10, true);
        ring.slot_mut(0)[8..12].copy_from_slice(&100_000u32.to_ne_bytes());
        assert!(ring.has_frames());
        let st = ring.read(32, |_| {});
        assert_eq!((st.frames, st.malformed), (1, 1));
        assert_eq!(u32_at(ring.slot_mut(0), 0), Some(TP_STATUS_KERNEL));
    }

    #[test]
    fn v2_slots_outside_bounds_are_refused() {
        let mut s = vec![0u8; 256];
        put_slot_v2(&mut s, TP_STATUS_USER, &[1; 100], 100, false);
        assert!(parse_slot_v2(&s, false).is_ok());
        assert_eq!(parse_slot_v2(&s, true).map(|f| f.data.len()), Ok(110));
        s[12..14].copy_from_slice(&40u16.to_ne_bytes());
        assert_eq!(parse_slot_v2(&s, false), Err(Malformed));
        s[12..14].copy_from_slice(&200u16.to_ne_bytes());
        assert_eq!(parse_slot_v2(&s, false), Err(Malformed));
        assert_eq!(parse_slot_v2(&s[..40], false), Err(Malformed));
    }
}
