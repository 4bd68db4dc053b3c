//! Sources, sinks and basic plumbing.

mod counter;
mod discard;
mod idle;
mod infinite_source;
mod null;
mod paint;
mod paint_tee;
mod print;
mod static_thread_sched;
mod strip;
mod tee;
mod unstrip;

pub use counter::Counter;
pub use discard::Discard;
pub use idle::Idle;
pub use infinite_source::InfiniteSource;
pub use null::Null;
pub use paint::Paint;
pub use paint_tee::PaintTee;
pub use print::Print;
pub use static_thread_sched::StaticThreadSched;
pub use strip::Strip;
pub use tee::Tee;
pub use unstrip::Unstrip;

use click_core::{ElementClass, Registry};

/// Registers this family's classes.
pub fn register(r: &mut Registry) {
    r.register(ElementClass { name: "Counter", make: || Box::new(Counter::default()), doc: Counter::DOC });
    r.register(ElementClass { name: "Discard", make: || Box::new(Discard::default()), doc: Discard::DOC });
    r.register(ElementClass { name: "Idle", make: || Box::new(Idle), doc: Idle::DOC });
    r.register(ElementClass {
        name: "InfiniteSource",
        make: || Box::new(InfiniteSource::default()),
        doc: InfiniteSource::DOC,
    });
    r.register(ElementClass { name: "Null", make: || Box::new(Null), doc: Null::DOC });
    r.register(ElementClass {
        name: "StaticThreadSched",
        make: || Box::new(StaticThreadSched),
        doc: StaticThreadSched::DOC,
    });
    r.register(ElementClass { name: "Tee", make: || Box::new(Tee::default()), doc: Tee::DOC });
    r.register(ElementClass { name: "Strip", make: || Box::new(Strip::default()), doc: Strip::DOC });
    r.register(ElementClass { name: "Unstrip", make: || Box::new(Unstrip::default()), doc: Unstrip::DOC });
    r.register(ElementClass { name: "Paint", make: || Box::new(Paint::default()), doc: Paint::DOC });
    r.register(ElementClass { name: "PaintTee", make: || Box::new(PaintTee::default()), doc: PaintTee::DOC });
    r.register(ElementClass { name: "Print", make: || Box::new(Print::default()), doc: Print::DOC });
}
