//! Finishing what the kernel's offloads left undone, before a frame enters the graph.
//!
//! With `PACKET_VNET_HDR` every frame read from a packet socket (or a TAP device with
//! `IFF_VNET_HDR`) comes after a 10-byte `virtio_net_hdr`. Two things may be unfinished:
//!
//! * **Partial checksums** (`VIRTIO_NET_HDR_F_NEEDS_CSUM`): the TCP/UDP checksum field holds
//!   only the pseudo-header sum; the sum from `csum_start` to the end must be folded in and
//!   stored at `csum_start + csum_offset`. We do that.
//! * **Segmentation offload** (`gso_type` TCPv4, TCPv6, UDP_L4): the frame is up to 64 KB
//!   and stands for many MSS-sized segments. We split it here, in software, into real
//!   segments with their own IP lengths, IP identifiers, TCP sequence numbers and flags, and
//!   complete checksums. Elements downstream (IPFragmenter with an MTU, counters, ARP
//!   queues) then see exactly the packets that would have crossed a wire, as Click's
//!   elements expect. The old UDP fragmentation offload (UFO) is refused and counted.

use click_core::{Batch, Packet};

use crate::wire::checksum;

/// `virtio_net_hdr.flags`: the checksum must be completed.
pub const F_NEEDS_CSUM: u8 = 1;
/// GSO types.
pub const GSO_NONE: u8 = 0;
/// TCP over IPv4.
pub const GSO_TCPV4: u8 = 1;
/// UDP fragmentation (UFO), not supported.
pub const GSO_UDP: u8 = 3;
/// TCP over IPv6.
pub const GSO_TCPV6: u8 = 4;
/// UDP segmentation (UDP_L4).
pub const GSO_UDP_L4: u8 = 5;
/// ECN bit of `gso_type`.
pub const GSO_ECN: u8 = 0x80;

/// The virtio network header the kernel puts before each frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VnetHdr {
    /// `F_NEEDS_CSUM` and friends.
    pub flags: u8,
    /// One of the GSO types, maybe with `GSO_ECN`.
    pub gso_type: u8,
    /// Length of the headers.
    pub hdr_len: u16,
    /// Segment payload size.
    pub gso_size: u16,
    /// Where checksumming starts.
    pub csum_start: u16,
    /// Where the checksum goes, from `csum_start`.
    pub csum_offset: u16,
}

impl VnetHdr {
    /// Reads the header (little-endian, as on every host we run on).
    pub fn parse(b: &[u8]) -> Option<VnetHdr> {
        let b: &[u8; 10] = b.get(..10)?.try_into().ok()?;
        let u = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        Some(VnetHdr {
            flags: b[0],
            gso_type: b[1],
            hdr_len: u(2),
            gso_size: u(4),
            csum_start: u(6),
            csum_offset: u(8),
        })
    }
}

/// Why a frame could not be finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OffloadError {
    /// The checksum offsets point outside the frame.
    #[error("checksum offsets outside the frame")]
    BadChecksumOffsets,
    /// A GSO type we do not segment.
    #[error("unsupported GSO type {0}")]
    UnsupportedGso(u8),
    /// The headers of a GSO frame are not what its type says.
    #[error("malformed GSO frame")]
    Malformed,
}

/// Where GSO pass-through keeps a frame's segmentation metadata in the annotation area
/// (bytes Click leaves to users): byte 40 the GSO type, 41-42 the segment size
/// (little-endian). Zero type: an ordinary packet.
pub const GSO_ANNO: usize = click_core::packet::anno_offset::USER_FREE;

/// Records GSO metadata on a packet (pass-through mode).
pub fn set_gso_anno(p: &mut Packet, gso_type: u8, gso_size: u16) {
    let a = p.anno_mut();
    a.set::<1>(GSO_ANNO, [gso_type]);
    a.set::<2>(GSO_ANNO + 1, gso_size.to_le_bytes());
}

/// The GSO type and segment size recorded on a packet, if any.
pub fn gso_anno(p: &Packet) -> Option<(u8, u16)> {
    let [t] = p.anno().get::<1>(GSO_ANNO);
    (t != GSO_NONE).then(|| (t, u16::from_le_bytes(p.anno().get::<2>(GSO_ANNO + 1))))
}

/// The virtio header that asks the kernel to segment `frame` (an Ethernet frame whose
/// transport checksum holds the pseudo-header sum) into `gso_size` pieces; `None` if its
/// headers do not match the type.
pub fn gso_tx_header(gso_type: u8, gso_size: u16, frame: &[u8]) -> Option<[u8; 10]> {
    let l = layout(gso_type & !GSO_ECN, frame)?;
    let csum_offset: u16 = if gso_type & !GSO_ECN == GSO_UDP_L4 { 6 } else { 16 };
    let mut h = [0u8; 10];
    h[0] = F_NEEDS_CSUM;
    h[1] = gso_type;
    h[2..4].copy_from_slice(&(l.pl as u16).to_le_bytes());
    h[4..6].copy_from_slice(&gso_size.to_le_bytes());
    h[6..8].copy_from_slice(&(l.th as u16).to_le_bytes());
    h[8..10].copy_from_slice(&csum_offset.to_le_bytes());
    Some(h)
}

/// Completes a partial checksum in place.
pub fn complete_checksum(data: &mut [u8], start: usize, offset: usize) -> Result<(), OffloadError> {
    let at = start.checked_add(offset).ok_or(OffloadError::BadChecksumOffsets)?;
    if at + 2 > data.len() || start > data.len() {
        return Err(OffloadError::BadChecksumOffsets);
    }
    let c = !checksum::sum(&data[start..]);
    let c = if c == 0 { 0xffff } else { c };
    data[at..at + 2].copy_from_slice(&c.to_be_bytes());
    Ok(())
}

