//! Queues, the tasks that drain them, schedulers and shapers.

mod front_drop_queue;
mod prio_sched;
mod queue;
mod rated_unqueue;
mod round_robin_sched;
mod shaper;
mod stride_sched;
pub(crate) mod token_bucket;
mod unqueue;

pub use front_drop_queue::FrontDropQueue;
pub use prio_sched::PrioSched;
pub use queue::Queue;
pub use rated_unqueue::RatedUnqueue;
pub use round_robin_sched::RoundRobinSched;
pub use shaper::Shaper;
pub use stride_sched::StrideSched;
pub use unqueue::Unqueue;

use click_core::{ElementClass, Registry};

/// Registers this family's classes.
pub fn register(r: &mut Registry) {
    r.register(ElementClass { name: "Queue", make: || Box::new(Queue::new("Queue")), doc: Queue::DOC });
    r.register(ElementClass { name: "SimpleQueue", make: || Box::new(Queue::new("SimpleQueue")), doc: Queue::DOC });
    // Packets cross threads through the runtime's lock-free queues, so a Queue already works
    // between threads; the name is kept for Click configurations.
    r.register(ElementClass {
        name: "ThreadSafeQueue",
        make: || Box::new(Queue::new("ThreadSafeQueue")),
        doc: Queue::DOC,
    });
    r.register(ElementClass {
        name: "FrontDropQueue",
        make: || Box::new(FrontDropQueue::default()),
        doc: FrontDropQueue::DOC,
    });
    r.register(ElementClass { name: "Unqueue", make: || Box::new(Unqueue::default()), doc: Unqueue::DOC });
    r.register(ElementClass {
        name: "RatedUnqueue",
        make: || Box::new(RatedUnqueue::new(false)),
        doc: RatedUnqueue::DOC,
    });
    r.register(ElementClass {
        name: "BandwidthRatedUnqueue",
        make: || Box::new(RatedUnqueue::new(true)),
        doc: RatedUnqueue::DOC,
    });
    r.register(ElementClass { name: "PrioSched", make: || Box::new(PrioSched), doc: PrioSched::DOC });
    r.register(ElementClass {
        name: "RoundRobinSched",
        make: || Box::new(RoundRobinSched::default()),
        doc: RoundRobinSched::DOC,
    });
    r.register(ElementClass { name: "StrideSched", make: || Box::new(StrideSched::default()), doc: StrideSched::DOC });
    r.register(ElementClass { name: "Shaper", make: || Box::new(Shaper::new(false)), doc: Shaper::DOC });
    r.register(ElementClass { name: "BandwidthShaper", make: || Box::new(Shaper::new(true)), doc: Shaper::DOC });
}
