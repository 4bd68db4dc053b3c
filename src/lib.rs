//! vrouter: a Click-style modular software router framework.
//!
//! This crate re-exports the member crates so that an embedder needs one dependency.

pub use click_core as core;
pub use config_lang as lang;
pub use elements;
pub use vrouter_xen as xen;
