//! Router elements over Xen's netif rings: [`FromNetfront`] and [`ToNetfront`] inside a
//! domain, [`NetbackElement`] (class `Netback`) in a driver domain, and
//! [`HypervisorDemux`] in the host; [`TestFrameSource`] and [`CheckTestFrame`] to prove a path
//! loses nothing. [`register`] adds them to a registry.

pub mod demux;
pub mod test_frames;
pub mod traffic;
pub mod vif;

pub use demux::{DemuxTable, HypervisorDemux, VnetCounters, VnetEntry, VnetMatch};
pub use test_frames::{CheckTestFrame, TestFrameSource};
pub use vif::{FromNetfront, NetbackElement, ToNetfront, elements_of_class};

use click_core::Registry;
use click_core::registry::ElementClass;

/// Adds FromNetfront, ToNetfront, Netback, HypervisorDemux, TestFrameSource and
/// CheckTestFrame to `r`.
pub fn register(r: &mut Registry) {
    r.register(ElementClass {
        name: "TestFrameSource",
        make: || Box::new(TestFrameSource::default()),
        doc: TestFrameSource::DOC,
    });
    r.register(ElementClass {
        name: "CheckTestFrame",
        make: || Box::new(CheckTestFrame::default()),
        doc: CheckTestFrame::DOC,
    });
    r.register(ElementClass {
        name: "FromNetfront",
        make: || Box::new(FromNetfront::default()),
        doc: FromNetfront::DOC,
    });
    r.register(ElementClass { name: "ToNetfront", make: || Box::new(ToNetfront::default()), doc: ToNetfront::DOC });
    r.register(ElementClass {
        name: "Netback",
        make: || Box::new(NetbackElement::default()),
        doc: NetbackElement::DOC,
    });
    r.register(ElementClass {
        name: "HypervisorDemux",
        make: || Box::new(HypervisorDemux::default()),
        doc: HypervisorDemux::DOC,
    });
}
