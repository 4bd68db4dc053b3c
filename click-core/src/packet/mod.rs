//! Packets: a byte buffer with headroom and tailroom, header offsets and annotations.
//!
//! A [`Packet`] owns a pointer to a pooled descriptor that holds the buffer reference, the
//! data range, the MAC/network/transport header offsets and the annotations. Packets are
//! 8 bytes to move, so batches and queues shuffle pointers, not headers.
//!
//! * **Headroom**: [`DEFAULT_HEADROOM`] bytes before the data, enough for a VXLAN (50 bytes),
//!   LISP (36) or VLAN (4) encapsulation plus a new Ethernet header, so [`Packet::push`]
//!   normally just moves an offset.
//! * **Clones share the buffer** ([`Clone`] costs an atomic increment); writing through
//!   [`Packet::data_mut`] or [`Packet::push`] on a shared buffer copies it first.
//! * **Pooling**: descriptors and standard-size buffers come from a per-thread pool and go
//!   back to it on drop, so a steady stream of packets allocates nothing.

mod anno;
mod buffer;
mod pool;

pub use anno::{ANNO_SIZE, Annotations, PacketType, Timestamp, offset as anno_offset};
pub use pool::{PoolStats, copies_on_write, pool_stats};

use std::mem::ManuallyDrop;
use std::net::Ipv4Addr;

use buffer::Buffer;

/// Bytes reserved before the data of a new packet.
pub const DEFAULT_HEADROOM: usize = 128;
/// Capacity of a standard (pooled) buffer: headroom, a 1518-byte frame and some tailroom.
pub const STANDARD_CAPACITY: usize = 2048;
/// Capacity of a large (pooled) buffer: a 64 KB segmentation-offload aggregate with its
/// Ethernet and VLAN headers, the default headroom and some tailroom.
pub const LARGE_CAPACITY: usize = 68 << 10;

const NO_HEADER: u32 = u32::MAX;

/// The pooled part of a packet. Aligned to a cache line so that no other data shares its
/// lines: descriptors are written for every packet, and one thread's descriptors must not
/// sit beside memory another thread writes.
/// `bytes[start..end]` for a range within a live packet's layout: `start <= end <=` its
/// `end`, which is at most the buffer's capacity (see [`Descriptor`]). Without the bounds
/// checks: every element reads its packets' data through here, and the checks (with the load
/// of the capacity they need) cost a few instructions each time (c_iprouter 380 -> 340 a
/// packet).
#[inline(always)]
fn within(bytes: &[u8], start: usize, end: usize) -> &[u8] {
    debug_assert!(start <= end && end <= bytes.len(), "range {start}..{end} of {}", bytes.len());
    // SAFETY: the caller's range lies within the layout, so within the buffer (above).
    #[allow(unsafe_code)]
    unsafe {
        bytes.get_unchecked(start..end)
    }
}

/// [`within`], writable.
#[inline(always)]
fn within_mut(bytes: &mut [u8], start: usize, end: usize) -> &mut [u8] {
    debug_assert!(start <= end && end <= bytes.len(), "range {start}..{end} of {}", bytes.len());
    // SAFETY: as in `within`.
    #[allow(unsafe_code)]
    unsafe {
        bytes.get_unchecked_mut(start..end)
    }
}

/// A packet's descriptor. In a live packet `buf` is `Some` and `data <= end <= capacity` of
/// that buffer: every change to the offsets or the buffer below keeps it (a new layout comes
/// with a buffer at least that large; `pull`, `take` and `truncate` stay within the data;
/// `push` and `put` make room first), and [`within`] reads without bounds checks because of
/// it (tests/packet_model.rs).
#[repr(align(64))]
pub(crate) struct Descriptor {
    /// Always `Some` in a live packet; `None` only for descriptors waiting in the pool
    /// without a buffer (so that recycling never touches a placeholder's reference count).
    buf: Option<Buffer>,
    data: u32,
    end: u32,
    mac: u32,
    net: u32,
    transport: u32,
    anno: Annotations,
}

impl Descriptor {
    fn new(buf: Option<Buffer>) -> Descriptor {
        Descriptor {
            buf,
            data: 0,
            end: 0,
            mac: NO_HEADER,
            net: NO_HEADER,
            transport: NO_HEADER,
            anno: Annotations::default(),
        }
    }

