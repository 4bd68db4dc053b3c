//! vrouter-xen: Xen netif rings, grants, event channels and the virtual-network host.
//!
//! * [`abi`]: Xen's public network ABI, byte for byte.
//! * [`ring`]: the front and back ends of a shared ring, defensive against a malicious peer.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod abi;
pub mod ring;
pub mod shm;

pub use abi::abi_table;
