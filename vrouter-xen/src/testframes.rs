//! Test traffic: frames of mixed sizes that carry a sequence number and a checksum.
//!
//! A frame is 60..=1514 bytes: a 16-byte header (sequence number `u64`, length `u16`, two
//! reserved bytes, checksum `u32`, all little-endian) and a body cut from a fixed pseudo-random
//! pattern at an offset chosen by the sequence number. The checksum is an Adler-style pair of
//! sums over the body (the weighted sum catches reordering). Generating a frame needs no
//! per-byte work (the checksum comes from prefix sums of the pattern), and [`check`] compares
//! the whole body with the expected bytes, so the tests run fast even unoptimised;
//! [`checksum`] recomputes the checksum from the received bytes where time allows.

use std::sync::OnceLock;

/// Shortest frame.
pub const MIN_LEN: usize = 60;
/// Longest frame.
pub const MAX_LEN: usize = 1514;
/// Header bytes.
pub const HEADER: usize = 16;
const PATTERN_OFFSETS: usize = 2048;
const MOD: u64 = 65521;

struct Pattern {
    bytes: Vec<u8>,
    sum: Vec<u64>,
    wsum: Vec<u64>,
}

fn pattern() -> &'static Pattern {
    static P: OnceLock<Pattern> = OnceLock::new();
    P.get_or_init(|| {
        let n = PATTERN_OFFSETS + MAX_LEN;
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let bytes: Vec<u8> = (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let mut sum = vec![0u64; n + 1];
        let mut wsum = vec![0u64; n + 1];
        for i in 0..n {
            sum[i + 1] = sum[i] + u64::from(bytes[i]);
            wsum[i + 1] = wsum[i] + i as u64 * u64::from(bytes[i]);
        }
        Pattern { bytes, sum, wsum }
    })
}

/// Length of frame `seq`.
pub fn frame_len(seq: u64) -> usize {
    MIN_LEN + ((seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 33) as usize) % (MAX_LEN - MIN_LEN + 1)
}

fn body_offset(seq: u64) -> usize {
    (seq.wrapping_mul(0xD6E8_FEB8_6659_FD93) >> 40) as usize % PATTERN_OFFSETS
}

/// The checksum of `body`: `(Σ (len - i)·b_i mod 65521) << 16 | (Σ b_i mod 65521)`.
pub fn checksum(body: &[u8]) -> u32 {
    let n = body.len() as u64;
    let (mut s1, mut s2) = (0u64, 0u64);
    for (i, &b) in body.iter().enumerate() {
        s1 += u64::from(b);
        s2 += (n - i as u64) * u64::from(b);
    }
    (((s2 % MOD) << 16) | (s1 % MOD)) as u32
}

fn expected_checksum(off: usize, len: usize) -> u32 {
    let p = pattern();
    let s1 = p.sum[off + len] - p.sum[off];
    // Σ_{i=off}^{off+len-1} (len - (i - off)) b_i = (len + off)·s1 - Σ i·b_i
    let s2 = (len + off) as u64 * s1 - (p.wsum[off + len] - p.wsum[off]);
    (((s2 % MOD) << 16) | (s1 % MOD)) as u32
}

/// Writes frame `seq` into `buf` (at least [`MAX_LEN`] bytes); returns its length.
pub fn fill(seq: u64, buf: &mut [u8]) -> usize {
    let len = frame_len(seq);
    let off = body_offset(seq);
    let blen = len - HEADER;
    buf[0..8].copy_from_slice(&seq.to_le_bytes());
    buf[8..10].copy_from_slice(&(len as u16).to_le_bytes());
    buf[10..12].copy_from_slice(&[0, 0]);
    buf[12..16].copy_from_slice(&expected_checksum(off, blen).to_le_bytes());
    buf[HEADER..len].copy_from_slice(&pattern().bytes[off..off + blen]);
    len
}

/// What is wrong with a received frame.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Shorter than a header.
    #[error("frame of {0} bytes is too short")]
    Short(usize),
    /// Not the frame expected next.
    #[error("expected frame {expected}, got {got}")]
    Sequence {
        /// Expected sequence number.
        expected: u64,
        /// Received one.
        got: u64,
    },
    /// Length does not match the header or the sequence number.
    #[error("frame {seq}: length {len}, expected {expected}")]
    Length {
        /// Sequence number.
        seq: u64,
        /// Received length.
        len: usize,
        /// Expected length.
        expected: usize,
    },
    /// Checksum or body mismatch.
    #[error("frame {0}: corrupted body or checksum")]
    Corrupt(u64),
}

/// Checks that `frame` is intact and is frame `expected_seq`. With `recompute`, also
/// recomputes the checksum from the received bytes.
pub fn check(frame: &[u8], expected_seq: u64, recompute: bool) -> Result<(), FrameError> {
    if frame.len() < HEADER {
        return Err(FrameError::Short(frame.len()));
    }
    let seq = u64::from_le_bytes(frame[0..8].try_into().unwrap_or([0; 8]));
    if seq != expected_seq {
        return Err(FrameError::Sequence { expected: expected_seq, got: seq });
    }
    let len = frame_len(seq);
    let hlen = u16::from_le_bytes([frame[8], frame[9]]) as usize;
    if frame.len() != len || hlen != len {
        return Err(FrameError::Length { seq, len: frame.len(), expected: len });
    }
    let off = body_offset(seq);
    let sum = u32::from_le_bytes(frame[12..16].try_into().unwrap_or([0; 4]));
    let body = &frame[HEADER..];
    if sum != expected_checksum(off, body.len())
        || body != &pattern().bytes[off..off + body.len()]
        || (recompute && checksum(body) != sum)
    {
        return Err(FrameError::Corrupt(seq));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_check_and_detect_corruption() {
        let mut buf = [0u8; MAX_LEN];
        let mut lens = std::collections::BTreeSet::new();
        for seq in 0..2000 {
            let n = fill(seq, &mut buf);
            assert!((MIN_LEN..=MAX_LEN).contains(&n));
            lens.insert(n);
            assert_eq!(check(&buf[..n], seq, true), Ok(()));
            assert_eq!(checksum(&buf[HEADER..n]), u32::from_le_bytes(buf[12..16].try_into().unwrap()));
        }
        assert!(lens.len() > 500, "sizes should be mixed");
        let n = fill(7, &mut buf);
        buf[100] ^= 1;
        assert_eq!(check(&buf[..n], 7, false), Err(FrameError::Corrupt(7)));
        buf[100] ^= 1;
        assert!(matches!(check(&buf[..n], 8, false), Err(FrameError::Sequence { .. })));
        assert!(matches!(check(&buf[..n - 1], 7, false), Err(FrameError::Length { .. })));
    }
}
