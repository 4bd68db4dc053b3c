//! Packets against a plain model: after any sequence of operations a packet's data, and the
//! headers it marks, are what a `Vec<u8>` put through the same operations holds. Packets read
//! their data without bounds checks, trusting that every operation keeps the data inside the
//! buffer; in a debug build each read also asserts it, so a sequence that broke it fails here.

use click_core::Packet;
use click_core::batch::Batch;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Push(usize),
    /// `push_mac_header`: pushed bytes marked as the MAC header.
    PushMac(usize),
    Pull(usize),
    Put(usize),
    Take(usize),
    Truncate(usize),
    /// Writes through `data_mut`.
    Write(u8),
    /// Replaces the packet by a clone (sharing the buffer: the next write copies).
    Clone,
    /// Replaces the packet by a private copy (`copy_into`).
    Copy,
    /// Marks the network header `offset` bytes into the data (or before it), `len` long.
    Network(isize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..200).prop_map(Op::Push),
        (0usize..200).prop_map(Op::PushMac),
        (0usize..100).prop_map(Op::Pull),
        (0usize..3000).prop_map(Op::Put),
        (0usize..100).prop_map(Op::Take),
        (0usize..200).prop_map(Op::Truncate),
        any::<u8>().prop_map(Op::Write),
        Just(Op::Clone),
        Just(Op::Copy),
        (-40isize..80, 0usize..40).prop_map(|(o, l)| Op::Network(o, l)),
    ]
}

proptest! {
    #[test]
    fn packets_hold_what_the_model_holds(
        start in proptest::collection::vec(any::<u8>(), 0..100),
        ops in proptest::collection::vec(op(), 0..40),
    ) {
        let mut p = Packet::from_slice(&start);
        let mut model = start.clone();
        // Bytes before the data that a header may still cover (pulled, not pushed over).
        let mut keep = p.clone();
        for op in &ops {
            match *op {
                Op::Push(n) => {
                    p.push(n).fill(0xab);
                    model.splice(0..0, std::iter::repeat_n(0xab, n));
                }
                Op::PushMac(n) => {
                    p.push_mac_header(n).fill(0xef);
                    model.splice(0..0, std::iter::repeat_n(0xef, n));
                    prop_assert_eq!(p.mac_header_offset(), Some(0));
                    prop_assert_eq!(p.network_header_offset(), Some(n as isize));
                    prop_assert_eq!(p.mac_header(), Some(&model[..]));
                }
                Op::Pull(n) => {
                    p.pull(n);
                    model.drain(..n.min(model.len()));
                }
                Op::Put(n) => {
                    p.put(n).fill(0xcd);
                    model.extend(std::iter::repeat_n(0xcd, n));
                }
                Op::Take(n) => {
                    p.take(n);
                    model.truncate(model.len() - n.min(model.len()));
                }
                Op::Truncate(n) => {
                    p.truncate(n);
                    model.truncate(n);
                }
                Op::Write(b) => {
                    p.data_mut().fill(b);
                    model.fill(b);
                }
                Op::Clone => {
                    keep = p.clone();
                    p = keep.clone();
                }
                Op::Copy => {
                    let mut out = Batch::default();
                    p.copy_into(1, &mut out);
                    p = out.drain().next().unwrap();
                }
                Op::Network(offset, len) => {
                    p.set_network_header(offset, len);
                    // A header inside the data reads as the model's bytes from there.
                    if let (Ok(o), Some(h)) = (usize::try_from(offset), p.network_header())
                        && o <= model.len()
                    {
                        prop_assert_eq!(h, &model[o..]);
                    }
                }
            }
            prop_assert_eq!(p.data(), &model[..], "after {:?}", op);
            prop_assert_eq!(p.len(), model.len());
            prop_assert!(p.headroom() + p.len() + p.tailroom() <= p.buffer_capacity());
        }
        drop(keep);
    }
}