/// Makes the packets [`finish`] fills: `make(len)` returns a packet of exactly `len` data
/// bytes, writable and not shared, whose contents do not matter (they are all overwritten),
/// such as `Packet::make_unzeroed(headroom, len, 0)` (pooled, nothing zeroed or copied).
pub type MakePacket<'a> = dyn FnMut(usize) -> Packet + 'a;

/// A packet holding a copy of `bytes`, from `make`.
fn copy_of(bytes: &[u8], make: &mut MakePacket<'_>) -> Packet {
    let mut p = make(bytes.len());
    p.data_mut().copy_from_slice(bytes);
    p
}

/// Turns one frame read with its virtio header into finished packets in `out`; returns how
/// many. Each byte of the frame is copied once, into the packets `make` gives.
pub fn finish(hdr: &VnetHdr, frame: &[u8], out: &mut Batch, make: &mut MakePacket<'_>) -> Result<usize, OffloadError> {
    finish_with(hdr, frame, false, out, make)
}

/// Like [`finish`]; with `pass_gso`, a TCP or UDP segmentation-offload frame stays whole,
/// its checksum partial, its GSO type and size in the annotations (see [`GSO_ANNO`]), for a
/// ToDevice with GSO to hand back to the kernel.
pub fn finish_with(
    hdr: &VnetHdr,
    frame: &[u8],
    pass_gso: bool,
    out: &mut Batch,
    make: &mut MakePacket<'_>,
) -> Result<usize, OffloadError> {
    match hdr.gso_type & !GSO_ECN {
        // Segments are cut straight from the frame.
        t @ (GSO_TCPV4 | GSO_TCPV6 | GSO_UDP_L4) if !passes_whole(hdr, frame, pass_gso) => {
            segment(t, usize::from(hdr.gso_size), frame, out, make)
        }
        // One packet goes on (whole, or with its checksum completed): a copy of the frame,
        // finished as a frame read straight into a packet is.
        GSO_NONE | GSO_TCPV4 | GSO_TCPV6 | GSO_UDP_L4 => finish_packet(hdr, copy_of(frame, make), pass_gso, out, make),
        t => Err(OffloadError::UnsupportedGso(t)),
    }
}

/// True for a frame that [`finish_with`] passes through whole with `pass_gso`.
fn passes_whole(hdr: &VnetHdr, frame: &[u8], pass_gso: bool) -> bool {
    let kind = hdr.gso_type & !GSO_ECN;
    pass_gso
        && matches!(kind, GSO_TCPV4 | GSO_TCPV6 | GSO_UDP_L4)
        && hdr.flags & F_NEEDS_CSUM != 0
        && hdr.gso_size > 0
        && layout(kind, frame).is_some()
}

/// Like [`finish_with`] for a frame already in a packet of its own (read straight into it):
/// the packet itself goes to `out` when it passes whole or only needs its checksum, and is
/// the source of the segments otherwise. `finish_with` finishes its copies of single frames
/// here too.
pub fn finish_packet(
    hdr: &VnetHdr,
    mut p: Packet,
    pass_gso: bool,
    out: &mut Batch,
    make: &mut MakePacket<'_>,
) -> Result<usize, OffloadError> {
    if passes_whole(hdr, p.data(), pass_gso) {
        set_gso_anno(&mut p, hdr.gso_type, hdr.gso_size);
        out.push(p);
        return Ok(1);
    }
    match hdr.gso_type & !GSO_ECN {
        GSO_NONE => {
            if hdr.flags & F_NEEDS_CSUM != 0 {
                complete_checksum(p.data_mut(), usize::from(hdr.csum_start), usize::from(hdr.csum_offset))?;
            }
            out.push(p);
            Ok(1)
        }
        t @ (GSO_TCPV4 | GSO_TCPV6 | GSO_UDP_L4) => segment(t, usize::from(hdr.gso_size), p.data(), out, make),
        t => Err(OffloadError::UnsupportedGso(t)),
    }
}

/// Layout of a GSO frame's headers.
struct Layout {
    /// Network header offset.
    nh: usize,
    ipv6: bool,
    /// Transport header offset.
    th: usize,
    /// Payload offset.
    pl: usize,
    /// End of the IP packet.
    end: usize,
}

fn layout(kind: u8, frame: &[u8]) -> Option<Layout> {
    let mut nh = 14;
    let mut et = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
    while et == 0x8100 || et == 0x88a8 {
        et = u16::from_be_bytes([*frame.get(nh + 2)?, *frame.get(nh + 3)?]);
        nh += 4;
    }
    let proto = if kind == GSO_UDP_L4 { 17 } else { 6 };
    let (ipv6, th, end) = match et {
        0x0800 => {
            let v = *frame.get(nh)?;
            let ihl = usize::from(v & 0xf) * 4;
            if v >> 4 != 4 || ihl < 20 || *frame.get(nh + 9)? != proto {
                return None;
            }
            let tot = usize::from(u16::from_be_bytes([frame[nh + 2], frame[nh + 3]]));
            let end = if tot == 0 { frame.len() } else { (nh + tot).min(frame.len()) };
            (false, nh + ihl, end)
        }
        0x86dd => {
            if *frame.get(nh)? >> 4 != 6 || *frame.get(nh + 6)? != proto {
                return None;
            }
            let plen = usize::from(u16::from_be_bytes([frame[nh + 4], frame[nh + 5]]));
            let end = if plen == 0 { frame.len() } else { (nh + 40 + plen).min(frame.len()) };
            (true, nh + 40, end)
        }
        _ => return None,
    };
    if kind == GSO_TCPV4 && ipv6 || kind == GSO_TCPV6 && !ipv6 {
        return None;
    }
    let thl = if kind == GSO_UDP_L4 { 8 } else { usize::from(*frame.get(th + 12)? >> 4) * 4 };
    if thl < 8 || th + thl > end {
        return None;
    }
    Some(Layout { nh, ipv6, th, pl: th + thl, end })
}

