//! Classifiers: patterns compiled at configure time into decision programs.

mod classifier;
mod ip_classifier;
pub(crate) mod ip_expr;
mod ip_program;
pub(crate) mod pattern;
pub(crate) mod wordwise;

pub use classifier::Classifier;
pub use ip_classifier::IpClassifier;

use click_core::{ElementClass, Registry};

/// Registers this family's classes.
pub fn register(r: &mut Registry) {
    r.register(ElementClass { name: "Classifier", make: || Box::new(Classifier::default()), doc: Classifier::DOC });
    r.register(ElementClass {
        name: "IPClassifier",
        make: || Box::new(IpClassifier::new(false)),
        doc: IpClassifier::DOC,
    });
    r.register(ElementClass { name: "IPFilter", make: || Box::new(IpClassifier::new(true)), doc: IpClassifier::DOC });
}
