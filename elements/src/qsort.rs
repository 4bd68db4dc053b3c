//! The sort Click's library uses (`click_qsort`): Bentley and McIlroy's quicksort from
//! "Engineering a Sort Function" (Software—Practice & Experience 23(11), 1993), without
//! recursion. Elements whose comparison is not a total order (ARPResponder's, which orders
//! nested prefixes and keeps everything else by position) get their entries in the order
//! Click gives them only from the same algorithm, step for step:
//!
//! - a range of fewer than 7 elements is insertion-sorted (adjacent swaps while the left
//!   one compares greater);
//! - otherwise the pivot is the middle element (7 elements), the median of the first,
//!   middle and last (8 to 40), or the median of three such medians of three, spaced an
//!   eighth of the range apart (over 40); it is swapped to the front and stays there while
//!   the rest is split three ways, elements equal to it gathered at both ends and then
//!   swapped next to the middle;
//! - the less-than and greater-than parts are then sorted the same way.

/// Sorts `v` as `click_qsort` does, with `cmp` returning a negative, zero or positive
/// number as `qsort` comparators do.
pub(crate) fn click_qsort<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> i64) {
    let mut stack = vec![(0usize, v.len())];
    while let Some((lo, hi)) = stack.pop() {
        let n = hi - lo;
        if n < 7 {
            for i in lo + 1..hi {
                let mut j = i;
                while j > lo && cmp(&v[j - 1], &v[j]) > 0 {
                    v.swap(j, j - 1);
                    j -= 1;
                }
            }
            continue;
        }
        let mut pm = lo + n / 2;
        if n > 7 {
            let (mut p1, mut p2) = (lo, hi - 1);
            if n > 40 {
                let d = n / 8;
                p1 = median3(v, &mut cmp, p1, p1 + d, p1 + 2 * d);
                pm = median3(v, &mut cmp, pm - d, pm, pm + d);
                p2 = median3(v, &mut cmp, p2 - 2 * d, p2 - d, p2);
            }
            pm = median3(v, &mut cmp, p1, pm, p2);
        }
        // The pivot goes to the front, and is compared in place there.
        v.swap(lo, pm);
        let (mut pa, mut pb) = (lo + 1, lo + 1);
        let (mut pc, mut pd) = (hi - 1, hi - 1);
        loop {
            while pb <= pc {
                let r = cmp(&v[pb], &v[lo]);
                if r > 0 {
                    break;
                }
                if r == 0 {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pc >= pb {
                let r = cmp(&v[pc], &v[lo]);
                if r < 0 {
                    break;
                }
                if r == 0 {
                    v.swap(pc, pd);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb > pc {
                break;
            }
            v.swap(pb, pc);
            pb += 1;
            pc -= 1;
        }
        // The equal runs at both ends move next to the middle.
        let s = (pa - lo).min(pb - pa);
        swap_runs(v, lo, pb - s, s);
        let s = (pd - pc).min(hi - pd - 1);
        swap_runs(v, pb, hi - s, s);
        let (less, greater) = (pb - pa, pd - pc);
        if less > 0 {
            stack.push((lo, lo + less));
        }
        if greater > 0 {
            stack.push((hi - greater, hi));
        }
    }
}

/// The index of the median of `v[a]`, `v[b]`, `v[c]`, asking `cmp` as Click's `med3` does.
fn median3<T>(v: &[T], cmp: &mut impl FnMut(&T, &T) -> i64, a: usize, b: usize, c: usize) -> usize {
    let ab = cmp(&v[a], &v[b]);
    let bc = cmp(&v[b], &v[c]);
    if ab < 0 {
        if bc < 0 {
            b
        } else if cmp(&v[a], &v[c]) < 0 {
            c
        } else {
            a
        }
    } else if bc > 0 {
        b
    } else if cmp(&v[a], &v[c]) > 0 {
        c
    } else {
        a
    }
}

/// Swaps `v[a + i]` with `v[b + i]` for `i` in `0..n`, in that order (the runs may overlap).
fn swap_runs<T>(v: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        v.swap(a + i, b + i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// With a true order it sorts, whatever the size (all three pivot rules).
        #[test]
        fn sorts(mut v in proptest::collection::vec(0u8..20, 0..120)) {
            let mut want = v.clone();
            want.sort();
            click_qsort(&mut v, |a, b| i64::from(*a) - i64::from(*b));
            prop_assert_eq!(v, want);
        }
    }

    #[test]
    fn a_bogus_comparison_still_ends() {
        let mut v: Vec<u32> = (0..100).collect();
        click_qsort(&mut v, |_, _| 1);
        let mut s = v.clone();
        s.sort();
        assert_eq!(s, (0..100).collect::<Vec<_>>());
    }
}
