use std::collections::VecDeque;

use click_core::element::HandlerInfo;
use click_core::spec::ports;
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, Packet};

/// Default capacity, as in Click.
pub const DEFAULT_CAPACITY: usize = 1000;

click_core::documented! {
    /// Stores packets pushed to it until they are pulled (first in, first out).
    ///
    /// # Synopsis
    /// `Queue([CAPACITY])`, also `SimpleQueue` and `ThreadSafeQueue`
    ///
    /// # Ports and processing
    /// One push input, one pull output, and an optional push output 1. A packet arriving at a
    /// full queue is dropped and counted, or emitted on output 1 if it is connected; the first
    /// overflow is reported (`NAME :: Queue: overflow`). When the queue goes from empty to
    /// non-empty it wakes the tasks that pull from it, so they sleep while it is empty. Queue
    /// and ThreadSafeQueue (not SimpleQueue) also tell sources upstream when they are full: an
    /// InfiniteSource pushing only into full Queues sleeps until one of them has room. Packets
    /// pushed from another thread reach it through the runtime's lock-free queues, so every
    /// queue is thread-safe.
    ///
    /// # Keywords
    /// - `CAPACITY` (unsigned): most packets held, default 1000.
    ///
    /// # Handlers
    /// - `length` (read): packets now held.
    /// - `highwater_length` (read): the most ever held.
    /// - `drops` (read): packets dropped because the queue was full.
    /// - `capacity` (read/write): the capacity.
    /// - `reset_counts` (write): zero `drops` and `highwater_length`.
    /// - `reset` (write): empties the queue (its packets leave on output 1 if connected).
    /// - `reset` (write): drop every packet held.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 100, STOP true) -> Queue(1000) -> Unqueue -> Discard;
    /// ```
    pub struct Queue {
        class: &'static str,
        packets: VecDeque<Packet>,
        capacity: usize,
        highwater: usize,
        drops: u64,
        /// Packets for output 1 (kept to reuse its storage).
        overflow: Batch,
    }
}

impl Queue {
    /// An empty queue of the default capacity, reporting `class` as its class name.
    pub fn new(class: &'static str) -> Queue {
        Queue {
            class,
            packets: VecDeque::new(),
            capacity: DEFAULT_CAPACITY,
            highwater: 0,
            drops: 0,
            overflow: Batch::with_capacity(0),
        }
    }

    /// A queue holding at most `capacity` packets.
    pub fn with_capacity(capacity: usize) -> Queue {
        Queue { capacity, packets: VecDeque::with_capacity(capacity), ..Queue::new("Queue") }
    }

    /// Packets held.
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    /// Most packets held.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    /// Packets dropped for lack of room.
    pub fn drops(&self) -> u64 {
        self.drops
    }

    /// Appends `p`, dropping the oldest packet first when full (FrontDropQueue's policy);
    /// returns the packet dropped.
    pub fn push_front_drop(&mut self, p: Packet) -> Option<Packet> {
        if self.capacity == 0 {
            self.drops += 1;
            return Some(p);
        }
        let mut dropped = None;
        if self.packets.len() >= self.capacity {
            dropped = self.packets.pop_front();
            self.drops += 1;
        }
        self.packets.push_back(p);
        self.highwater = self.highwater.max(self.packets.len());
        dropped
    }
}

