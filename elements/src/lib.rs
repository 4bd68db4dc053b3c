//! The standard element library.
//!
//! One element per file, in folders by family, each documented the way Click documents its
//! elements (synopsis, ports, keywords, handlers, example). [`standard_registry`] returns a
//! registry holding every class here; embedders add their own classes to it.

pub mod classifier;
pub mod ethernet;
#[doc(hidden)]
pub mod fuzzing;
pub mod io;
pub mod ip;
mod qsort;
pub mod queue;
pub mod standard;
pub mod wire;

use click_core::{Packet, Registry};

/// Click's EXTRA_LENGTH annotation (a native-endian u32 at byte 28): bytes the packet had on
/// the wire beyond its data, set by Truncate and FromDump, added back by ToDump.
pub(crate) const EXTRA_LENGTH_ANNO: usize = 28;

pub(crate) fn extra_length(p: &Packet) -> u32 {
    u32::from_ne_bytes(p.anno().get(EXTRA_LENGTH_ANNO))
}

/// An Ethernet address as Click's handlers print it (`EtherAddress::unparse`): upper-case hex
/// separated by dashes.
pub(crate) fn ether_dashes(e: click_core::EtherAddress) -> String {
    let a = e.0;
    format!("{:02X}-{:02X}-{:02X}-{:02X}-{:02X}-{:02X}", a[0], a[1], a[2], a[3], a[4], a[5])
}

pub(crate) fn set_extra_length(p: &mut Packet, n: u32) {
    p.anno_mut().set(EXTRA_LENGTH_ANNO, n.to_ne_bytes());
}

/// A registry with every standard element class.
/// A handler list with numbered handlers, as Click elements add per port (`tickets0`,
/// `tickets1`...): `before`, then `numbered(name, position)` for `prefix` followed by 0 to
/// `n - 1` (`position` is `"I "`, the spec of `HandlerInfo::reconfigures` for positional
/// argument I), then `after`. Handler lists are `'static`, so each distinct list is made once and kept for the
/// life of the program (one per element class and port count in practice).
pub(crate) fn numbered_handlers(
    before: &'static [click_core::element::HandlerInfo],
    prefix: &'static str,
    n: usize,
    numbered: fn(&'static str, &'static str) -> click_core::element::HandlerInfo,
    after: &'static [click_core::element::HandlerInfo],
) -> &'static [click_core::element::HandlerInfo] {
    use click_core::element::HandlerInfo;
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Key = (usize, usize, &'static str, usize, usize);
    static LISTS: OnceLock<Mutex<HashMap<Key, &'static [HandlerInfo]>>> = OnceLock::new();
    static NAMES: OnceLock<Mutex<HashMap<(&'static str, usize), &'static str>>> = OnceLock::new();
    let key = (before.as_ptr() as usize, after.as_ptr() as usize, prefix, n, numbered as usize);
    let mut lists = LISTS.get_or_init(Default::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    lists.entry(key).or_insert_with(|| {
        let mut names = NAMES.get_or_init(Default::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut v: Vec<HandlerInfo> = before.to_vec();
        for i in 0..n {
            let name: &'static str =
                names.entry((prefix, i)).or_insert_with(|| Box::leak(format!("{prefix}{i}").into_boxed_str()));
            let position: &'static str =
                names.entry(("", i)).or_insert_with(|| Box::leak(format!("{i} ").into_boxed_str()));
            v.push(numbered(name, position));
        }
        v.extend_from_slice(after);
        Box::leak(v.into_boxed_slice())
    })
}

pub fn standard_registry() -> Registry {
    let mut r = Registry::new();
    standard::register(&mut r);
    classifier::register(&mut r);
    ethernet::register(&mut r);
    ip::register(&mut r);
    io::register(&mut r);
    queue::register(&mut r);
    r
}