    #[inline]
    fn buf(&self) -> &Buffer {
        match &self.buf {
            Some(b) => b,
            None => no_buffer(),
        }
    }

    #[inline]
    fn buf_mut(&mut self) -> &mut Buffer {
        match &mut self.buf {
            Some(b) => b,
            None => no_buffer(),
        }
    }

    /// Takes `src`'s data and header offsets and its annotations (not its buffer).
    #[inline(always)]
    fn copy_layout_from(&mut self, src: &Descriptor) {
        self.data = src.data;
        self.end = src.end;
        self.mac = src.mac;
        self.net = src.net;
        self.transport = src.transport;
        self.anno = src.anno;
    }

    fn reset(&mut self, headroom: usize, len: usize) {
        self.data = headroom as u32;
        self.end = (headroom + len) as u32;
        self.mac = NO_HEADER;
        self.net = NO_HEADER;
        self.transport = NO_HEADER;
        self.anno = Annotations::default();
    }
}

/// Where a descriptor without a buffer would be used: never, for a descriptor inside a
/// packet (every packet is made with one; only the pool's idle descriptors lack one).
#[inline(always)]
fn no_buffer() -> ! {
    debug_assert!(false, "a live packet always has a buffer");
    // SAFETY: unreachable: `Descriptor::buf` is `Some` for every descriptor a `Packet`
    // holds (the pool hands out descriptors with a buffer, and takes it away only from
    // descriptors given back), and `buf`/`buf_mut` are only called on those.
    #[allow(unsafe_code)]
    unsafe {
        std::hint::unreachable_unchecked()
    }
}

/// A network packet.
pub struct Packet {
    // Always initialized; taken out only in `Drop`.
    d: ManuallyDrop<Box<Descriptor>>,
}

impl Packet {
    /// A packet of `len` zero bytes with default headroom.
    pub fn new(len: usize) -> Packet {
        Self::make(DEFAULT_HEADROOM, len, 0)
    }

    /// A packet holding a copy of `data`, with default headroom.
    pub fn from_slice(data: &[u8]) -> Packet {
        let mut p = Self::make_uninit(DEFAULT_HEADROOM, data.len(), 0);
        p.data_mut().copy_from_slice(data);
        p
    }

    /// A packet holding a copy of `data` with at least `headroom` bytes before it (no
    /// zeroing first: what device elements use for each frame read).
    pub fn from_slice_with_headroom(headroom: usize, data: &[u8]) -> Packet {
        let mut p = Self::make_uninit(headroom, data.len(), 0);
        p.data_mut().copy_from_slice(data);
        p
    }

    /// A packet of `len` zero bytes with at least `headroom` bytes before and `tailroom`
    /// after. Packets that fit a standard buffer use the pool.
    pub fn make(headroom: usize, len: usize, tailroom: usize) -> Packet {
        let mut p = Self::make_uninit(headroom, len, tailroom);
        p.data_mut().fill(0);
        p
    }

    /// Like [`Packet::make`] without zeroing the data: it holds whatever bytes the recycled
    /// buffer held (an earlier packet's, or zeroes; never uninitialized memory). For callers
    /// that overwrite all of it at once, such as a device element building a segment from
    /// its headers and a slice of payload.
    pub fn make_unzeroed(headroom: usize, len: usize, tailroom: usize) -> Packet {
        Self::make_uninit(headroom, len, tailroom)
    }

    /// Like [`Packet::make`] but the data bytes hold whatever the recycled buffer held.
    pub(crate) fn make_uninit(headroom: usize, len: usize, tailroom: usize) -> Packet {
        let need = headroom + len + tailroom;
        let mut d = pool::take_descriptor(need);
        d.reset(headroom, len);
        Packet { d: ManuallyDrop::new(d) }
    }

    // ---- data ----

