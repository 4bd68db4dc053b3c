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
pub mod queue;
pub mod standard;
pub mod wire;

use click_core::Registry;

/// A registry with every standard element class.
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
