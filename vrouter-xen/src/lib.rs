//! vrouter-xen: Xen netif rings, grants, event channels and the virtual-network host.
//!
//! * [`abi`]: Xen's public network ABI, byte for byte, with [`abi_table`].
//! * [`ring`]: the front and back ends of a shared ring, defensive against a malicious peer.
//! * [`platform`]: grant tables, event channels and xenstore as traits, implemented
//!   [`local`]ly (threads), [`remote`]ly (each domain a process, a hypervisor process enforcing
//!   grants) and, with the `xen` feature, on real Xen.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod abi;
mod guest;
pub mod hv;
pub mod local;
pub mod net;
pub mod netback;
pub mod netfront;
pub mod platform;
pub mod remote;
pub mod ring;
pub mod shm;
pub mod sys;
pub mod testframes;
pub mod vif;
#[cfg(feature = "xen")]
pub mod xen;

pub use abi::abi_table;