    /// Length of the data in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        (self.d.end - self.d.data) as usize
    }

    /// True when the data is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.d.end == self.d.data
    }

    /// The data.
    #[inline]
    pub fn data(&self) -> &[u8] {
        within(self.d.buf().as_slice(), self.d.data as usize, self.d.end as usize)
    }

    /// The data, writable; copies a shared buffer first.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        let (start, end) = (self.d.data as usize, self.d.end as usize);
        within_mut(self.buffer_mut(), start, end)
    }

    /// The whole buffer, writable; copies a shared buffer first.
    #[inline]
    fn buffer_mut(&mut self) -> &mut [u8] {
        if !self.d.buf().is_unique() {
            self.unshare(0);
        }
        // SAFETY: the count is 1: it was, and `&mut self` has held the buffer since, or
        // `unshare` just put in a fresh one. (`try_mut` would load the count again.)
        #[allow(unsafe_code)]
        unsafe {
            self.d.buf_mut().bytes_mut_unchecked()
        }
    }

    /// Bytes free before the data.
    #[inline]
    pub fn headroom(&self) -> usize {
        self.d.data as usize
    }

    /// Bytes free after the data.
    #[inline]
    pub fn tailroom(&self) -> usize {
        self.d.buf().capacity() - self.d.end as usize
    }

    /// Capacity of the underlying buffer.
    pub fn buffer_capacity(&self) -> usize {
        self.d.buf().capacity()
    }

    /// True when another packet shares this one's buffer.
    #[inline]
    pub fn is_shared(&self) -> bool {
        !self.d.buf().is_unique()
    }

    /// Makes the buffer private to this packet (Click's `uniqueify`), copying if shared.
    pub fn make_unique(&mut self) {
        if !self.d.buf().is_unique() {
            self.unshare(0);
        }
    }

    /// Copies the buffer into a private one with `extra_headroom` more bytes before the data.
    #[cold]
    fn unshare(&mut self, extra_headroom: usize) {
        if !self.d.buf().is_unique() {
            pool::note_copy_on_write();
        }
        let old = self.d.buf().as_slice();
        let (data, end) = (self.d.data as usize, self.d.end as usize);
        let headroom = data + extra_headroom;
        let tailroom = old.len() - end;
        let mut buf = pool::take_buffer(headroom + (end - data) + tailroom);
        {
            let dst = buf.try_mut().expect("fresh buffer is unique");
            // Copy the headroom too: stripped headers (the MAC header after Strip) stay readable.
            dst[extra_headroom..extra_headroom + end].copy_from_slice(&old[..end]);
        }
        let old_buf = std::mem::replace(self.d.buf_mut(), buf);
        pool::recycle_buffer(old_buf);
        if extra_headroom == 0 {
            return;
        }
        let shift = extra_headroom as u32;
        self.d.data += shift;
        self.d.end += shift;
        let d = &mut **self.d;
        for h in [&mut d.mac, &mut d.net, &mut d.transport] {
            if *h != NO_HEADER {
                *h += shift;
            }
        }
    }

    /// Prepends `n` bytes (Click's `push`) and returns them for writing. Uses headroom when
    /// the buffer is private and has room; copies otherwise.
    #[inline]
    pub fn push(&mut self, n: usize) -> &mut [u8] {
        self.grow_front(n);
        self.front_mut(n)
    }

    /// Prepends `n` bytes and marks them as the MAC header, the network header following
    /// them (Click's `push_mac_header`); returns them for writing. The marks are set before
    /// the bytes are written: set after, they would reread offsets the writes might alias.
    #[inline]
    pub fn push_mac_header(&mut self, n: usize) -> &mut [u8] {
        self.grow_front(n);
        let start = self.d.data;
        (self.d.mac, self.d.net) = (start, start + n as u32);
        self.front_mut(n)
    }

    /// Moves the data's start `n` bytes earlier, into a private buffer with room for them
    /// (the same one when it is unshared and its headroom suffices).
    #[inline]
    fn grow_front(&mut self, n: usize) {
        if self.headroom() < n {
            self.unshare(n - self.headroom() + DEFAULT_HEADROOM);
        } else if !self.d.buf().is_unique() {
            self.unshare(0);
        }
        self.d.data -= n as u32;
    }

    /// The first `n` bytes of the data, writable, right after [`Packet::grow_front`].
    #[inline]
    fn front_mut(&mut self, n: usize) -> &mut [u8] {
        let start = self.d.data as usize;
        // SAFETY: the count is 1: `grow_front` saw it or put in a fresh buffer, and `&mut
        // self` has held the buffer since.
        #[allow(unsafe_code)]
        let bytes = unsafe { self.d.buf_mut().bytes_mut_unchecked() };
        within_mut(bytes, start, start + n)
    }

    /// Prepends a copy of `bytes`.
    pub fn prepend(&mut self, bytes: &[u8]) {
        self.push(bytes.len()).copy_from_slice(bytes);
    }

    /// Removes `n` bytes from the front (Click's `pull`); at most the whole data.
    #[inline]
    pub fn pull(&mut self, n: usize) {
        let n = n.min(self.len()) as u32;
        self.d.data += n;
    }

    /// Appends `n` bytes (Click's `put`) and returns them for writing, copying into a larger
    /// buffer when the tailroom is too small.
    pub fn put(&mut self, n: usize) -> &mut [u8] {
        if self.tailroom() < n || !self.d.buf().is_unique() {
            let old = self.d.buf().as_slice();
            let (data, end) = (self.d.data as usize, self.d.end as usize);
            let mut buf = pool::take_buffer(end + n.max(old.len() - end));
            buf.try_mut().expect("fresh buffer is unique")[..end].copy_from_slice(&old[..end]);
            let old_buf = std::mem::replace(self.d.buf_mut(), buf);
            pool::recycle_buffer(old_buf);
            debug_assert_eq!(self.d.data as usize, data);
        }
        let end = self.d.end as usize;
        self.d.end += n as u32;
        &mut self.d.buf_mut().try_mut().expect("unique")[end..end + n]
    }

    /// Appends a copy of `bytes`.
    pub fn append(&mut self, bytes: &[u8]) {
        self.put(bytes.len()).copy_from_slice(bytes);
    }

    /// Removes `n` bytes from the end (Click's `take`); at most the whole data.
    #[inline]
    pub fn take(&mut self, n: usize) {
        let n = n.min(self.len()) as u32;
        self.d.end -= n;
    }

    /// Shortens the data to `len` bytes (no effect if already shorter).
    pub fn truncate(&mut self, len: usize) {
        if len < self.len() {
            self.d.end = self.d.data + len as u32;
        }
    }

    // ---- header offsets ----

    fn rel(&self, abs: u32) -> Option<isize> {
        (abs != NO_HEADER).then(|| abs as isize - self.d.data as isize)
    }

    fn abs(&self, offset: isize) -> u32 {
        let a = self.d.data as isize + offset;
        if a < 0 || a as usize > self.d.buf().capacity() { NO_HEADER } else { a as u32 }
    }

    #[inline]
    fn slice_from(&self, abs: u32) -> Option<&[u8]> {
        // NO_HEADER lies beyond any end.
        if abs > self.d.end {
            return None;
        }
        Some(within(self.d.buf().as_slice(), abs as usize, self.d.end as usize))
    }

    #[inline]
    fn slice_from_mut(&mut self, abs: u32) -> Option<&mut [u8]> {
        // NO_HEADER lies beyond any end.
        if abs > self.d.end {
            return None;
        }
        let end = self.d.end as usize;
        Some(within_mut(self.buffer_mut(), abs as usize, end))
    }

    /// Offset of the MAC header from the start of the data (negative once stripped).
    pub fn mac_header_offset(&self) -> Option<isize> {
        self.rel(self.d.mac)
    }

    /// Offset of the network header from the start of the data.
    pub fn network_header_offset(&self) -> Option<isize> {
        self.rel(self.d.net)
    }

    /// Offset of the transport header from the start of the data.
    pub fn transport_header_offset(&self) -> Option<isize> {
        self.rel(self.d.transport)
    }

    /// Marks the MAC header at `offset` from the data start, `len` bytes long; the network
    /// header follows it.
    #[inline]
    pub fn set_mac_header(&mut self, offset: isize, len: usize) {
        if let Some((mac, net)) = self.within_data(offset, len) {
            (self.d.mac, self.d.net) = (mac, net);
            return;
        }
        self.d.mac = self.abs(offset);
        self.d.net = self.abs(offset + len as isize);
    }

    /// Absolute offsets of `offset` and `offset + len` when both lie within the data (the
    /// common case, which needs no check against the buffer's capacity).
    #[inline]
    fn within_data(&self, offset: isize, len: usize) -> Option<(u32, u32)> {
        let off = usize::try_from(offset).ok()?;
        if off.checked_add(len)? > self.len() {
            return None;
        }
        let start = self.d.data + off as u32;
        Some((start, start + len as u32))
    }

    /// Marks the MAC header at `offset` from the data start and nothing else (Click's
    /// one-argument `set_mac_header`): the network header stays as it was.
    #[inline]
    pub fn set_mac_header_only(&mut self, offset: isize) {
        self.d.mac = match self.within_data(offset, 0) {
            Some((mac, _)) => mac,
            None => self.abs(offset),
        };
    }

    /// Marks the network header at `offset` from the data start, `len` bytes long; the
    /// transport header follows it.
    #[inline]
    pub fn set_network_header(&mut self, offset: isize, len: usize) {
        if let Some((net, transport)) = self.within_data(offset, len) {
            (self.d.net, self.d.transport) = (net, transport);
            return;
        }
        self.d.net = self.abs(offset);
        self.d.transport = self.abs(offset + len as isize);
    }

    /// Changes the network header length (the transport header moves).
    pub fn set_network_header_length(&mut self, len: usize) {
        if self.d.net != NO_HEADER {
            self.d.transport = self.d.net.saturating_add(len as u32);
        }
    }

    /// Marks the transport header at `offset` from the data start.
    pub fn set_transport_header(&mut self, offset: isize) {
        self.d.transport = self.abs(offset);
    }

    /// Forgets all header offsets.
    pub fn clear_headers(&mut self) {
        self.d.mac = NO_HEADER;
        self.d.net = NO_HEADER;
        self.d.transport = NO_HEADER;
    }

    /// Bytes from the MAC header to the end of the data.
    #[inline]
    pub fn mac_header(&self) -> Option<&[u8]> {
        self.slice_from(self.d.mac)
    }

    /// Bytes from the network header to the end of the data.
    pub fn network_header(&self) -> Option<&[u8]> {
        self.slice_from(self.d.net)
    }

    /// Writable bytes from the network header to the end of the data.
    #[inline]
    pub fn network_header_mut(&mut self) -> Option<&mut [u8]> {
        self.slice_from_mut(self.d.net)
    }

    /// Writable bytes from the MAC header to the end of the data.
    pub fn mac_header_mut(&mut self) -> Option<&mut [u8]> {
        self.slice_from_mut(self.d.mac)
    }

    /// Bytes from the transport header to the end of the data.
    #[inline]
    pub fn transport_header(&self) -> Option<&[u8]> {
        self.slice_from(self.d.transport)
    }

    /// Writable bytes from the transport header to the end of the data.
    pub fn transport_header_mut(&mut self) -> Option<&mut [u8]> {
        self.slice_from_mut(self.d.transport)
    }

    /// Length of the network header (transport offset minus network offset).
    pub fn network_header_length(&self) -> Option<usize> {
        (self.d.net != NO_HEADER && self.d.transport != NO_HEADER && self.d.transport >= self.d.net)
            .then(|| (self.d.transport - self.d.net) as usize)
    }

    // ---- annotations ----

    /// All annotations.
    #[inline]
    pub fn anno(&self) -> &Annotations {
        &self.d.anno
    }

    /// All annotations, writable (annotations are per packet, never shared).
    #[inline]
    pub fn anno_mut(&mut self) -> &mut Annotations {
        &mut self.d.anno
    }

    /// The timestamp annotation.
    #[inline]
    pub fn timestamp(&self) -> Timestamp {
        self.d.anno.timestamp
    }

    /// Sets the timestamp annotation.
    #[inline]
    pub fn set_timestamp(&mut self, t: Timestamp) {
        self.d.anno.timestamp = t;
    }

    /// The link-layer packet type.
    pub fn packet_type(&self) -> PacketType {
        self.d.anno.packet_type
    }

    /// Sets the link-layer packet type.
    pub fn set_packet_type(&mut self, t: PacketType) {
        self.d.anno.packet_type = t;
    }

    /// The IPv4 destination annotation.
    #[inline]
    pub fn dst_ip_anno(&self) -> Ipv4Addr {
        self.d.anno.dst_ip()
    }

    /// Sets the IPv4 destination annotation.
    #[inline]
    pub fn set_dst_ip_anno(&mut self, a: Ipv4Addr) {
        self.d.anno.set_dst_ip(a);
    }

    /// The paint annotation.
    pub fn paint_anno(&self) -> u8 {
        self.d.anno.paint()
    }

    /// Sets the paint annotation.
    pub fn set_paint_anno(&mut self, c: u8) {
        self.d.anno.set_paint(c);
    }

    /// Copies annotations and header offsets (relative to the data) from `other`.
    pub fn copy_metadata_from(&mut self, other: &Packet) {
        self.d.anno = other.d.anno;
        let delta = self.d.data as i64 - other.d.data as i64;
        let map = |h: u32| {
            if h == NO_HEADER { NO_HEADER } else { (h as i64 + delta).max(0) as u32 }
        };
        self.d.mac = map(other.d.mac);
        self.d.net = map(other.d.net);
        self.d.transport = map(other.d.transport);
    }
}

