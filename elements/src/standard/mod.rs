//! Sources, sinks and basic plumbing.

mod counter;
mod discard;
mod idle;
mod infinite_source;
mod null;
mod static_thread_sched;
mod tee;

pub use counter::Counter;
pub use discard::Discard;
pub use idle::Idle;
pub use infinite_source::InfiniteSource;
pub use null::Null;
pub use static_thread_sched::StaticThreadSched;
pub use tee::Tee;

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
}
