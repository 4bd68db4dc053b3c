//! Xen's public ABI for network devices, byte for byte.
//!
//! Every `#[repr(C)]` type here has the size, alignment and field offsets of the C type named in
//! its documentation, and every constant has the value of the C macro of the same name, as
//! published in Xen's public headers (`xen/io/ring.h`, `xen/io/netif.h`, `xen/grant_table.h`,
//! `xen/io/xenbus.h`). The test `tests/abi_layout.rs` compiles those headers and checks every line
//! of [`abi_table`] and every value of [`abi_constants`] against the C compiler.
//!
//! The layout types describe memory; code that reads or writes a shared page goes through the
//! byte codecs ([`RingEntry`](crate::ring::RingEntry)) instead, so that no value is ever read
//! twice from memory that a peer can change.

pub mod grant;
pub mod netif;
pub mod ring;
mod table;
pub mod xenbus;

pub use grant::*;
pub use netif::*;
pub use ring::*;
pub use table::{abi_constants, abi_table};
pub use xenbus::*;