impl Packet {
    /// Appends `n` clones of this packet to `out` with one visit to the pool (sources such as
    /// InfiniteSource emit bursts of clones).
    pub fn clone_into(&self, n: usize, out: &mut crate::batch::Batch) {
        let src = &*self.d;
        pool::clone_many(src.buf(), n, |mut d| {
            d.copy_layout_from(src);
            out.push(Packet { d: ManuallyDrop::new(d) });
        });
    }

    /// Appends `n` private copies of this packet to `out` with one visit to the pool: the same
    /// data at the same offsets, the same header offsets and annotations, each in a buffer of
    /// its own. For a small packet this takes more instructions than a clone (about 60 more
    /// for 64 bytes) but writes no shared reference count, and an element that writes the
    /// copy later (DecIPTTL, EtherEncap) finds it unshared instead of copying it then. Falls back to clones for a packet that does not fit a standard buffer.
    pub fn copy_into(&self, n: usize, out: &mut crate::batch::Batch) {
        let src = &*self.d;
        let (data, end) = (src.data as usize, src.end as usize);
        if src.buf().capacity() > STANDARD_CAPACITY {
            return self.clone_into(n, out);
        }
        // From the first header on: a header in the headroom (the MAC header after Strip)
        // stays readable, as in a clone.
        let start = [src.mac, src.net, src.transport].into_iter().fold(data, |s, h| s.min(h as usize));
        let bytes = &src.buf().as_slice()[start..end];
        // The descriptors first, in one visit to the pool, then one plain loop filling them
        // (a call per packet otherwise: the filling is too big to inline into the pool's loop).
        let before = out.len();
        pool::take_many(n, |d| out.push(Packet { d: ManuallyDrop::new(d) }));
        for p in &mut out.as_mut_slice()[before..] {
            // SAFETY: the pool hands out standard buffers only with a count of 1 (it keeps a
            // buffer only while unique, and nobody else holds it there), and this one has
            // been ours since.
            #[allow(unsafe_code)]
            let dst = unsafe { p.d.buf_mut().bytes_mut_unchecked() };
            dst[start..end].copy_from_slice(bytes);
            p.d.copy_layout_from(src);
        }
    }

