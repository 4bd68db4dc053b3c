//! The Click configuration language.
//!
//! This crate turns configuration text into a [`FlatGraph`]: a flat list of element
//! instances (class, configuration string, name, source location) and the connections
//! between their ports. It knows nothing of packets or execution; `click-core` turns a
//! `FlatGraph` into a running router, the way regex-automata executes what regex-syntax
//! parses.

mod graph;

pub use graph::{Connection, ElementId, FlatElement, FlatGraph, FlatGraphError, Location};
