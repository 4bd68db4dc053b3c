//! A map for keys that are one number the program composed itself (a route's prefix and
//! length, a virtual network's MAC, VLAN or VNI), where SipHash's resistance to chosen keys
//! buys nothing: those keys come from the configuration, and whoever writes it already
//! decides where packets go. One multiplication a key instead of SipHash's rounds (a
//! 100,000-route table spent 1,400 instructions a route in a SipHash map).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` keyed by a `u64` hashed with [`NumberHasher`].
pub type NumberMap<V> = HashMap<u64, V, BuildHasherDefault<NumberHasher>>;

/// A multiplicative hash for `u64` keys: each word is mixed in with one multiplication and a
/// rotation (which brings the product's well-mixed high bits down to the low ones that pick
/// a bucket).
#[derive(Default)]
pub struct NumberHasher(u64);

impl Hasher for NumberHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_differ_in_any_bit_land_apart() {
        let mut m: NumberMap<u64> = NumberMap::default();
        for bit in 0..64 {
            m.insert(1 << bit, bit);
        }
        for bit in 0..64 {
            assert_eq!(m.get(&(1 << bit)), Some(&bit));
        }
        // Consecutive keys spread over the low bits that pick a bucket.
        let low: std::collections::HashSet<u64> = (0..1024u64)
            .map(|k| {
                let mut h = NumberHasher::default();
                h.write_u64(k);
                h.finish() & 1023
            })
            .collect();
        assert!(low.len() > 512, "{} distinct buckets of 1024", low.len());
    }
}
