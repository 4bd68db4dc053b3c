//! click-core: packets, elements, the router graph and its driver.
//!
//! * [`Packet`]: a pooled buffer with headroom, header offsets and Click's annotations;
//!   clones share bytes, writes copy on demand.
//! * [`Batch`]: what travels on the push path.
//! * [`Element`]: the trait every router component implements, with Click's port and
//!   processing codes, [`Args`] for configuration and handlers for inspection.
//! * [`RouterBuilder`] / [`Router`]: checks a graph the way Click does (port ranges, push and
//!   pull, completeness), configures and initializes it, and runs it on one or more threads.
//! * [`Registry`]: class names to constructors, so embedders add their own classes.
//! * [`control`]: Click's ControlSocket protocol, to call a running router's handlers from
//!   other programs.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod args;
pub mod batch;
pub mod chatter;
pub mod clock;
pub mod control;
pub mod element;
pub mod hash;
pub mod net;
pub mod packet;
pub mod registry;
pub mod router;
pub mod runtime;
pub mod spec;

pub use args::{ArgError, Args};
pub use batch::Batch;
pub use element::{Element, HandlerError, HandlerInfo};
pub use net::{EtherAddress, Ipv4Prefix, Ipv6Prefix};
pub use packet::{Packet, PacketType, Timestamp};
pub use registry::{ElementClass, Registry};
pub use router::{BuildError, Router, RouterBuilder, RouterErrors, RouterHandle, RunOptions, RunReport};
pub use runtime::{Context, InitContext};
pub use spec::Processing;

/// Re-exported so that element crates and embedders use the same flat graph type.
pub use config_lang;