impl Element for Queue {
    fn class_name(&self) -> &'static str {
        self.class
    }

    fn port_count(&self) -> &'static str {
        ports::P1_1_2
    }

    fn processing(&self) -> &'static str {
        "h/lh"
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let capacity = args.read_p_or("CAPACITY", DEFAULT_CAPACITY)?;
        args.complete()?;
        self.capacity = capacity;
        // Configured again (a `config` write): packets beyond the new capacity are dropped,
        // as Click does, the others kept in order.
        self.packets.truncate(capacity);
        // Reserve now so that steady-state pushes never allocate.
        self.packets.reserve(capacity - self.packets.len());
        Ok(())
    }

    fn is_notifier(&self) -> bool {
        true
    }

    fn notifier_active(&self) -> bool {
        !self.packets.is_empty()
    }

    // Click's Queue and ThreadSafeQueue (FullNoteQueue) also tell sources upstream when they
    // are full, so that an InfiniteSource waits instead of overflowing them; SimpleQueue and
    // FrontDropQueue do not.
    fn is_full_notifier(&self) -> bool {
        matches!(self.class, "Queue" | "ThreadSafeQueue")
    }

    fn full_notifier_active(&self) -> bool {
        self.packets.len() < self.capacity
    }

    fn fifo_ready(&self) -> Option<bool> {
        Some(self.packets.is_empty() && self.capacity > 0)
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        if !batch.is_empty() && cx.push_through(batch.len()) {
            // Paired runs: these packets were pushed one a run into this queue, empty then,
            // and each pulled before the next came (see `Context::push_through`).
            self.highwater = self.highwater.max(self.packets.len() + 1);
            self.packets.extend(batch.drain());
            cx.wake_listeners();
            return;
        }
        let was_empty = self.packets.is_empty();
        let room = self.capacity - self.packets.len().min(self.capacity);
        if batch.len() <= room {
            // Everything fits: no drops, nothing for the overflow output.
            if batch.len() == 1 {
                // push_back, not extend(Option): the generic extend is not always inlined.
                if let Some(p) = batch.pop() {
                    self.packets.push_back(p);
                }
            } else {
                self.packets.extend(batch.drain());
            }
            self.highwater = self.highwater.max(self.packets.len());
            if was_empty && !self.packets.is_empty() {
                cx.wake_listeners();
            }
            return;
        }
        if self.drops == 0 && self.capacity > 0 {
            click_core::chatter::chatter(&format!("{} :: {}: overflow", cx.name(), self.class));
        }
        let keep_overflow = batch.len() > room && cx.output_connected(1);
        let mut taken = 0;
        for p in batch.drain() {
            if taken < room {
                self.packets.push_back(p);
                taken += 1;
            } else {
                self.drops += 1;
                if keep_overflow {
                    self.overflow.push(p);
                }
            }
        }
        if !self.overflow.is_empty() {
            cx.output_batch(1, &mut self.overflow);
        }
        self.highwater = self.highwater.max(self.packets.len());
        if was_empty && !self.packets.is_empty() {
            cx.wake_listeners();
        }
    }

    fn pull(&mut self, cx: &mut Context<'_>, _port: usize) -> Option<Packet> {
        let was_full = self.packets.len() >= self.capacity;
        let p = self.packets.pop_front();
        if was_full && p.is_some() {
            cx.wake_pushers();
        }
        p
    }

    fn pull_batch(&mut self, cx: &mut Context<'_>, _port: usize, max: usize, out: &mut Batch) -> usize {
        let was_full = self.packets.len() >= self.capacity;
        let n = max.min(self.packets.len());
        // One at a time: cheaper than a drain for the few packets a pull usually takes.
        for _ in 0..n {
            match self.packets.pop_front() {
                Some(p) => out.push(p),
                None => break,
            }
        }
        if was_full && n > 0 {
            cx.wake_pushers();
        }
        n
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read_write("config").calm(),
            HandlerInfo::read("length"),
            HandlerInfo::read("highwater_length"),
            HandlerInfo::read_write("capacity").calm().reconfigures("0 CAPACITY"),
            HandlerInfo::read("drops"),
            HandlerInfo::write("reset_counts").button(),
            HandlerInfo::write("reset").button(),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "length" => self.packets.len().to_string(),
            "highwater_length" => self.highwater.to_string(),
            "drops" => self.drops.to_string(),
            "capacity" => self.capacity.to_string(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, _value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "reset_counts" => {
                self.drops = 0;
                self.highwater = self.packets.len();
            }
            "reset" => {
                if cx.output_connected(1) {
                    self.overflow.extend(self.packets.drain(..));
                    cx.output_batch(1, &mut self.overflow);
                } else {
                    self.packets.clear();
                }
                cx.wake_pushers();
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}