/// Splits a segmentation-offload frame into segments of `mss` payload bytes. Each segment
/// is built in its own packet from `make`: the headers copied from the frame and patched
/// there (lengths, IP identifier and checksum, sequence number, flags), then its slice of
/// the payload copied once, right after them; the transport checksum is summed over the
/// packet's bytes. Nothing else is allocated.
fn segment(
    kind: u8,
    mss: usize,
    frame: &[u8],
    out: &mut Batch,
    make: &mut MakePacket<'_>,
) -> Result<usize, OffloadError> {
    let l = layout(kind, frame).ok_or(OffloadError::Malformed)?;
    if mss == 0 {
        return Err(OffloadError::Malformed);
    }
    let udp = kind == GSO_UDP_L4;
    let proto: u8 = if udp { 17 } else { 6 };
    let headers = &frame[..l.pl];
    let payload = &frame[l.pl..l.end];
    let nseg = payload.len().div_ceil(mss).max(1);
    let ip_id = u16::from_be_bytes([frame[l.nh + 4], frame[l.nh + 5]]);
    let seq = u32::from_be_bytes([frame[l.th + 4], frame[l.th + 5], frame[l.th + 6], frame[l.th + 7]]);
    let coff = if udp { 6 } else { 16 };
    // The pseudo-header's addresses are the same in every segment: sum them once.
    let addrs =
        if l.ipv6 { checksum::sum(&frame[l.nh + 8..l.nh + 40]) } else { checksum::sum(&frame[l.nh + 12..l.nh + 20]) };
    for (i, chunk) in payload.chunks(mss).chain(payload.is_empty().then_some(&payload[..0])).enumerate() {
        let tlen = l.pl - l.th + chunk.len();
        let mut p = make(l.pl + chunk.len());
        let seg = p.data_mut();
        let (hdrs, body) = seg.split_at_mut(l.pl);
        hdrs.copy_from_slice(headers);
        body.copy_from_slice(chunk);
        // IP header.
        if l.ipv6 {
            hdrs[l.nh + 4..l.nh + 6].copy_from_slice(&(tlen as u16).to_be_bytes());
        } else {
            let ihl = l.th - l.nh;
            hdrs[l.nh + 2..l.nh + 4].copy_from_slice(&((ihl + tlen) as u16).to_be_bytes());
            hdrs[l.nh + 4..l.nh + 6].copy_from_slice(&ip_id.wrapping_add(i as u16).to_be_bytes());
            hdrs[l.nh + 10..l.nh + 12].fill(0);
            let c = checksum::checksum(&hdrs[l.nh..l.th]);
            hdrs[l.nh + 10..l.nh + 12].copy_from_slice(&c.to_be_bytes());
        }
        // Transport header.
        if udp {
            hdrs[l.th + 4..l.th + 6].copy_from_slice(&(tlen as u16).to_be_bytes());
        } else {
            let s = seq.wrapping_add((i * mss) as u32);
            hdrs[l.th + 4..l.th + 8].copy_from_slice(&s.to_be_bytes());
            let flags = &mut hdrs[l.th + 13];
            if i + 1 < nseg {
                *flags &= !(0x01 | 0x08); // FIN, PSH only on the last segment
            }
            if i > 0 {
                *flags &= !0x80; // CWR only on the first
            }
        }
        hdrs[l.th + coff..l.th + coff + 2].fill(0);
        // Pseudo-header (addresses, protocol, transport length), the transport header, then
        // the payload: a TCP or UDP header is a multiple of 4 bytes long, so the payload's
        // 16-bit words line up with the whole segment's.
        let ps = checksum::fold(u64::from(addrs) + u64::from(proto) + tlen as u64);
        let c = !checksum::combine(&[ps, checksum::sum(&hdrs[l.th..]), checksum::sum(body)]);
        let c = if c == 0 && udp { 0xffff } else { c };
        hdrs[l.th + coff..l.th + coff + 2].copy_from_slice(&c.to_be_bytes());
        out.push(p);
    }
    Ok(nseg)
}

