//! Queues and the tasks that drain them.

mod queue;
mod unqueue;

pub use queue::Queue;
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
    r.register(ElementClass { name: "Unqueue", make: || Box::new(Unqueue::default()), doc: Unqueue::DOC });
}
