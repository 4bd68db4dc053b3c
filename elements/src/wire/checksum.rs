//! The Internet checksum (RFC 1071) and its incremental update (RFC 1624).

/// One's-complement sum of `data` folded to 16 bits (not yet complemented).
#[inline]
pub fn sum(data: &[u8]) -> u16 {
    // The native-order sum's bytes in memory order are the big-endian sum's.
    u16::from_be_bytes(native_sum(data).to_ne_bytes())
}

/// True when `data`'s sum is all ones: a header or message whose checksum field is right
/// verifies. (All ones in either byte order: no swap needed.)
#[inline]
pub fn verifies(data: &[u8]) -> bool {
    native_sum(data) == 0xffff
}

/// The sum of `data`'s 16-bit words as they lie in memory, read as native-order numbers: the
/// one's-complement sum does not depend on byte order (RFC 1071, 2.B), so this is the
/// big-endian sum with its bytes swapped on a little-endian machine.
#[inline]
fn native_sum(data: &[u8]) -> u16 {
    if let Ok(h) = <&[u8; 20]>::try_from(data) {
        return sum20(h);
    }
    sum_any(data)
}

/// [`native_sum`] of a 20-byte IPv4 header without options, unrolled: the common case
/// (inlined into its callers: a call would cost them spilled registers).
#[inline(always)]
fn sum20(h: &[u8; 20]) -> u16 {
    let w = |i: usize| u64::from(u32::from_ne_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]));
    fold(w(0) + w(4) + w(8) + w(12) + w(16))
}

/// [`native_sum`] of any length, at one load and one add-with-carry per 8 bytes.
fn sum_any(data: &[u8]) -> u16 {
    let word = |b: &[u8]| u64::from_ne_bytes(b.try_into().expect("8 bytes"));
    // A 128-bit total cannot overflow: 2^64 words of 2^64.
    let mut acc: u128 = 0;
    let mut blocks = data.chunks_exact(32);
    for c in &mut blocks {
        acc += u128::from(word(&c[0..8])) + u128::from(word(&c[8..16]));
        acc += u128::from(word(&c[16..24])) + u128::from(word(&c[24..32]));
    }
    let mut words = blocks.remainder().chunks_exact(8);
    for w in &mut words {
        acc += u128::from(word(w));
    }
    // The last bytes, padded with zeroes after them (an odd last byte is the high byte of
    // its 16-bit word, as in the big-endian sum).
    let rest = words.remainder();
    let mut last = [0u8; 8];
    last[..rest.len()].copy_from_slice(rest);
    acc += u128::from(u64::from_ne_bytes(last));
    // 128 to 64 bits with end-around carry, then to 16; 2^64 is 1 modulo 0xffff.
    let (lo, carry) = (acc as u64).overflowing_add((acc >> 64) as u64);
    let folded = fold(lo) as u64 + u64::from(carry);
    fold(folded)
}

/// Folds a wide one's-complement sum to 16 bits.
#[inline]
pub fn fold(acc: u64) -> u16 {
    // Four end-around-carry steps bring any 64-bit sum to 16 bits (below 2^33, 2^18,
    // 0x10002, then 0x10000), with the value that folding until nothing carries gives.
    let acc = (acc & 0xffff_ffff) + (acc >> 32);
    let acc = (acc & 0xffff) + (acc >> 16);
    let acc = (acc & 0xffff) + (acc >> 16);
    let acc = (acc & 0xffff) + (acc >> 16);
    acc as u16
}

/// Adds 16-bit one's-complement sums.
#[inline]
pub fn combine(sums: &[u16]) -> u16 {
    fold(sums.iter().map(|&s| u64::from(s)).sum())
}

/// The checksum of `data`: the complement of its sum.
pub fn checksum(data: &[u8]) -> u16 {
    !sum(data)
}

/// The new checksum after a 16-bit word of the covered data changed from `old` to `new`
/// (RFC 1624, equation 3: HC' = ~(~HC + ~m + m')).
#[inline]
pub fn update(check: u16, old: u16, new: u16) -> u16 {
    !combine(&[!check, !old, new])
}