    /// Gives up the descriptor without running `Drop` (for recycling many at once).
    pub(crate) fn into_descriptor(self) -> Box<Descriptor> {
        let mut me = ManuallyDrop::new(self);
        // SAFETY: `d` is initialized and, with `self` never dropped, taken exactly once.
        #[allow(unsafe_code)]
        unsafe {
            ManuallyDrop::take(&mut me.d)
        }
    }
}

/// Drops every packet of `packets`, returning their descriptors to the pool in one visit.
pub(crate) fn recycle_all(mut packets: std::vec::Drain<'_, Packet>) {
    if packets.len() == 1 {
        // One packet: its own drop is the shortest path.
        drop(packets.next());
        return;
    }
    pool::recycle_many(packets.map(Packet::into_descriptor));
}

impl Clone for Packet {
    /// A new packet sharing this one's bytes, with its own copy of the annotations and offsets.
    fn clone(&self) -> Packet {
        let mut d = pool::take_shell_for_clone(self.d.buf().clone());
        d.data = self.d.data;
        d.end = self.d.end;
        d.mac = self.d.mac;
        d.net = self.d.net;
        d.transport = self.d.transport;
        d.anno = self.d.anno;
        Packet { d: ManuallyDrop::new(d) }
    }
}

impl Drop for Packet {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `d` is initialized from construction until here and never used again.
        #[allow(unsafe_code)]
        let d = unsafe { ManuallyDrop::take(&mut self.d) };
        pool::recycle_descriptor(d);
    }
}