/// Recomputes the TCP or UDP checksum of an IPv4 frame (Ethernet, maybe one VLAN tag) in
/// place, for paths that carry no offload metadata (AF_XDP) and may hold partial checksums.
/// Fragments, UDP without a checksum and other protocols are left alone. Returns true if it
/// wrote a checksum.
pub fn recompute_l4_checksum(frame: &mut [u8]) -> bool {
    let mut nh = 14;
    if frame.len() < 14 + 20 {
        return false;
    }
    if frame[12..14] == [0x81, 0x00] {
        nh = 18;
    }
    if frame.len() < nh + 20 || frame[nh - 2..nh] != [0x08, 0x00] || frame[nh] >> 4 != 4 {
        return false;
    }
    let ihl = usize::from(frame[nh] & 0xf) * 4;
    let tot = usize::from(u16::from_be_bytes([frame[nh + 2], frame[nh + 3]]));
    let frag = u16::from_be_bytes([frame[nh + 6], frame[nh + 7]]) & 0x3fff;
    if ihl < 20 || tot < ihl || nh + tot > frame.len() || frag != 0 {
        return false;
    }
    let th = nh + ihl;
    let tlen = tot - ihl;
    let (proto, coff) = match frame[nh + 9] {
        6 if tlen >= 20 => (6, 16),
        17 if tlen >= 8 && frame[th + 6..th + 8] != [0, 0] => (17, 6),
        _ => return false,
    };
    let ip = &frame[nh..nh + 20];
    let ps = checksum::pseudo_header_v4(
        [ip[12], ip[13], ip[14], ip[15]],
        [ip[16], ip[17], ip[18], ip[19]],
        proto,
        tlen as u16,
    );
    frame[th + coff..th + coff + 2].fill(0);
    let c = !checksum::combine(&[ps, checksum::sum(&frame[th..th + tlen])]);
    let c = if c == 0 && proto == 17 { 0xffff } else { c };
    frame[th + coff..th + coff + 2].copy_from_slice(&c.to_be_bytes());
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Packets as FromDevice makes them.
    fn mk(len: usize) -> Packet {
        Packet::make_unzeroed(click_core::packet::DEFAULT_HEADROOM, len, 0)
    }

    /// The straightforward segmentation this module used to do (each segment assembled in
    /// a vector, then copied into a packet): the reference for the one-copy version.
    fn reference_segments(kind: u8, mss: usize, frame: &[u8]) -> Option<Vec<Vec<u8>>> {
        let l = layout(kind, frame)?;
        if mss == 0 {
            return None;
        }
        let udp = kind == GSO_UDP_L4;
        let proto = if udp { 17 } else { 6 };
        let payload = &frame[l.pl..l.end];
        let nseg = payload.len().div_ceil(mss).max(1);
        let ip_id = u16::from_be_bytes([frame[l.nh + 4], frame[l.nh + 5]]);
        let seq = u32::from_be_bytes([frame[l.th + 4], frame[l.th + 5], frame[l.th + 6], frame[l.th + 7]]);
        let mut segs = Vec::new();
        for i in 0..nseg {
            let chunk = &payload[(i * mss).min(payload.len())..((i + 1) * mss).min(payload.len())];
            let mut seg = frame[..l.pl].to_vec();
            seg.extend_from_slice(chunk);
            let tlen = l.pl - l.th + chunk.len();
            if l.ipv6 {
                seg[l.nh + 4..l.nh + 6].copy_from_slice(&(tlen as u16).to_be_bytes());
            } else {
                let ihl = l.th - l.nh;
                seg[l.nh + 2..l.nh + 4].copy_from_slice(&((ihl + tlen) as u16).to_be_bytes());
                seg[l.nh + 4..l.nh + 6].copy_from_slice(&ip_id.wrapping_add(i as u16).to_be_bytes());
                seg[l.nh + 10..l.nh + 12].fill(0);
                let c = checksum::checksum(&seg[l.nh..l.th]);
                seg[l.nh + 10..l.nh + 12].copy_from_slice(&c.to_be_bytes());
            }
            let coff = if udp {
                seg[l.th + 4..l.th + 6].copy_from_slice(&(tlen as u16).to_be_bytes());
                6
            } else {
                let s = seq.wrapping_add((i * mss) as u32);
                seg[l.th + 4..l.th + 8].copy_from_slice(&s.to_be_bytes());
                if i + 1 < nseg {
                    seg[l.th + 13] &= !(0x01 | 0x08);
                }
                if i > 0 {
                    seg[l.th + 13] &= !0x80;
                }
                16
            };
            seg[l.th + coff..l.th + coff + 2].fill(0);
            let ps = if l.ipv6 {
                let acc = u64::from(checksum::sum(&seg[l.nh + 8..l.nh + 40])) + tlen as u64 + u64::from(proto);
                checksum::fold(acc)
            } else {
                let ip = &seg[l.nh..];
                checksum::pseudo_header_v4(
                    [ip[12], ip[13], ip[14], ip[15]],
                    [ip[16], ip[17], ip[18], ip[19]],
                    proto,
                    tlen as u16,
                )
            };
            let c = !checksum::combine(&[ps, checksum::sum(&seg[l.th..])]);
            let c = if c == 0 && udp { 0xffff } else { c };
            seg[l.th + coff..l.th + coff + 2].copy_from_slice(&c.to_be_bytes());
            segs.push(seg);
        }
        Some(segs)
    }

    /// A segmentation-offload frame: `vlans` VLAN tags, IPv4 (with `ip_opts` 4-byte words
    /// of options) or IPv6, TCP (with `tcp_opts` words of options) or UDP, `payload` bytes
    /// of pseudo-random payload, the transport checksum partial as the kernel leaves it.
    #[allow(clippy::too_many_arguments)]
    fn gso_frame(
        kind: u8,
        vlans: usize,
        ip_opts: usize,
        tcp_opts: usize,
        payload: usize,
        flags: u8,
        ip_id: u16,
        seq: u32,
        fill: u8,
    ) -> Vec<u8> {
        let ipv6 = kind == GSO_TCPV6;
        let udp = kind == GSO_UDP_L4;
        let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1];
        for v in 0..vlans {
            f.extend_from_slice(&[0x81, 0x00, 0x00, v as u8 + 1]);
        }
        let ihl = 20 + 4 * ip_opts;
        let thl = if udp { 8 } else { 20 + 4 * tcp_opts };
        let tlen = thl + payload;
        let nh = f.len() + 2;
        if ipv6 {
            f.extend_from_slice(&[0x86, 0xdd, 0x60, 0, 0, 0]);
            f.extend_from_slice(&(tlen as u16).to_be_bytes());
            f.extend_from_slice(&[6, 64]);
            f.extend_from_slice(&[0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
            f.extend_from_slice(&[0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        } else {
            f.extend_from_slice(&[0x08, 0x00, 0x40 | (ihl / 4) as u8, 0]);
            f.extend_from_slice(&((ihl + tlen) as u16).to_be_bytes());
            f.extend_from_slice(&ip_id.to_be_bytes());
            f.extend_from_slice(&[0x40, 0, 64, if udp { 17 } else { 6 }, 0, 0, 10, 0, 1, 2, 10, 0, 2, 2]);
            f.extend(std::iter::repeat_n(1u8, 4 * ip_opts)); // NOPs
        }
        let th = f.len();
        if udp {
            f.extend_from_slice(&[0x9c, 0x40, 0x14, 0x51]);
            f.extend_from_slice(&(tlen as u16).to_be_bytes());
            f.extend_from_slice(&[0, 0]);
        } else {
            f.extend_from_slice(&[0x9c, 0x40, 0x14, 0x51]);
            f.extend_from_slice(&seq.to_be_bytes());
            f.extend_from_slice(&[0, 0, 0x10, 0x01, ((thl / 4) as u8) << 4, flags, 0x01, 0xf5, 0, 0, 0, 0]);
            f.extend(std::iter::repeat_n(1u8, 4 * tcp_opts));
        }
        let mut x = u32::from(fill) | 1;
        f.extend((0..payload).map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        }));
        if !ipv6 {
            let c = checksum::checksum(&f[nh..nh + ihl]);
            f[nh + 10..nh + 12].copy_from_slice(&c.to_be_bytes());
        }
        // The partial checksum: the pseudo-header sum, not complemented.
        let proto = if udp { 17 } else { 6 };
        let ps = if ipv6 {
            checksum::fold(u64::from(checksum::sum(&f[nh + 8..nh + 40])) + tlen as u64 + proto)
        } else {
            checksum::pseudo_header_v4([10, 0, 1, 2], [10, 0, 2, 2], proto as u8, tlen as u16)
        };
        let coff = if udp { 6 } else { 16 };
        f[th + coff..th + coff + 2].copy_from_slice(&ps.to_be_bytes());
        f
    }

    /// The virtio header the kernel would give `frame`.
    fn gso_hdr(kind: u8, mss: u16, frame: &[u8]) -> VnetHdr {
        VnetHdr::parse(&gso_tx_header(kind, mss, frame).expect("a GSO frame")).expect("ten bytes")
    }

    /// Checks every segment on its own: lengths, identifiers, sequence numbers, flags,
    /// checksums recomputed from scratch, and that the payloads put back together are the
    /// aggregate's.
    fn check_segments(kind: u8, mss: usize, frame: &[u8], segs: &[Vec<u8>]) -> Result<(), TestCaseError> {
        let l = layout(kind, frame).expect("layout");
        let udp = kind == GSO_UDP_L4;
        let payload = &frame[l.pl..l.end];
        prop_assert_eq!(segs.len(), payload.len().div_ceil(mss).max(1));
        let mut joined = Vec::new();
        let last = segs.len() - 1;
        for (i, s) in segs.iter().enumerate() {
            prop_assert!(s.len() <= l.pl + mss);
            prop_assert_eq!(&s[..l.nh], &frame[..l.nh], "link header of segment {}", i);
            let tlen = s.len() - l.th;
            let (src, dst) = if l.ipv6 {
                prop_assert_eq!(usize::from(u16::from_be_bytes([s[l.nh + 4], s[l.nh + 5]])), tlen);
                (&s[l.nh + 8..l.nh + 24], &s[l.nh + 24..l.nh + 40])
            } else {
                prop_assert_eq!(usize::from(u16::from_be_bytes([s[l.nh + 2], s[l.nh + 3]])), s.len() - l.nh);
                let id = u16::from_be_bytes([frame[l.nh + 4], frame[l.nh + 5]]).wrapping_add(i as u16);
                prop_assert_eq!(u16::from_be_bytes([s[l.nh + 4], s[l.nh + 5]]), id);
                prop_assert_eq!(checksum::sum(&s[l.nh..l.th]), 0xffff, "IP checksum of segment {}", i);
                (&s[l.nh + 12..l.nh + 16], &s[l.nh + 16..l.nh + 20])
            };
            // The transport checksum, from the textbook pseudo-header.
            let mut pseudo = Vec::new();
            pseudo.extend_from_slice(src);
            pseudo.extend_from_slice(dst);
            if l.ipv6 {
                pseudo.extend_from_slice(&(tlen as u32).to_be_bytes());
                pseudo.extend_from_slice(&[0, 0, 0, if udp { 17 } else { 6 }]);
            } else {
                pseudo.extend_from_slice(&[0, if udp { 17 } else { 6 }]);
                pseudo.extend_from_slice(&(tlen as u16).to_be_bytes());
            }
            pseudo.extend_from_slice(&s[l.th..]);
            prop_assert_eq!(checksum::sum(&pseudo), 0xffff, "transport checksum of segment {}", i);
            if udp {
                prop_assert_eq!(usize::from(u16::from_be_bytes([s[l.th + 4], s[l.th + 5]])), tlen);
                prop_assert_ne!(&s[l.th + 6..l.th + 8], &[0, 0]);
            } else {
                let seq = u32::from_be_bytes([frame[l.th + 4], frame[l.th + 5], frame[l.th + 6], frame[l.th + 7]]);
                let got = u32::from_be_bytes([s[l.th + 4], s[l.th + 5], s[l.th + 6], s[l.th + 7]]);
                prop_assert_eq!(got, seq.wrapping_add((i * mss) as u32));
                let (f, g) = (frame[l.th + 13], s[l.th + 13]);
                let want = f & !(if i < last { 0x09 } else { 0 }) & !(if i > 0 { 0x80 } else { 0 });
                prop_assert_eq!(g, want, "flags of segment {}", i);
            }
            joined.extend_from_slice(&s[l.pl..]);
        }
        prop_assert_eq!(&joined[..], payload);
        Ok(())
    }

    fn tcp4_frame(payload: usize, flags: u8) -> Vec<u8> {
        let mut f = vec![0u8; 14 + 20 + 20 + payload];
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        let ip = &mut f[14..34];
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&((40 + payload) as u16).to_be_bytes());
        ip[4..6].copy_from_slice(&100u16.to_be_bytes());
        ip[8] = 64;
        ip[9] = 6;
        ip[12..16].copy_from_slice(&[10, 0, 1, 2]);
        ip[16..20].copy_from_slice(&[10, 0, 2, 2]);
        let tcp = &mut f[34..54];
        tcp[4..8].copy_from_slice(&1000u32.to_be_bytes());
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        for (i, b) in f[54..].iter_mut().enumerate() {
            *b = i as u8;
        }
        f
    }

    fn tcp_ok(seg: &[u8]) -> bool {
        let ip = &seg[14..34];
        let tlen = u16::from_be_bytes([ip[2], ip[3]]) as usize - 20;
        let ps = checksum::pseudo_header_v4(
            [ip[12], ip[13], ip[14], ip[15]],
            [ip[16], ip[17], ip[18], ip[19]],
            6,
            tlen as u16,
        );
        checksum::combine(&[ps, checksum::sum(&seg[34..])]) == 0xffff && checksum::sum(ip) == 0xffff
    }

    #[test]
    fn splits_a_tcp_gso_frame() {
        let f = tcp4_frame(3000, 0x18 | 0x01);
        let hdr = VnetHdr {
            flags: F_NEEDS_CSUM,
            gso_type: GSO_TCPV4,
            gso_size: 1448,
            csum_start: 34,
            csum_offset: 16,
            hdr_len: 54,
        };
        let mut out = Batch::new();
        let n = finish(&hdr, &f, &mut out, &mut mk).unwrap();
        assert_eq!(n, 3);
        let segs: Vec<_> = out.iter().map(|p| p.data().to_vec()).collect();
        assert_eq!(segs[0].len(), 54 + 1448);
        assert_eq!(segs[2].len(), 54 + 3000 - 2 * 1448);
        for (i, s) in segs.iter().enumerate() {
            assert!(tcp_ok(s), "segment {i}");
            assert_eq!(u32::from_be_bytes([s[38], s[39], s[40], s[41]]), 1000 + (i * 1448) as u32);
            assert_eq!(u16::from_be_bytes([s[18], s[19]]), 100 + i as u16);
        }
        assert_eq!(segs[0][47] & 0x09, 0);
        assert_eq!(segs[2][47] & 0x09, 0x09);
        assert_eq!(&segs[1][54..56], &f[54 + 1448..54 + 1450]);
    }

    #[test]
    fn completes_a_partial_checksum() {
        let mut f = tcp4_frame(100, 0x18);
        let ps = checksum::pseudo_header_v4([10, 0, 1, 2], [10, 0, 2, 2], 6, 120);
        f[50..52].copy_from_slice(&ps.to_be_bytes());
        let hdr = VnetHdr { flags: F_NEEDS_CSUM, csum_start: 34, csum_offset: 16, ..Default::default() };
        let mut out = Batch::new();
        // The IP checksum is the stack's job; set it so that tcp_ok can check both.
        let c = checksum::checksum(&f[14..34]);
        f[24..26].copy_from_slice(&c.to_be_bytes());
        finish(&hdr, &f, &mut out, &mut mk).unwrap();
        assert!(tcp_ok(out.iter().next().unwrap().data()));
    }

    #[test]
    fn recomputes_a_tcp_checksum() {
        let mut f = tcp4_frame(100, 0x18);
        let c = checksum::checksum(&f[14..34]);
        f[24..26].copy_from_slice(&c.to_be_bytes());
        f[50..52].copy_from_slice(&[0x12, 0x34]);
        assert!(recompute_l4_checksum(&mut f));
        assert!(tcp_ok(&f));
    }

    #[test]
    fn passes_gso_through() {
        let f = tcp4_frame(3000, 0x18);
        let hdr = VnetHdr {
            flags: F_NEEDS_CSUM,
            gso_type: GSO_TCPV4,
            gso_size: 1448,
            csum_start: 34,
            csum_offset: 16,
            hdr_len: 54,
        };
        let mut out = Batch::new();
        assert_eq!(finish_with(&hdr, &f, true, &mut out, &mut mk), Ok(1));
        let p = out.iter().next().unwrap();
        assert_eq!(p.len(), f.len());
        assert_eq!(gso_anno(p), Some((GSO_TCPV4, 1448)));
        let h = gso_tx_header(GSO_TCPV4, 1448, p.data()).unwrap();
        assert_eq!(VnetHdr::parse(&h), Some(hdr));
    }

    #[test]
    fn rejects_bad_offsets_and_ufo() {
        let f = tcp4_frame(10, 0);
        let mut out = Batch::new();
        let bad = VnetHdr { flags: F_NEEDS_CSUM, csum_start: 60, csum_offset: 16, ..Default::default() };
        assert_eq!(finish(&bad, &f, &mut out, &mut mk), Err(OffloadError::BadChecksumOffsets));
        let ufo = VnetHdr { gso_type: GSO_UDP, gso_size: 100, ..Default::default() };
        assert_eq!(finish(&ufo, &f, &mut out, &mut mk), Err(OffloadError::UnsupportedGso(3)));
        let short = VnetHdr { gso_type: GSO_TCPV4, gso_size: 100, ..Default::default() };
        assert_eq!(finish(&short, &f[..30], &mut out, &mut mk), Err(OffloadError::Malformed));
    }

    /// One aggregate, segmented: the one-copy segments, their checks, and the reference's.
    fn segment_and_compare(kind: u8, mss: usize, frame: &[u8]) -> Result<(), TestCaseError> {
        let hdr = gso_hdr(kind, mss as u16, frame);
        let mut out = Batch::new();
        let n = finish(&hdr, frame, &mut out, &mut mk).expect("segments");
        let segs: Vec<Vec<u8>> = out.iter().map(|p| p.data().to_vec()).collect();
        prop_assert_eq!(n, segs.len());
        check_segments(kind, mss, frame, &segs)?;
        let want = reference_segments(kind, mss, frame).expect("reference");
        prop_assert_eq!(segs, want);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn segments_match_the_reference(
            kind in prop::sample::select(vec![GSO_TCPV4, GSO_TCPV6, GSO_UDP_L4]),
            vlans in 0usize..3,
            ip_opts in 0usize..11,
            tcp_opts in 0usize..11,
            payload in prop_oneof![0usize..40, 0usize..9000, Just(45 * 1448)],
            mss in prop_oneof![1usize..16, 500usize..1500, Just(1448)],
            flags in any::<u8>(),
            ip_id in any::<u16>(),
            seq in any::<u32>(),
            fill in any::<u8>(),
        ) {
            // Few segments of one byte at most, to keep each case quick.
            prop_assume!(payload / mss <= 2000);
            let ip_opts = if kind == GSO_TCPV6 { 0 } else { ip_opts };
            let f = gso_frame(kind, vlans, ip_opts, tcp_opts, payload, flags, ip_id, seq, fill);
            segment_and_compare(kind, mss, &f)?;
        }
    }

    /// Segments written out byte for byte: an IPv4 TCP aggregate of 10 payload bytes, MSS 4,
    /// with CWR, PSH and FIN set.
    #[test]
    fn tcp4_segments_byte_for_byte() {
        let f = gso_frame(GSO_TCPV4, 0, 0, 0, 10, 0x80 | 0x18 | 0x01, 0xfffe, 0xffff_fffc, 7);
        let payload = f[54..].to_vec();
        let mut out = Batch::new();
        assert_eq!(finish(&gso_hdr(GSO_TCPV4, 4, &f), &f, &mut out, &mut mk), Ok(3));
        let segs: Vec<Vec<u8>> = out.iter().map(|p| p.data().to_vec()).collect();
        let eth = [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
        // (IP total length, IP id, sequence number, flags): the id and the sequence number
        // wrap, CWR stays on the first segment, PSH and FIN go to the last.
        let fields: [(u16, u16, u32, u8); 3] =
            [(44, 0xfffe, 0xffff_fffc, 0x90), (44, 0xffff, 0x0000_0000, 0x10), (42, 0x0000, 0x0000_0004, 0x19)];
        for (i, (s, &(tot, id, seq, flags))) in segs.iter().zip(&fields).enumerate() {
            let mut want = eth.to_vec();
            want.extend_from_slice(&[0x45, 0]);
            want.extend_from_slice(&tot.to_be_bytes());
            want.extend_from_slice(&id.to_be_bytes());
            want.extend_from_slice(&[0x40, 0, 64, 6]);
            let ipc = !checksum::sum(&[&want[14..24], &[0, 0, 10, 0, 1, 2, 10, 0, 2, 2][..]].concat());
            want.extend_from_slice(&ipc.to_be_bytes());
            want.extend_from_slice(&[10, 0, 1, 2, 10, 0, 2, 2]);
            want.extend_from_slice(&[0x9c, 0x40, 0x14, 0x51]);
            want.extend_from_slice(&seq.to_be_bytes());
            want.extend_from_slice(&[0, 0, 0x10, 0x01, 0x50, flags, 0x01, 0xf5]);
            let chunk = &payload[4 * i..(4 * i + 4).min(10)];
            let mut pseudo = vec![10, 0, 1, 2, 10, 0, 2, 2, 0, 6, 0, 20 + chunk.len() as u8];
            pseudo.extend_from_slice(&want[34..50]);
            pseudo.extend_from_slice(&[0, 0, 0, 0]);
            pseudo.extend_from_slice(chunk);
            let tc = !checksum::sum(&pseudo);
            want.extend_from_slice(&tc.to_be_bytes());
            want.extend_from_slice(&[0, 0]);
            want.extend_from_slice(chunk);
            assert_eq!(s, &want, "segment {i}");
        }
        // The checksums as literals, computed independently (RFC 1071 over byte pairs, in
        // Python, from the same headers and payload bytes).
        let literal: Vec<[u8; 4]> = segs.iter().map(|s| [s[24], s[25], s[50], s[51]]).collect();
        assert_eq!(literal, LITERAL_CHECKSUMS);
    }

    /// A frame read straight into a packet (`finish_packet`) comes out as the same packets,
    /// with the same GSO annotations and errors, as one finished from a slice (`finish_with`):
    /// passed whole, checksum completed, segmented, refused.
    #[test]
    fn finishing_in_place_matches_finishing_a_copy() {
        let tcp = gso_frame(GSO_TCPV4, 0, 0, 3, 10 * 1448 + 7, 0x18, 1, 1, 1);
        let udp = gso_frame(GSO_UDP_L4, 1, 0, 0, 5, 0, 0x0102, 0, 9);
        let mut plain = tcp4_frame(100, 0x18);
        let ps = checksum::pseudo_header_v4([10, 0, 1, 2], [10, 0, 2, 2], 6, 120);
        plain[50..52].copy_from_slice(&ps.to_be_bytes());
        let csum = VnetHdr { flags: F_NEEDS_CSUM, csum_start: 34, csum_offset: 16, ..Default::default() };
        let cases = [
            (gso_hdr(GSO_TCPV4, 1448, &tcp), &tcp[..]),
            (gso_hdr(GSO_UDP_L4, 2, &udp), &udp[..]),
            (csum, &plain[..]),
            (VnetHdr::default(), &plain[..]),
            (VnetHdr { flags: F_NEEDS_CSUM, csum_start: 60, csum_offset: 16, ..Default::default() }, &plain[..30]),
            (VnetHdr { gso_type: GSO_UDP, gso_size: 100, ..Default::default() }, &plain[..]),
            (VnetHdr { gso_type: GSO_TCPV4, gso_size: 100, ..Default::default() }, &plain[..30]),
        ];
        for (i, (hdr, frame)) in cases.iter().enumerate() {
            for pass in [false, true] {
                let (mut a, mut b) = (Batch::new(), Batch::new());
                let ra = finish_with(hdr, frame, pass, &mut a, &mut mk);
                let rb = finish_packet(hdr, Packet::from_slice(frame), pass, &mut b, &mut mk);
                assert_eq!(ra, rb, "case {i}, pass {pass}");
                let view = |o: &Batch| o.iter().map(|p| (p.data().to_vec(), gso_anno(p))).collect::<Vec<_>>();
                assert_eq!(view(&a), view(&b), "case {i}, pass {pass}");
            }
        }
    }

    /// IP and TCP checksums of `tcp4_segments_byte_for_byte`'s three segments.
    const LITERAL_CHECKSUMS: [[u8; 4]; 3] =
        [[0x23, 0xca, 0xab, 0x7b], [0x23, 0xc9, 0x1c, 0x59], [0x23, 0xcb, 0x27, 0x30]];

    /// A UDP aggregate of 5 bytes with MSS 2: three datagrams with their own lengths.
    #[test]
    fn udp_segments_byte_for_byte() {
        let f = gso_frame(GSO_UDP_L4, 1, 0, 0, 5, 0, 0x0102, 0, 9);
        let mut out = Batch::new();
        assert_eq!(finish(&gso_hdr(GSO_UDP_L4, 2, &f), &f, &mut out, &mut mk), Ok(3));
        let segs: Vec<Vec<u8>> = out.iter().map(|p| p.data().to_vec()).collect();
        assert_eq!(segs.iter().map(Vec::len).collect::<Vec<_>>(), [18 + 20 + 8 + 2, 48, 47]);
        for (i, s) in segs.iter().enumerate() {
            // VLAN tag kept; IP length and id; UDP length.
            assert_eq!(&s[12..18], &[0x81, 0x00, 0x00, 0x01, 0x08, 0x00]);
            assert_eq!(&s[20..24], &[0, (s.len() - 18) as u8, 0x01, 0x02 + i as u8]);
            assert_eq!(&s[42..44], &[0, (s.len() - 38) as u8]);
            assert_eq!(&s[46..], &f[46 + 2 * i..(46 + 2 * i + 2).min(f.len())]);
        }
    }

    /// Segmenting allocates nothing once the pool is warm.
    #[test]
    fn segmenting_reuses_pooled_packets() {
        let f = gso_frame(GSO_TCPV4, 0, 0, 3, 45 * 1448, 0x18, 1, 1, 1);
        let hdr = gso_hdr(GSO_TCPV4, 1448, &f);
        let mut out = Batch::with_capacity(64);
        for _ in 0..2 {
            assert_eq!(finish(&hdr, &f, &mut out, &mut mk), Ok(45));
            out.clear();
        }
        let before = click_core::packet::pool_stats();
        for _ in 0..100 {
            assert_eq!(finish(&hdr, &f, &mut out, &mut mk), Ok(45));
            out.clear();
        }
        let after = click_core::packet::pool_stats();
        assert_eq!(after.descriptors_allocated, before.descriptors_allocated);
        assert_eq!(after.buffers_allocated, before.buffers_allocated);
    }

    /// Passing 64 KB aggregates through whole (GSO true) allocates nothing once the pool is
    /// warm either: their large buffers are pooled too.
    #[test]
    fn passing_aggregates_reuses_pooled_buffers() {
        let f = gso_frame(GSO_TCPV4, 0, 0, 3, 45 * 1448, 0x18, 1, 1, 1);
        assert!(f.len() > 65000);
        let hdr = gso_hdr(GSO_TCPV4, 1448, &f);
        let mut out = Batch::with_capacity(64);
        let round = |out: &mut Batch| {
            for _ in 0..32 {
                assert_eq!(finish_with(&hdr, &f, true, out, &mut mk), Ok(1));
            }
            assert_eq!(out.as_slice()[31].data(), &f[..]);
            out.clear();
        };
        round(&mut out);
        let before = click_core::packet::pool_stats();
        for _ in 0..10 {
            round(&mut out);
        }
        let after = click_core::packet::pool_stats();
        assert_eq!(after.descriptors_allocated, before.descriptors_allocated);
        assert_eq!(after.buffers_allocated, before.buffers_allocated);
    }
}
