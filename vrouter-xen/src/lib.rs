//! vrouter-xen: Xen's paravirtual network device (netif) in Rust, on real Xen or with
//! domains as threads or processes.
//!
//! # Layers
//!
//! * [`abi`]: Xen's public ABI for netif rings, grant tables and xenbus, byte for byte;
//!   [`abi_table`] prints sizes and offsets under the C names (`tests/abi_layout.rs` compares
//!   them with the C compiler's view of `libxen-dev`'s headers).
//! * [`shm`]: a page shared with a peer that writes it concurrently (atomics for indices,
//!   bounds-checked copies for everything else).
//! * [`ring`]: the front and back ends of a shared ring with Xen's protocol (free-running
//!   indices, private producer copies, event indices, barriers), checking every index the
//!   peer publishes.
//! * [`platform`]: what a domain needs from its hypervisor, as traits ([`platform::GrantTable`],
//!   [`platform::EventChannels`], [`platform::XenStore`]), implemented three ways:
//!   [`local`] (domains are threads of one process), [`remote`] (each domain is a process; a
//!   hypervisor process owns all memory as sealed memfds, checks grant entries before handing a
//!   page's descriptor to anyone, and performs grant copies), and `xen` (feature `xen`: Linux's
//!   `/dev/xen/{gntalloc,gntdev,evtchn,xenbus}`). [`hv`] is the hypervisor core behind the
//!   first two.
//! * [`vif`]: the xenstore handshake of a vif as pure state machines, plus small drivers that
//!   run them over a platform.
//! * [`netfront`] and [`netback`]: the two ends of a vif as batch-oriented drivers (send a
//!   batch, poll completions, receive a batch). The back end moves data only by grant copy.
//! * [`port`]: either driver as an object elements can hold ([`port::VifPort`]), in slots a
//!   supervisor can swap while the router runs.
//! * [`click`]: the router elements `FromNetfront`, `ToNetfront` (in a domain), `Netback` (in
//!   a driver domain) and `HypervisorDemux` (in the host); [`register`] adds them to a
//!   registry.
//! * [`huge_pages`]: how many 2 MiB pages domains use, and a reservation of them.
//! * [`host`]: `vrouter host`: virtual networks, each a router in its own domain process,
//!   behind one physical side, supervised and restarted.
//!
//! # Trust
//!
//! Each end treats the other as hostile: an index, id, size, offset, flag or grant reference
//! that the protocol does not allow is counted as a [`net::PeerFault`], and the peer is cut off.
//! Nothing read from shared memory is read twice. No peer value can cause a panic or an access
//! outside a page. Peers that stop answering are cut off after a timeout
//! ([`netfront::Netfront::check_stalled`], [`netback::Netback::check_stalled`]), and dead ones
//! once their event channel closes.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod abi;
pub mod click;
pub mod driver;
mod guest;
pub mod host;
pub mod huge_pages;
pub mod hv;
pub mod local;
pub mod net;
pub mod netback;
pub mod netfront;
pub mod platform;
pub mod port;
pub mod remote;
pub mod ring;
pub mod shm;
pub mod sys;
pub mod testframes;
pub mod vif;
#[cfg(feature = "xen")]
pub mod xen;

pub use abi::abi_table;
pub use click::register;