impl std::fmt::Debug for Packet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Packet")
            .field("len", &self.len())
            .field("headroom", &self.headroom())
            .field("shared", &self.is_shared())
            .field("data", &self.data())
            .finish()
    }
}

impl PartialEq for Packet {
    /// Packets are equal when their data is.
    fn eq(&self, other: &Packet) -> bool {
        self.data() == other.data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_uses_headroom_without_copy() {
        let mut p = Packet::from_slice(&[1, 2, 3]);
        assert_eq!(p.headroom(), DEFAULT_HEADROOM);
        p.push(2).copy_from_slice(&[8, 9]);
        assert_eq!(p.data(), &[8, 9, 1, 2, 3]);
        assert_eq!(p.headroom(), DEFAULT_HEADROOM - 2);
        p.pull(1);
        assert_eq!(p.data(), &[9, 1, 2, 3]);
        p.take(2);
        assert_eq!(p.data(), &[9, 1]);
        p.append(&[5]);
        assert_eq!(p.data(), &[9, 1, 5]);
        p.pull(100);
        assert!(p.is_empty());
    }

    #[test]
    fn push_beyond_headroom_copies() {
        let mut p = Packet::from_slice(&[1, 2, 3]);
        p.set_network_header(0, 3);
        let big = vec![7u8; DEFAULT_HEADROOM + 10];
        p.prepend(&big);
        assert_eq!(p.len(), big.len() + 3);
        assert_eq!(&p.data()[big.len()..], &[1, 2, 3]);
        assert_eq!(p.network_header_offset(), Some(big.len() as isize));
        assert_eq!(p.network_header(), Some(&[1u8, 2, 3][..]));
    }

    #[test]
    fn clone_shares_until_write() {
        let mut a = Packet::from_slice(&[1, 2, 3, 4]);
        a.set_paint_anno(3);
        let mut b = a.clone();
        assert!(a.is_shared() && b.is_shared());
        assert_eq!(b.paint_anno(), 3);
        b.data_mut()[0] = 99;
        assert!(!a.is_shared() && !b.is_shared());
        assert_eq!(a.data(), &[1, 2, 3, 4]);
        assert_eq!(b.data(), &[99, 2, 3, 4]);
        b.set_paint_anno(4);
        assert_eq!(a.paint_anno(), 3);
    }

    #[test]
    fn push_on_shared_copies() {
        let a = Packet::from_slice(&[1, 2]);
        let mut b = a.clone();
        b.prepend(&[0]);
        assert_eq!(a.data(), &[1, 2]);
        assert_eq!(b.data(), &[0, 1, 2]);
    }

    #[test]
    fn headers_survive_strip() {
        let mut p = Packet::from_slice(&[0u8; 34]);
        p.set_mac_header(0, 14);
        p.set_network_header_length(20);
        p.pull(14);
        assert_eq!(p.mac_header_offset(), Some(-14));
        assert_eq!(p.network_header_offset(), Some(0));
        assert_eq!(p.network_header_length(), Some(20));
        assert_eq!(p.mac_header().unwrap().len(), 34);
        assert_eq!(p.transport_header().unwrap().len(), 0);
    }

    #[test]
    fn large_packets_work() {
        let mut p = Packet::new(60_000);
        assert!(p.buffer_capacity() >= 60_000 + DEFAULT_HEADROOM);
        p.data_mut()[59_999] = 1;
        let q = p.clone();
        assert_eq!(q.data()[59_999], 1);
    }

    #[test]
    fn put_grows_buffer() {
        let mut p = Packet::from_slice(&[1; 1500]);
        p.put(1000).fill(2);
        assert_eq!(p.len(), 2500);
        assert_eq!(p.data()[1499], 1);
        assert_eq!(p.data()[1500], 2);
    }

    #[test]
    fn unset_headers_are_none() {
        let p = Packet::new(10);
        assert_eq!(p.network_header(), None);
        assert_eq!(p.mac_header_offset(), None);
        assert_eq!(p.network_header_length(), None);
    }
}