/// The pseudo-header sum for TCP and UDP over IPv4.
pub fn pseudo_header_v4(src: [u8; 4], dst: [u8; 4], protocol: u8, length: u16) -> u16 {
    let mut b = [0u8; 12];
    b[0..4].copy_from_slice(&src);
    b[4..8].copy_from_slice(&dst);
    b[9] = protocol;
    b[10..12].copy_from_slice(&length.to_be_bytes());
    sum(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The textbook definition, byte pair by byte pair.
    fn reference(data: &[u8]) -> u16 {
        let mut acc: u32 = 0;
        for pair in data.chunks(2) {
            let w = (u32::from(pair[0]) << 8) | u32::from(*pair.get(1).unwrap_or(&0));
            acc += w;
            acc = (acc & 0xffff) + (acc >> 16);
        }
        !(acc as u16)
    }

    #[test]
    fn known_ip_header() {
        // The header of ../shared/bench/c_iprouter.click's frame, checksum ae0d.
        let h = [
            0x45, 0x00, 0x00, 0x32, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x01, 0x0a, 0x00,
            0x01, 0x05,
        ];
        assert_eq!(checksum(&h), 0xae0d);
    }

    /// Folding 16 bits at a time until nothing carries.
    fn fold_loop(mut acc: u64) -> u16 {
        while acc >> 16 != 0 {
            acc = (acc & 0xffff) + (acc >> 16);
        }
        acc as u16
    }

    #[test]
    fn fold_edges() {
        for acc in [0, 1, 0xffff, 0x1_0000, 0x1_fffe, 0x1_ffff, 0xffff_ffff, 0x1_0000_0000, u64::MAX, u64::MAX - 1] {
            assert_eq!(fold(acc), fold_loop(acc), "{acc:#x}");
        }
    }

    proptest! {
        #[test]
        fn fold_matches_loop(acc in any::<u64>(), small in 0u64..(1 << 36)) {
            prop_assert_eq!(fold(acc), fold_loop(acc));
            prop_assert_eq!(fold(small), fold_loop(small));
        }

        /// 20-byte headers take the unrolled path.
        #[test]
        fn ip_headers_match_reference(h in any::<[u8; 20]>(), ones in any::<bool>()) {
            let h = if ones { [0xff; 20] } else { h };
            prop_assert_eq!(checksum(&h), reference(&h));
            prop_assert_eq!(!sum(&h), reference(&h));
            prop_assert_eq!(verifies(&h), reference(&h) == 0);
        }

        #[test]
        fn matches_reference(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            prop_assert_eq!(checksum(&data), reference(&data));
            prop_assert_eq!(verifies(&data), reference(&data) == 0);
            // With its checksum after it (at an even offset) the data verifies; a 20-byte
            // header with its checksum in place too.
            let mut even = data.clone();
            even.truncate(data.len() & !1);
            let c = checksum(&even);
            even.extend_from_slice(&c.to_be_bytes());
            prop_assert!(verifies(&even), "{:?}", even);
            if data.len() >= 20 {
                let mut h: [u8; 20] = data[..20].try_into().unwrap();
                h[10..12].fill(0);
                let c = checksum(&h);
                h[10..12].copy_from_slice(&c.to_be_bytes());
                prop_assert!(verifies(&h));
            }
        }

        /// Long buffers (segments, jumbo frames) of random or saturated bytes, at every
        /// starting alignment.
        #[test]
        fn long_buffers_match_reference(
            data in proptest::collection::vec(any::<u8>(), 0..9100),
            ones in 0usize..9100,
            skip in 0usize..8,
        ) {
            prop_assert_eq!(checksum(&data[skip.min(data.len())..]), reference(&data[skip.min(data.len())..]));
            let ff = vec![0xffu8; ones];
            prop_assert_eq!(checksum(&ff), reference(&ff));
        }

        #[test]
        fn incremental_equals_recomputed(
            mut data in proptest::collection::vec(any::<u8>(), 2..64),
            word in 0usize..32,
            new in any::<u16>(),
        ) {
            if data.len() % 2 == 1 { data.push(0); }
            let i = (word % (data.len() / 2)) * 2;
            let before = checksum(&data);
            let old = u16::from_be_bytes([data[i], data[i + 1]]);
            data[i..i + 2].copy_from_slice(&new.to_be_bytes());
            let after = checksum(&data);
            let inc = update(before, old, new);
            // 0x0000 and 0xffff are the same one's-complement value.
            prop_assert!(inc == after || (inc == 0xffff && after == 0) || (inc == 0 && after == 0xffff),
                "inc {inc:04x} recomputed {after:04x}");
        }
    }
}
