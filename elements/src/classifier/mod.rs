//! Classifiers: patterns compiled at configure time into decision programs.

mod classifier;
pub(crate) mod pattern;

pub use classifier::Classifier;

use click_core::{ElementClass, Registry};

/// Registers this family's classes.
pub fn register(r: &mut Registry) {
    r.register(ElementClass { name: "Classifier", make: || Box::new(Classifier::default()), doc: Classifier::DOC });
}
