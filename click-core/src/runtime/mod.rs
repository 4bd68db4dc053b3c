//! The runtime: per-thread state, the push-delivery loop, tasks and timers.
//!
//! Each thread owns its elements (an arena of `RefCell<Box<dyn Element>>`, indexed by the
//! element's router-wide number) and a `ThreadState`: one pending batch per push input
//! slot, a stack of slots that have packets, the thread's tasks and timers.
//!
//! **Push delivery.** A whole batch sent with [`Context::output_batch`] goes straight into the
//! downstream element's `push` when that element is free and has nothing queued: depth-first,
//! Click's order. Single packets sent with [`Context::output`] (a classifier sorting a batch)
//! are appended to the downstream element's pending batch instead, so they travel on as a
//! batch once the sorting element returns; pending slots first filled are delivered first.
//! A push cycle (an ICMP error fed back into a route table) finds the element busy and queues,
//! so no element is ever entered twice.
//!
//! **One packet at a time.** When a router has two or more elements that write a line for
//! each packet (Print, IPPrint: [`Element::reports_each_packet`]), the order in which
//! packets reach elements is visible in their output, and Click's is packet by packet: a
//! packet goes all the way down its path before the next leaves the source. In such a router
//! the elements with a push path to a printer take packets one at a time, and what each
//! packet queued on such paths (an error output, a switch's choice) is delivered before the
//! next packet moves, so `Print(a) -> Tee -> Print(b)` prints `a b a b`, not `a a b b`,
//! under a BURST of 2. Packets leaving those paths for elements that lead to no printer wait
//! and move on as batches once the printers' paths are done; other routers move whole
//! batches everywhere.
//!
//! **Pull** is a direct call: [`Context::pull`] borrows the upstream element and asks it.
//!
//! **Threads** share nothing on the hot path. A push connection whose ends live on different
//! threads goes through a bounded lock-free queue into the other thread's pending slot.

mod select;
mod thread;

pub use thread::DEFAULT_SPIN_ROUNDS;
pub(crate) use thread::{Control, LoopOptions, run_thread};
pub(crate) use thread::{read_handler as read_handler_in, write_handler as write_handler_in};

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_queue::ArrayQueue;

use crate::batch::Batch;
use crate::element::Element;
use crate::packet::{Packet, Timestamp};
use crate::spec::Processing;

/// Where a push output leads.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dest {
    pub elem: u32,
    pub port: u32,
    pub slot: u32,
    pub thread: u32,
}

/// One output port as the push path uses it: where a batch sent there goes, and where the
/// receiving element's own outputs start and end in [`Shared::hops`], so that a hop needs
/// no lookup by element index.
#[derive(Clone, Copy, Debug)]
#[repr(align(32))] // a power of two: indexing is a shift
pub(crate) struct Hop {
    pub elem: u32,
    pub port: u32,
    pub slot: u32,
    /// The receiving element's thread; [`NOWHERE`] for an output that is not a connected
    /// push output (never equal to a thread's id, so the fast path's one comparison rules out
    /// both crossings and unconnected outputs).
    pub thread: u32,
    /// True when `elem` runs on the sending element's thread.
    pub local: bool,
    /// True when a batch sent here may go straight into `elem`'s `push` (the push path's
    /// fast case): `local`, unless the router delivers packets one at a time and the sender
    /// or `elem` leads to an element that prints them (see [`Shared::one_at_a_time`]).
    pub direct: bool,
    pub outs_start: u32,
    pub outs_end: u32,
}

/// [`Hop::thread`] of an output that leads nowhere.
pub(crate) const NOWHERE: u32 = u32::MAX;
const NOWHERE_HOP: Hop =
    Hop { elem: 0, port: 0, slot: 0, thread: NOWHERE, local: false, direct: false, outs_start: 0, outs_end: 0 };

impl Hop {
    /// The hop table entry of each output port, in `out_dest` order, and each element's
    /// range in it. `one_at_a_time[e]`: element `e` leads to an element that prints each
    /// packet, so packets go into it one at a time (no hop into or out of it is `direct`).
    pub(crate) fn table(
        out_base: &[usize],
        noutputs: &[usize],
        out_dest: &[Option<Dest>],
        thread_of: &[usize],
        one_at_a_time: &[bool],
    ) -> Vec<Hop> {
        let range = |e: usize| (out_base[e] as u32, (out_base[e] + noutputs[e]) as u32);
        let mut hops = vec![NOWHERE_HOP; out_dest.len()];
        for (from, &base) in out_base.iter().enumerate() {
            for (i, d) in out_dest.iter().enumerate().skip(base).take(noutputs[from]) {
                if let Some(d) = d {
                    let (outs_start, outs_end) = range(d.elem as usize);
                    let local = thread_of[d.elem as usize] == thread_of[from];
                    // A hop into or out of an element that leads to a printer is not direct:
                    // into one, packets go one at a time; out of one into one that prints
                    // nothing, they wait and move on later as a batch.
                    let direct = local && !one_at_a_time[d.elem as usize] && !one_at_a_time[from];
                    hops[i] = Hop {
                        elem: d.elem,
                        port: d.port,
                        slot: d.slot,
                        thread: d.thread,
                        local,
                        direct,
                        outs_start,
                        outs_end,
                    };
                }
            }
        }
        hops
    }

    /// Checks what [`Context::hop`] relies on: every element's output range (`out_range`)
    /// and every hop's range of its receiver's outputs lie within `hops`.
    pub(crate) fn ranges_within(hops: &[Hop], out_range: &[[u32; 2]]) -> bool {
        let fits = |start: u32, end: u32| start <= end && end as usize <= hops.len();
        out_range.iter().all(|&[s, e]| fits(s, e)) && hops.iter().all(|h| fits(h.outs_start, h.outs_end))
    }
}

/// Where a pull input comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Source {
    pub elem: u32,
    pub port: u32,
}

/// Router-wide facts, immutable while running (apart from atomics).
pub(crate) struct Shared {
    pub names: Vec<String>,
    pub classes: Vec<&'static str>,
    /// Each element's own handlers (besides the builtin ones every element has).
    pub handler_infos: Vec<&'static [crate::element::HandlerInfo]>,
    /// Each element's processing code as it declared it (agnostic ports included).
    pub declared_processing: Vec<&'static str>,
    /// Every connection, `[from, from port, to, to port]`, in configuration order.
    pub connections: Vec<[u32; 4]>,
    /// Each element's configuration string (a `config` write changes it).
    pub configs: Vec<std::sync::Mutex<String>>,
    /// The names AddressInfo elements defined, for arguments given to `config` writes.
    pub addresses: crate::args::AddressTable,
    pub ninputs: Vec<usize>,
    pub noutputs: Vec<usize>,
    pub in_proc: Vec<Vec<Processing>>,
    pub out_proc: Vec<Vec<Processing>>,
    pub out_base: Vec<usize>,
    pub out_dest: Vec<Option<Dest>>,
    /// `out_dest` resolved for the push path (see [`Hop`]); element `e`'s outputs are
    /// `hops[out_base[e]..out_base[e] + noutputs[e]]`.
    pub hops: Vec<Hop>,
    /// Each element's outputs in `hops`, `[start, end)`.
    pub out_range: Vec<[u32; 2]>,
    pub in_base: Vec<usize>,
    pub in_src: Vec<Option<Source>>,
    /// (element, input port) of each input slot.
    pub slot_owner: Vec<(u32, u32)>,
    pub thread_of: Vec<usize>,
    /// For each notifier element, the task elements pulling from it.
    pub listeners: Vec<Vec<u32>>,
    /// For each element and pull input: the notifiers every upstream pull path ends at, or
    /// `None` when some path ends elsewhere (then the input can never be known idle).
    pub input_notifiers: Vec<Vec<Option<Vec<u32>>>>,
    /// For each full notifier element, the elements pushing into it (through push-only paths
    /// on the same thread).
    pub pushers: Vec<Vec<u32>>,
    /// For each element and push output: the full notifiers every downstream push path ends
    /// at, or `None` when some path ends elsewhere (then the output is never known full).
    pub output_notifiers: Vec<Vec<Option<Vec<u32>>>>,
    /// For each element: whether any of its outputs has full notifiers.
    pub feeds_full_notifier: Vec<bool>,
    pub nthreads: usize,
    pub stop: AtomicBool,
    /// One inbound queue per thread for packets pushed across threads.
    pub crossings: Vec<ArrayQueue<(u32, Packet)>>,
    pub crossing_drops: AtomicU64,
    /// Packets sent to output ports that lead nowhere (unconnected optional outputs).
    pub unconnected_drops: AtomicU64,
    /// Packets a classifier or route table matched to no output.
    pub unmatched_drops: AtomicU64,
    pub wakers: Vec<Waker>,
    /// The configuration text, for the `config` handler.
    pub config_text: HandlerText,
    /// The flattened configuration, for the `flatconfig` handler.
    pub flat_text: Option<HandlerText>,
    /// `require(...)` clauses.
    pub requirements: Vec<String>,
    /// The element that takes over stop requests, if any (DriverManager).
    pub stop_interceptor: Option<u32>,
    /// Stop requests made by elements so far (what a DriverManager counts).
    pub stop_requests: AtomicU64,
    /// Deliver packets one at a time, depth first, instead of in batches (see the module
    /// documentation): set when two or more elements report each packet they see. Only the
    /// elements with a push path to one of them (`reaches_printer`) get packets one at a
    /// time; the others still take whole batches (their order shows nowhere).
    pub one_at_a_time: bool,
    /// For each element: it prints each packet, or a push path leads from it to one that does
    /// (all false unless `one_at_a_time`).
    pub reaches_printer: Vec<bool>,
}

/// Wakes a sleeping thread.
#[derive(Default)]
pub(crate) struct Waker {
    pub thread: std::sync::Mutex<Option<std::thread::Thread>>,
    pub sleeping: AtomicBool,
    /// Set (before `sleeping`) while the thread sleeps in `poll` on its selected file
    /// descriptors rather than parked: then it is woken through `event`.
    pub polling: AtomicBool,
    /// The thread's own eventfd, made the first time it sleeps in `poll`.
    pub event: std::sync::OnceLock<Option<std::os::fd::OwnedFd>>,
}

impl Waker {
    pub fn wake(&self) {
        if !self.sleeping.load(Ordering::Acquire) {
            return;
        }
        if self.polling.load(Ordering::Acquire)
            && let Some(Some(fd)) = self.event.get()
        {
            select::signal(fd);
        } else if let Some(t) = self.thread.lock().expect("waker lock").as_ref() {
            t.unpark();
        }
    }
}

impl Shared {
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Release);
        for w in &self.wakers {
            w.wake();
        }
    }
}

/// The arena of one thread: `None` for elements living on other threads.
pub(crate) type Arena = Vec<RefCell<Option<Box<dyn Element>>>>;

/// A task: an element's `run_task`, stride-scheduled by tickets. Its `pass` changes on
/// every run; a cache line of its own keeps that write away from other threads' data (each
/// thread's tasks are allocated while the router is built, side by side).
#[derive(Clone, Debug)]
#[repr(align(64))]
pub(crate) struct Task {
    pub elem: u32,
    pub stride: u64,
    pub pass: u64,
    pub scheduled: bool,
    /// The tickets the stride came from (Click's `tickets` handler).
    pub tickets: u32,
}

/// Most task runs one run of a source may stand for, and the most packets it then emits at
/// once unless its BURST alone is more (see [`Context::task_burst`]): a whole scheduling
/// round, the runs between two looks at timers and messages (as many as Click's). Against
/// 32: c_iprouter 412 -> 380 instructions a packet, 10-25% more packets a second on the a,
/// b, c and d benchmarks; e, whose lookups miss the cache, 2-4% fewer.
pub const DEFAULT_TASK_RUNS: u32 = thread::TASKS_PER_ROUND as u32;

/// Most nested direct `push` calls; deeper hand-offs are queued (see [`Context::output_batch`]).
const MAX_DIRECT_DEPTH: u32 = 128;

/// Default tickets of a task, as in Click.
pub const DEFAULT_TICKETS: u32 = 1024;
/// Most tickets a task may have.
pub const MAX_TICKETS: u32 = 1 << 15;
const STRIDE1: u64 = 1 << 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TimerEntry {
    pub at: Instant,
    pub seq: u64,
    pub elem: u32,
    pub id: usize,
}

/// Mutable state of one thread. The router keeps the threads' states side by side in one
/// vector; aligning each to 128 bytes (two cache lines, against the adjacent-line
/// prefetcher) keeps one thread's writes (`depth` changes twice per element hop) off the
/// lines another thread reads.
#[repr(align(128))]
pub(crate) struct ThreadState {
    pub id: usize,
    pending: Vec<Batch>,
    queued: Vec<bool>,
    ready: Vec<u32>,
    free: Vec<Batch>,
    pub tasks: Vec<Task>,
    /// Index into `tasks` for each element with a task.
    pub task_of: Vec<Option<usize>>,
    pub global_pass: u64,
    pub timers: BinaryHeap<Reverse<TimerEntry>>,
    /// Current sequence number of each (element, timer): older heap entries are stale.
    timer_seq: std::collections::HashMap<(u32, usize), u64>,
    next_seq: u64,
    /// Time read at the start of the current scheduling round (a cheap, coarse clock).
    pub round_time: Instant,
    /// Scratch space for `Context::output_classified`.
    classified: Vec<u32>,
    /// Handler writes an element asked for (a Counter's COUNT_CALL) to an element that was
    /// busy further up the push chain (the source that pushed the packet): done as soon as
    /// the running task, timer or delivery returns.
    deferred_writes: Vec<(u32, String, String)>,
    /// How many direct `push` calls are nested right now (bounded, so that a very long
    /// chain of elements queues instead of growing the stack without limit).
    depth: u32,
    /// Batches that could not be delivered because the element was busy (a pull cycle).
    pub busy_drops: u64,
    /// File descriptors elements of this thread wait on (Click's `add_select`).
    pub selects: select::Selects,
    /// Most runs one task run may stand for ([`DEFAULT_TASK_RUNS`]; 1 turns that off).
    pub max_task_runs: u32,
    /// How many runs one run of this thread's task may stand for (see
    /// [`Context::task_burst`]): 1, or `max_task_runs` when the thread has one task and
    /// nothing downstream can tell its runs apart, or two tasks forming a [`Pair`].
    task_runs: u32,
    /// Set when a task was added or a handler written: `task_runs` must be decided again
    /// (see [`refresh_task_runs`]) before the next round.
    pub task_runs_stale: bool,
    /// `task_runs` while a task runs, 1 otherwise, for [`Context::task_burst`].
    runs_now: u32,
    /// How many runs the last task run used ([`Context::task_burst`]), for the scheduler;
    /// always 1 while `task_runs` is.
    pub runs_used: u32,
    /// The thread's two tasks when they form a source -> queue -> puller pair whose runs
    /// may be paired (see [`run_paired`]).
    pair: Option<Pair>,
    /// While the pair's source runs as several: the queue element, until the source asks for
    /// one packet a run ([`Context::task_burst`]); then `through` takes it. `NO_ELEMENT`
    /// otherwise.
    pair_queue: u32,
    /// The queue element whose pushes stand for one packet a run ([`Context::push_through`]),
    /// or `NO_ELEMENT`.
    through: u32,
    /// Packets the queue took that way in the running source run.
    pushed_through: u32,
    /// While the pair's puller runs as several: how many ([`Context::pull_runs`]); 0 otherwise.
    pull_runs: u32,
    /// A task to run before any other: the stop interceptor (DriverManager) once an element
    /// asked to stop. In Click no task runs between a stop request and the driver's
    /// handling of it.
    run_next: Option<usize>,
}

/// A thread's two tasks, by index into its `tasks`: a source pushing straight into a FIFO
/// queue and the task pulling from that queue (see [`run_paired`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pair {
    source: usize,
    puller: usize,
    queue: u32,
}

/// "No element" for the pairing fields of [`ThreadState`].
const NO_ELEMENT: u32 = u32::MAX;

impl ThreadState {
    pub fn new(id: usize, nslots: usize, nelements: usize) -> ThreadState {
        ThreadState {
            id,
            pending: (0..nslots).map(|_| Batch::new()).collect(),
            queued: vec![false; nslots],
            ready: Vec::with_capacity(64),
            free: Vec::new(),
            tasks: Vec::new(),
            task_of: vec![None; nelements],
            global_pass: 0,
            timers: BinaryHeap::new(),
            timer_seq: Default::default(),
            next_seq: 0,
            round_time: Instant::now(),
            classified: Vec::new(),
            deferred_writes: Vec::new(),
            depth: 0,
            busy_drops: 0,
            selects: select::Selects::default(),
            max_task_runs: DEFAULT_TASK_RUNS,
            task_runs: 1,
            task_runs_stale: true,
            runs_now: 1,
            runs_used: 1,
            pair: None,
            pair_queue: NO_ELEMENT,
            through: NO_ELEMENT,
            pushed_through: 0,
            pull_runs: 0,
            run_next: None,
        }
    }

    #[inline]
    fn mark_ready(&mut self, slot: u32) {
        let q = &mut self.queued[slot as usize];
        if !*q {
            *q = true;
            self.ready.push(slot);
        }
    }

    #[inline]
    fn enqueue(&mut self, slot: u32, p: Packet) {
        let pending = &mut self.pending[slot as usize];
        if pending.capacity() == 0 {
            // Give a storage-less slot recycled storage so pushing one packet does not allocate.
            if let Some(b) = self.free.pop() {
                *pending = b;
            }
        }
        self.pending[slot as usize].push(p);
        self.mark_ready(slot);
    }

    #[cold]
    #[inline(never)]
    fn enqueue_batch(&mut self, slot: u32, b: &mut Batch) {
        if b.is_empty() {
            return;
        }
        self.pending[slot as usize].append(b);
        if b.capacity() == 0 {
            // `append` swapped storage with an empty slot: hand the caller recycled storage
            // so that its next batch does not allocate.
            if let Some(f) = self.free.pop() {
                *b = f;
            }
        }
        self.mark_ready(slot);
    }

    fn recycle(&mut self, b: Batch) {
        if self.free.len() < 1024 {
            self.free.push(b);
        }
    }

    pub fn add_task(&mut self, elem: u32, tickets: u32) {
        let tickets = tickets.clamp(1, MAX_TICKETS);
        let idx = self.tasks.len();
        self.tasks.push(Task {
            elem,
            stride: STRIDE1 / tickets as u64,
            pass: self.global_pass,
            scheduled: true,
            tickets,
        });
        self.task_of[elem as usize] = Some(idx);
        self.task_runs_may_change();
    }

    /// A task was added or a handler written: until [`refresh_task_runs`] decides again
    /// (before the next round), every task run stands for one.
    pub(crate) fn task_runs_may_change(&mut self) {
        self.task_runs = 1;
        self.runs_used = 1;
        self.task_runs_stale = true;
    }

    /// Reads Click's task handlers of element `elem`'s task (`scheduled`, `tickets`); `None`
    /// if it has no task or `handler` is neither.
    pub fn read_task_handler(&self, elem: usize, handler: &str) -> Option<String> {
        let t = &self.tasks[(*self.task_of.get(elem)?)?];
        match handler {
            "scheduled" => Some(t.scheduled.to_string()),
            "tickets" => Some(t.tickets.to_string()),
            _ => None,
        }
    }

    /// Writes element `elem`'s task's `tickets` (Click pins the value between 1 and
    /// [`MAX_TICKETS`]); `None` if it has no task or `handler` is not `tickets`.
    pub fn write_task_handler(
        &mut self,
        elem: usize,
        handler: &str,
        value: &str,
    ) -> Option<Result<(), crate::element::HandlerError>> {
        let i = (*self.task_of.get(elem)?)?;
        if handler != "tickets" {
            return None;
        }
        let v = value.trim();
        let Ok(n) = v.parse::<i64>() else {
            return Some(Err(crate::element::HandlerError::Failed("syntax error".into())));
        };
        let tickets = n.clamp(1, MAX_TICKETS as i64) as u32;
        let t = &mut self.tasks[i];
        t.tickets = tickets;
        t.stride = STRIDE1 / tickets as u64;
        Some(Ok(()))
    }

    pub fn set_scheduled(&mut self, elem: u32, on: bool) {
        if let Some(i) = self.task_of[elem as usize] {
            let t = &mut self.tasks[i];
            if on && !t.scheduled {
                t.pass = t.pass.max(self.global_pass);
            }
            t.scheduled = on;
        }
    }

    /// The task to run next: one that must run before any other ([`Context::stop_router`]
    /// with a stop interceptor), else the scheduled task with the least pass.
    #[inline]
    pub fn next_task(&mut self) -> Option<usize> {
        match self.run_next.take() {
            Some(t) if self.tasks[t].scheduled => Some(t),
            _ => self.pick_task(),
        }
    }

    /// The scheduled task with the least pass.
    #[inline]
    pub fn pick_task(&self) -> Option<usize> {
        let tasks = match self.tasks.as_slice() {
            // One task (a single source): nothing to compare.
            [t] => return t.scheduled.then_some(0),
            // Two tasks (a source and an unqueue): one comparison, the first of equals wins.
            [a, b] => {
                return match (a.scheduled, b.scheduled) {
                    (true, true) => Some(usize::from(b.pass < a.pass)),
                    (true, false) => Some(0),
                    (false, true) => Some(1),
                    (false, false) => None,
                };
            }
            tasks => tasks,
        };
        // The first scheduled task of least pass (`min_by_key` keeps the first of equals).
        tasks.iter().enumerate().filter(|(_, t)| t.scheduled).min_by_key(|(_, t)| t.pass).map(|(i, _)| i)
    }

    pub fn any_task_scheduled(&self) -> bool {
        self.tasks.iter().any(|t| t.scheduled)
    }

    pub fn schedule_timer(&mut self, elem: u32, id: usize, at: Instant) {
        self.next_seq += 1;
        let seq = self.next_seq;
        self.timer_seq.insert((elem, id), seq);
        self.timers.push(Reverse(TimerEntry { at, seq, elem, id }));
    }

    pub fn cancel_timer(&mut self, elem: u32, id: usize) {
        self.timer_seq.remove(&(elem, id));
    }

    /// Removes and returns the next due timer, skipping cancelled ones.
    pub fn pop_due_timer(&mut self, now: Instant) -> Option<TimerEntry> {
        while let Some(Reverse(top)) = self.timers.peek().copied() {
            if self.timer_seq.get(&(top.elem, top.id)) != Some(&top.seq) {
                self.timers.pop();
                continue;
            }
            if top.at > now {
                return None;
            }
            self.timers.pop();
            self.timer_seq.remove(&(top.elem, top.id));
            return Some(top);
        }
        None
    }

    /// When the next live timer fires.
    pub fn next_timer(&mut self) -> Option<Instant> {
        while let Some(Reverse(top)) = self.timers.peek().copied() {
            if self.timer_seq.get(&(top.elem, top.id)) == Some(&top.seq) {
                return Some(top.at);
            }
            self.timers.pop();
        }
        None
    }
}

/// What an element sees while it runs: its ports, its neighbours, its thread's scheduler.
pub struct Context<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) arena: &'a [RefCell<Option<Box<dyn Element>>>],
    pub(crate) st: &'a mut ThreadState,
    pub(crate) me: u32,
    /// Where the running element's outputs are in [`Shared::hops`], `[start, end)`.
    outs: [u32; 2],
}

impl<'a> Context<'a> {
    /// The context of element `me`.
    #[inline]
    pub(crate) fn new(
        shared: &'a Shared,
        arena: &'a [RefCell<Option<Box<dyn Element>>>],
        st: &'a mut ThreadState,
        me: u32,
    ) -> Context<'a> {
        let outs = shared.out_range[me as usize];
        Context { shared, arena, st, me, outs }
    }

    /// Where output `port` leads, if it exists.
    #[inline]
    fn hop(&self, port: usize) -> Option<&'a Hop> {
        let [start, end] = self.outs;
        if port >= (end - start) as usize {
            return None;
        }
        let i = start as usize + port;
        debug_assert!(i < self.shared.hops.len());
        // SAFETY: `outs` is the running element's range in `hops`, taken from `out_range` or
        // from a hop's `outs_start..outs_end`, both built from the same `out_base`/`noutputs`
        // as `hops` (`Hop::table`), so `start + port < end <= hops.len()` (test:
        // `hop_ranges_lie_within_the_table`), which the router builder asserts.
        #[allow(unsafe_code)]
        let hop = unsafe { self.shared.hops.get_unchecked(i) };
        Some(hop)
    }

    /// The running element's router-wide index.
    pub fn element_index(&self) -> usize {
        self.me as usize
    }

    /// The running element's name.
    pub fn name(&self) -> &str {
        &self.shared.names[self.me as usize]
    }

    /// Number of input ports.
    pub fn ninputs(&self) -> usize {
        self.shared.ninputs[self.me as usize]
    }

    /// Number of output ports.
    #[inline]
    pub fn noutputs(&self) -> usize {
        (self.outs[1] - self.outs[0]) as usize
    }

    /// Processing of input `port` after resolution (push or pull).
    pub fn input_processing(&self, port: usize) -> Processing {
        self.shared.in_proc[self.me as usize].get(port).copied().unwrap_or(Processing::Push)
    }

    /// Processing of output `port` after resolution (push or pull).
    pub fn output_processing(&self, port: usize) -> Processing {
        self.shared.out_proc[self.me as usize].get(port).copied().unwrap_or(Processing::Push)
    }

    /// True when this element gets packets one at a time: the router has two or more
    /// elements that print each packet (see [`Element::reports_each_packet`]) and a push path
    /// leads from this element to one. An element that pulls a burst and pushes it on should
    /// then pull and push each packet in turn, as Click's do.
    pub fn one_at_a_time(&self) -> bool {
        self.shared.reaches_printer[self.me as usize]
    }

    /// The thread running this element.
    pub fn thread_id(&self) -> usize {
        self.st.id
    }

    /// How many packets a source with BURST `burst` emits in the running task run: `burst`,
    /// unless this is its thread's only task and nothing its packets reach can tell one run
    /// from several (see [`Element::batch_invariant`]), or BURST is 1 and its runs pair with
    /// those of the task emptying the queue it feeds ([`Context::push_through`]). Then the run stands for several, up
    /// to the router's task runs (32 by default) and as long as they come to no more packets
    /// than that, or than one BURST if it is larger; the scheduler counts it as that many
    /// runs. Outside a task run, `burst`.
    #[inline]
    pub fn task_burst(&mut self, burst: usize) -> usize {
        let most = self.st.runs_now as usize;
        if most <= 1 {
            return burst;
        }
        if self.st.pair_queue != NO_ELEMENT {
            // The source of a pair (see [`run_paired`]): its runs pair with the puller's only
            // when each pushes one packet.
            if burst != 1 {
                return burst;
            }
            self.st.through = self.st.pair_queue;
        }
        let runs = (most / burst.max(1)).clamp(1, most);
        self.st.runs_used = runs as u32;
        burst * runs
    }

    /// For a FIFO queue ([`Element::fifo_ready`]) taking `n` packets: true when they stand
    /// for `n` pushes of one packet, each pulled by the queue's puller before the next (the
    /// runtime pairs the source's and the puller's runs, see `runtime::run_paired`). The queue then
    /// takes them all, whatever its capacity, and counts its highwater as one more than its
    /// length; the puller's next run takes them all.
    #[inline]
    pub fn push_through(&mut self, n: usize) -> bool {
        if self.st.through != self.me {
            return false;
        }
        self.st.pushed_through += n as u32;
        true
    }

    /// How many packets a task that pulls and pushes on with BURST `burst` may pull in the
    /// running run: `burst`, unless the run stands for several, each pulling the one packet
    /// the source's run before it pushed ([`Element::drains_runs`], `runtime::run_paired`); then as
    /// many as it stands for. The scheduler counts the run as that many.
    #[inline]
    pub fn pull_runs(&self, burst: usize) -> usize {
        match self.st.pull_runs {
            0 => burst,
            n => n as usize,
        }
    }

    /// Emits a packet on push output `port`. A packet sent to a port that does not exist or
    /// is not connected is dropped and counted.
    #[inline]
    pub fn output(&mut self, port: usize, p: Packet) {
        match self.hop(port) {
            Some(h) if h.local => self.st.enqueue(h.slot, p),
            Some(&h) if h.thread != NOWHERE => self.cross(h, p),
            _ => self.unconnected(1),
        }
    }

    /// Emits every packet of `batch` on push output `port`, leaving `batch` empty.
    ///
    /// When the downstream element is free and has nothing queued, it processes the batch
    /// right away (depth-first, Click's order, no queueing); otherwise (a push cycle, or
    /// packets already waiting for it) the batch joins its queue and is delivered after the
    /// running element returns.
    #[inline(never)]
    pub fn output_batch(&mut self, port: usize, batch: &mut Batch) {
        let Some(h) = self.hop(port) else {
            return self.output_batch_elsewhere(&NOWHERE_HOP, batch);
        };
        if !h.direct || batch.is_empty() {
            return self.output_batch_elsewhere(h, batch);
        }
        self.push_now(h, batch);
    }

    /// Hands `batch` to the element `h` leads to now, or queues it when that element is
    /// busy (a push cycle), has packets queued already (they go first), or the chain of
    /// direct calls is too deep.
    #[inline(always)]
    fn push_now(&mut self, h: &Hop, batch: &mut Batch) {
        let st = &mut *self.st;
        // Nothing is queued anywhere when `ready` is empty (a slot with packets is always
        // in `ready`), which spares looking at the slot itself.
        if !(st.ready.is_empty() || st.pending[h.slot as usize].is_empty()) || st.depth >= MAX_DIRECT_DEPTH {
            return st.enqueue_batch(h.slot, batch);
        }
        let Ok(mut guard) = self.arena[h.elem as usize].try_borrow_mut() else {
            return self.st.enqueue_batch(h.slot, batch);
        };
        let Some(el) = guard.as_mut() else {
            return self.st.enqueue_batch(h.slot, batch);
        };
        self.st.depth += 1;
        let outs = [h.outs_start, h.outs_end];
        let mut sub = Context { shared: self.shared, arena: self.arena, st: &mut *self.st, me: h.elem, outs };
        el.push(&mut sub, h.port as usize, batch);
        self.st.depth -= 1;
        if !batch.is_empty() {
            // An element that keeps packets in its input batch drops them.
            drop_kept(batch);
        }
    }

    /// `output_batch` in a router that delivers packets one at a time: each packet of `batch`
    /// goes down its path, and what it queued on the way is delivered, before the next.
    #[cold]
    #[inline(never)]
    fn output_one_at_a_time(&mut self, h: &Hop, batch: &mut Batch) {
        // Most batches hold one packet (sources with BURST 1): no splitting then.
        if batch.len() == 1 {
            return self.push_one(h, batch);
        }
        let mut rest = std::mem::take(batch);
        let mut one = self.st.free.pop().unwrap_or_default();
        for p in rest.drain() {
            one.push(p);
            self.push_one(h, &mut one);
            one.clear();
        }
        // The caller keeps its (now empty) batch's storage.
        *batch = rest;
        self.st.recycle(one);
    }

    /// Pushes a batch of one packet down its path, then delivers what it queued.
    #[inline]
    fn push_one(&mut self, h: &Hop, one: &mut Batch) {
        let mark = self.st.ready.len();
        self.push_now(h, one);
        if self.st.ready.len() > mark {
            self.st.ready[mark..].reverse();
            deliver_one_at_a_time(self.shared, self.arena, self.st, mark);
        }
    }

    /// `output_batch` of an empty batch, to another thread, to an output that leads nowhere,
    /// or in a router that delivers packets one at a time.
    #[cold]
    #[inline(never)]
    fn output_batch_elsewhere(&mut self, h: &Hop, batch: &mut Batch) {
        if batch.is_empty() {
            return;
        }
        if h.thread == NOWHERE {
            self.unconnected(batch.len());
            batch.clear();
        } else if h.local && self.shared.reaches_printer[h.elem as usize] {
            // Into an element that leads to a printer: one packet at a time.
            self.output_one_at_a_time(h, batch);
        } else if h.local {
            // From an element that leads to a printer into one that does not: whatever it
            // does shows in no printer's output, so its packets wait and go on as a batch
            // when the printers' paths are done (see `deliver`).
            self.st.enqueue_batch(h.slot, batch);
        } else if h.thread as usize == self.st.id {
            self.st.enqueue_batch(h.slot, batch);
        } else {
            for p in batch.drain() {
                self.cross(*h, p);
            }
        }
    }

    #[cold]
    fn unconnected(&self, n: usize) {
        self.shared.unconnected_drops.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Sends each packet of `batch` to the output `classify` picks for it (`None`: the packet
    /// is dropped), leaving `batch` empty; returns how many were dropped. When every packet
    /// goes to one output the batch moves as a whole (see [`Context::output_batch`]);
    /// otherwise each packet joins its output's pending batch, and those batches move on when
    /// the running element returns. Classifiers and route tables use this.
    #[inline]
    pub fn output_classified(
        &mut self,
        batch: &mut Batch,
        mut classify: impl FnMut(&mut Packet) -> Option<usize>,
    ) -> usize {
        const DROP: u32 = u32::MAX;
        let code = |o: Option<usize>| o.map_or(DROP, |o| o as u32);
        let Some((head, rest)) = batch.as_mut_slice().split_first_mut() else {
            return 0;
        };
        // While every packet takes the first one's output, no list of ports is kept.
        let first = classify(head);
        let mut same = 1;
        let mut other = None;
        for p in rest {
            let port = classify(p);
            if port != first {
                other = Some(port);
                break;
            }
            same += 1;
        }
        let Some(other) = other else {
            return match first {
                Some(port) => {
                    self.output_batch(port, batch);
                    0
                }
                None => {
                    let n = batch.len();
                    batch.clear();
                    self.unmatched(n);
                    n
                }
            };
        };
        let mut ports = std::mem::take(&mut self.st.classified);
        ports.clear();
        ports.extend(std::iter::repeat_n(code(first), same));
        ports.push(code(other));
        for p in &mut batch.as_mut_slice()[same + 1..] {
            ports.push(code(classify(p)));
        }
        // Packets join their outputs' pending batches (queued, not delivered now: nothing
        // downstream runs while `ports` is out). The first packet for a local output goes
        // through `enqueue` (storage for the slot, the slot marked ready, in the order
        // `output` would mark it); the slot is remembered, so the rest are one push each
        // instead of a hop lookup each (classifiers have few outputs).
        const UNKNOWN: u32 = u32::MAX;
        const NOT_LOCAL: u32 = u32::MAX - 1;
        let mut slot_of = [UNKNOWN; 8];
        let mut dropped = 0;
        for (p, &port) in batch.drain().zip(ports.iter()) {
            if port == DROP {
                dropped += 1;
                drop(p);
                continue;
            }
            match slot_of.get_mut(port as usize) {
                Some(&mut slot) if slot < NOT_LOCAL => self.st.pending[slot as usize].push(p),
                Some(known) if *known == UNKNOWN => match self.hop(port as usize) {
                    Some(h) if h.local => {
                        *known = h.slot;
                        self.st.enqueue(h.slot, p);
                    }
                    _ => {
                        *known = NOT_LOCAL;
                        self.output(port as usize, p);
                    }
                },
                _ => self.output(port as usize, p),
            }
        }
        self.st.classified = ports;
        if dropped > 0 {
            self.unmatched(dropped);
        }
        dropped
    }

    /// Counts packets a classifier matched to no output (Click's classifiers keep no count;
    /// the router's `drops` handler includes them).
    #[cold]
    fn unmatched(&self, n: usize) {
        self.shared.unmatched_drops.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// True when output `port` exists and is connected.
    pub fn output_connected(&self, port: usize) -> bool {
        self.hop(port).is_some_and(|h| h.thread != NOWHERE)
            || (port < self.noutputs() && self.output_processing(port) == Processing::Pull)
    }

    #[cold]
    fn cross(&mut self, d: Hop, p: Packet) {
        let q = &self.shared.crossings[d.thread as usize];
        if q.push((d.slot, p)).is_err() {
            self.shared.crossing_drops.fetch_add(1, Ordering::Relaxed);
        }
        self.shared.wakers[d.thread as usize].wake();
    }

    /// Pulls a packet from pull input `port`.
    #[inline]
    pub fn pull(&mut self, port: usize) -> Option<Packet> {
        let me = self.me as usize;
        if port >= self.shared.ninputs[me] {
            return None;
        }
        let src = self.shared.in_src[self.shared.in_base[me] + port]?;
        let cell = &self.arena[src.elem as usize];
        let Ok(mut guard) = cell.try_borrow_mut() else {
            // Pull cycles are rejected when the router is built; this guards the impossible.
            self.st.busy_drops += 1;
            return None;
        };
        let el = guard.as_mut()?;
        let mut sub = Context::new(self.shared, self.arena, &mut *self.st, src.elem);
        el.pull(&mut sub, src.port as usize)
    }

    /// Pulls up to `max` packets from pull input `port` into `out`; returns how many.
    pub fn pull_batch(&mut self, port: usize, max: usize, out: &mut Batch) -> usize {
        let me = self.me as usize;
        if port >= self.shared.ninputs[me] {
            return 0;
        }
        let Some(src) = self.shared.in_src[self.shared.in_base[me] + port] else {
            return 0;
        };
        let cell = &self.arena[src.elem as usize];
        let Ok(mut guard) = cell.try_borrow_mut() else {
            self.st.busy_drops += 1;
            return 0;
        };
        let Some(el) = guard.as_mut() else { return 0 };
        let mut sub = Context::new(self.shared, self.arena, &mut *self.st, src.elem);
        el.pull_batch(&mut sub, src.port as usize, max, out)
    }

    /// Asks the router to stop (Click's `please_stop_driver`). When an element intercepts
    /// stop requests (a DriverManager), it is woken instead and decides.
    pub fn stop_router(&mut self) {
        self.shared.stop_requests.fetch_add(1, Ordering::AcqRel);
        match self.shared.stop_interceptor {
            Some(e) if self.shared.thread_of[e as usize] == self.st.id => {
                self.st.set_scheduled(e, true);
                // Click runs no task between a stop request and the driver's handling of it
                // (the interceptor's turn): it goes first.
                self.st.run_next = self.st.task_of[e as usize];
            }
            Some(e) => self.shared.wakers[self.shared.thread_of[e as usize]].wake(),
            None => self.shared.request_stop(),
        }
    }

    /// Stops every thread now, whatever intercepts stop requests.
    pub fn stop_now(&mut self) {
        self.shared.request_stop();
    }

    /// Stop requests made by elements so far.
    pub fn stop_requests(&self) -> u64 {
        self.shared.stop_requests.load(Ordering::Acquire)
    }

    /// Reads a handler of any element on this thread (`element.handler`), or a router
    /// handler (`list`, `version`, ...). Elements on other threads cannot be reached from
    /// here (their state belongs to their thread).
    pub fn call_read(&self, full_name: &str) -> Result<String, crate::element::HandlerError> {
        use crate::element::HandlerError;
        // `element.handler PARAM`: the element's read handler gets `handler PARAM`.
        let (Some(elem), handler) = crate::router::Router::split_handler(full_name) else {
            return crate::router::router_handler(self.shared, full_name.trim());
        };
        let i =
            self.shared.names.iter().position(|n| n == elem).ok_or_else(|| HandlerError::NoSuchElement(elem.into()))?;
        if let Some(v) = crate::router::element_builtin(self.shared, i, handler) {
            return Ok(v);
        }
        if let Some(v) = self.st.read_task_handler(i, handler) {
            return Ok(v);
        }
        if i == self.me as usize {
            return Err(HandlerError::Failed("an element cannot call its own handlers this way".into()));
        }
        match self.arena[i].try_borrow() {
            Ok(g) => g
                .as_ref()
                .ok_or_else(|| HandlerError::Failed(format!("'{elem}' runs on another thread")))?
                .read_handler(handler),
            Err(_) => Err(HandlerError::Failed(format!("'{elem}' is busy"))),
        }
    }

    /// [`call_write`](Self::call_write) for a handler named in an element's configuration (a
    /// Counter's COUNT_CALL, FromDump's END_CALL), called from that element's code, `me`:
    /// its own handlers (`NAME.reset` from NAME) are written on `me` directly, since the
    /// router cannot reach an element while it runs; others as `call_write` does.
    pub fn call_write_from<E: crate::element::Element + ?Sized>(
        &mut self,
        me: &mut E,
        full_name: &str,
        value: &str,
    ) -> Result<(), crate::element::HandlerError> {
        match full_name.rsplit_once('.') {
            Some((elem, handler)) if elem == self.name() => {
                self.st.task_runs_may_change();
                me.write_handler(handler, value, self)
            }
            _ => self.call_write(full_name, value),
        }
    }

    /// Writes a handler of any element on this thread, delivering what it pushes later. A
    /// write to an element busy further up the running push chain is made as soon as that
    /// chain returns (and reported on stderr if it then fails).
    pub fn call_write(&mut self, full_name: &str, value: &str) -> Result<(), crate::element::HandlerError> {
        use crate::element::HandlerError;
        if full_name == "stop" {
            self.stop_now();
            return Ok(());
        }
        if let Some(r) = crate::router::write_router_handler(full_name, value) {
            return r;
        }
        let (elem, handler) = full_name.rsplit_once('.').ok_or_else(|| HandlerError::NotWritable(full_name.into()))?;
        let i =
            self.shared.names.iter().position(|n| n == elem).ok_or_else(|| HandlerError::NoSuchElement(elem.into()))?;
        if i == self.me as usize {
            return Err(HandlerError::Failed("an element cannot call its own handlers this way".into()));
        }
        let cell = &self.arena[i];
        let Ok(mut guard) = cell.try_borrow_mut() else {
            // Busy: the element is further up this push chain (a Counter's COUNT_CALL writing
            // `src.active false` to the source whose packet it counts). Click would call it
            // now, re-entering the element; here it is called as soon as the chain returns.
            self.st.deferred_writes.push((i as u32, handler.to_string(), value.to_string()));
            return Ok(());
        };
        let el = guard.as_mut().ok_or_else(|| HandlerError::Failed(format!("'{elem}' runs on another thread")))?;
        if let Some(r) = self.st.write_task_handler(i, handler, value) {
            return r;
        }
        let mut sub = Context::new(self.shared, self.arena, &mut *self.st, i as u32);
        crate::router::write_element(el.as_mut(), handler, value, &mut sub)
    }

    /// True once a stop was requested.
    pub fn stop_requested(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed)
    }

    /// Schedules timer `id` of this element to fire after `after`; replaces an earlier
    /// schedule of the same timer.
    pub fn schedule_timer(&mut self, id: usize, after: Duration) {
        self.st.schedule_timer(self.me, id, crate::clock::now() + after);
    }

    /// Schedules timer `id` at `at`.
    pub fn schedule_timer_at(&mut self, id: usize, at: Instant) {
        self.st.schedule_timer(self.me, id, at);
    }

    /// Cancels timer `id`.
    pub fn cancel_timer(&mut self, id: usize) {
        self.st.cancel_timer(self.me, id);
    }

    /// Watches `fd` for reading; see [`InitContext::add_select`].
    pub fn add_select(&mut self, fd: std::os::fd::RawFd) {
        self.st.selects.add(fd, self.me);
    }

    /// Stops watching `fd` (before the element closes it).
    pub fn remove_select(&mut self, fd: std::os::fd::RawFd) {
        self.st.selects.remove(fd, self.me);
    }

    /// Puts this element's task back in the run queue.
    pub fn reschedule(&mut self) {
        self.st.set_scheduled(self.me, true);
    }

    /// Takes this element's task out of the run queue until [`Context::reschedule`] or a
    /// notifier wakes it.
    pub fn unschedule(&mut self) {
        self.st.set_scheduled(self.me, false);
    }

    /// For notifiers: wakes the tasks that pull from this element.
    pub fn wake_listeners(&mut self) {
        for &t in &self.shared.listeners[self.me as usize] {
            self.st.set_scheduled(t, true);
        }
    }

    /// For full notifiers: wakes the tasks that push into this element (it has room again).
    pub fn wake_pushers(&mut self) {
        for &t in &self.shared.pushers[self.me as usize] {
            self.st.set_scheduled(t, true);
        }
    }

    /// True when push output `port` leads only to full notifiers (queues) and all of them
    /// are full, so a source may unschedule itself until one of them wakes it (Click's
    /// downstream full signal). False whenever some path leads elsewhere.
    #[inline]
    pub fn output_full(&self, port: usize) -> bool {
        // Most sources feed no full notifier at all: one load says so.
        if !self.shared.feeds_full_notifier[self.me as usize] {
            return false;
        }
        let Some(Some(notifiers)) = self.shared.output_notifiers[self.me as usize].get(port) else {
            return false;
        };
        notifiers.iter().all(|&n| match self.arena[n as usize].try_borrow() {
            Ok(g) => g.as_ref().is_some_and(|e| !e.full_notifier_active()),
            Err(_) => false,
        })
    }

    /// True when pull input `port` has nothing to give and a notifier upstream will wake this
    /// element's task when that changes: every upstream pull path ends at a notifier (a
    /// queue), and all of them are empty. A task may then unschedule itself.
    pub fn input_idle(&self, port: usize) -> bool {
        let Some(Some(notifiers)) = self.shared.input_notifiers[self.me as usize].get(port) else {
            return false;
        };
        notifiers.iter().all(|&n| match self.arena[n as usize].try_borrow() {
            Ok(g) => g.as_ref().is_some_and(|e| !e.notifier_active()),
            Err(_) => false,
        })
    }

    /// The time the driver read at the start of this scheduling round: no clock read, at
    /// most one round old. Good for rates and timeouts.
    pub fn coarse_now(&self) -> Instant {
        self.st.round_time
    }

    /// The current time (a clock read: sources should read it once per batch).
    #[inline]
    pub fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// What an element sees in `initialize`.
pub struct InitContext<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) st: &'a mut ThreadState,
    pub(crate) me: u32,
    pub(crate) warnings: Vec<String>,
}

impl<'a> InitContext<'a> {
    /// Records an initialize-time warning (Click's `errh->warning` in `initialize`): the
    /// router builder prints it as Click does, `FILE:LINE: While initializing 'NAME ::
    /// CLASS':` then `  warning: MESSAGE`.
    pub fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    /// The element's name.
    pub fn name(&self) -> &str {
        &self.shared.names[self.me as usize]
    }

    /// Number of input ports.
    pub fn ninputs(&self) -> usize {
        self.shared.ninputs[self.me as usize]
    }

    /// Number of output ports.
    pub fn noutputs(&self) -> usize {
        self.shared.noutputs[self.me as usize]
    }

    /// Processing of input `port` (push or pull).
    pub fn input_processing(&self, port: usize) -> Processing {
        self.shared.in_proc[self.me as usize].get(port).copied().unwrap_or(Processing::Push)
    }

    /// Processing of output `port` (push or pull).
    pub fn output_processing(&self, port: usize) -> Processing {
        self.shared.out_proc[self.me as usize].get(port).copied().unwrap_or(Processing::Push)
    }

    /// Gives the element a task with `tickets` (Click's default 1024), scheduled at start.
    pub fn add_task(&mut self, tickets: u32) {
        self.st.add_task(self.me, tickets);
    }

    /// Leaves the task unscheduled at start (e.g. `ACTIVE false`).
    pub fn unschedule(&mut self) {
        self.st.set_scheduled(self.me, false);
    }

    /// Schedules timer `id` after `after`.
    pub fn schedule_timer(&mut self, id: usize, after: Duration) {
        self.st.schedule_timer(self.me, id, crate::clock::now() + after);
    }

    /// Watches `fd` for reading (Click's `add_select`): when it becomes readable the
    /// element's [`Element::selected`] is called on its thread, which sleeps in `ppoll` on
    /// such descriptors when it has nothing else to do. The element keeps `fd` open while it
    /// is watched; readiness is level-triggered, so `selected` must consume what made it
    /// readable (or [`Context::remove_select`] it).
    pub fn add_select(&mut self, fd: std::os::fd::RawFd) {
        self.st.selects.add(fd, self.me);
    }

    /// True when every upstream pull path of input `port` ends at a notifier (a queue), so
    /// the element's task will be woken when packets arrive.
    pub fn input_is_notified(&self, port: usize) -> bool {
        matches!(self.shared.input_notifiers[self.me as usize].get(port), Some(Some(_)))
    }

    /// Number of threads of the router.
    pub fn nthreads(&self) -> usize {
        self.shared.nthreads
    }

    /// The thread this element runs on.
    pub fn thread_id(&self) -> usize {
        self.st.id
    }
}

/// Drops the packets an element left in its input batch.
#[cold]
#[inline(never)]
fn drop_kept(batch: &mut Batch) {
    batch.clear();
}

/// Delivers pending batches until none is left (see the module documentation), then makes
/// the handler writes that waited for a busy element.
pub(crate) fn flush(shared: &Shared, arena: &[RefCell<Option<Box<dyn Element>>>], st: &mut ThreadState) {
    deliver(shared, arena, st);
    // Bounded: a write whose packets trigger writes to a busy element again could go on.
    for _ in 0..64 {
        if st.deferred_writes.is_empty() {
            break;
        }
        for (elem, handler, value) in std::mem::take(&mut st.deferred_writes) {
            if let Err(e) = thread::write_now(shared, arena, st, elem as usize, &handler, &value) {
                crate::chatter::chatter(&format!("{}.{handler}: {e}", shared.names[elem as usize]));
            }
            deliver(shared, arena, st);
        }
    }
}

/// Delivers pending batches until none is left: in a router that delivers packets one at a
/// time, first those of the elements that lead to printers, one at a time, then the others
/// as batches (which can queue packets only for elements like them).
fn deliver(shared: &Shared, arena: &[RefCell<Option<Box<dyn Element>>>], st: &mut ThreadState) {
    if shared.one_at_a_time {
        deliver_one_at_a_time(shared, arena, st, 0);
    }
    while let Some(slot) = st.ready.pop() {
        st.queued[slot as usize] = false;
        let mut batch = std::mem::take(&mut st.pending[slot as usize]);
        if batch.is_empty() {
            st.recycle(batch);
            continue;
        }
        let (elem, port) = shared.slot_owner[slot as usize];
        let mark = st.ready.len();
        match arena[elem as usize].try_borrow_mut() {
            Ok(mut guard) => {
                if let Some(el) = guard.as_mut() {
                    let mut cx = Context::new(shared, arena, &mut *st, elem);
                    el.push(&mut cx, port as usize, &mut batch);
                }
            }
            Err(_) => st.busy_drops += batch.len() as u64,
        }
        // Deliver what the element emitted first, first.
        st.ready[mark..].reverse();
        if !batch.is_empty() {
            // An element that keeps packets in its input batch drops them.
            batch.clear();
        }
        st.recycle(batch);
    }
}

/// Delivers the packets of the slots made ready above `mark` in `ready` whose elements lead
/// to printers, one packet at a time: each packet, and then what it queued, before the next
/// (a router that delivers packets one at a time). The other slots stay ready for `deliver`
/// to pass on as batches; so does a slot whose element is busy further up the stack (a push
/// cycle), for the delivery that runs once that element returns.
fn deliver_one_at_a_time(
    shared: &Shared,
    arena: &[RefCell<Option<Box<dyn Element>>>],
    st: &mut ThreadState,
    mark: usize,
) {
    // Slots left for later: busy elements', and those of elements that print nothing.
    let mut busy = Vec::new();
    while st.ready.len() > mark {
        let Some(slot) = st.ready.pop() else { break };
        st.queued[slot as usize] = false;
        let (elem, port) = shared.slot_owner[slot as usize];
        if !shared.reaches_printer[elem as usize] {
            busy.push(slot);
            continue;
        }
        let Ok(mut guard) = arena[elem as usize].try_borrow_mut() else {
            busy.push(slot);
            continue;
        };
        let mut pending = std::mem::take(&mut st.pending[slot as usize]);
        if let Some(el) = guard.as_mut() {
            let mut push_one = |st: &mut ThreadState, one: &mut Batch| {
                let inner = st.ready.len();
                let mut cx = Context::new(shared, arena, &mut *st, elem);
                el.push(&mut cx, port as usize, one);
                // An element that keeps packets in its input batch drops them.
                one.clear();
                if st.ready.len() > inner {
                    st.ready[inner..].reverse();
                    deliver_one_at_a_time(shared, arena, st, inner);
                }
            };
            if pending.len() == 1 {
                push_one(st, &mut pending);
            } else {
                let mut one = st.free.pop().unwrap_or_default();
                for p in pending.drain() {
                    one.push(p);
                    push_one(st, &mut one);
                }
                st.recycle(one);
            }
        }
        pending.clear();
        st.recycle(pending);
    }
    for slot in busy {
        st.mark_ready(slot);
    }
}

/// Runs one task and delivers what it pushed. With `SEVERAL` (the thread's `task_runs` is
/// more than 1) the run may stand for several ([`Context::task_burst`]): how many it used is
/// left in `runs_used`. The driver loop calls one or the other, so that a thread that runs
/// each task as written pays nothing for the bookkeeping.
#[inline]
pub(crate) fn run_task<const SEVERAL: bool>(
    shared: &Shared,
    arena: &Arena,
    st: &mut ThreadState,
    task: usize,
    runs: u32,
) -> bool {
    let t = &mut st.tasks[task];
    let elem = t.elem;
    st.global_pass = t.pass;
    t.pass += t.stride;
    let several = SEVERAL && runs > 1;
    if several {
        st.runs_now = runs;
        st.runs_used = 1;
    }
    let worked = match arena[elem as usize].try_borrow_mut() {
        Ok(mut guard) => match guard.as_mut() {
            Some(el) => {
                let mut cx = Context::new(shared, arena, &mut *st, elem);
                el.run_task(&mut cx)
            }
            None => false,
        },
        Err(_) => false,
    };
    if several {
        st.runs_now = 1;
        let t = &mut st.tasks[task];
        t.pass += t.stride * u64::from(st.runs_used - 1);
    }
    // Most runs push depth-first and leave nothing queued.
    if !st.ready.is_empty() || !st.deferred_writes.is_empty() {
        flush(shared, arena, st);
    }
    worked
}

/// Decides how many runs one task run of this thread may stand for. Several only when the
/// task is the thread's only one (no other task's turn falls between its runs) and every
/// element its packets reach is [`Element::batch_invariant`], reached along one path only
/// (where paths meet, a batch would change the order in which packets from different
/// branches arrive) and on this thread; or when the thread's two tasks form a pair (see
/// [`run_paired`]). Everything else runs as written.
pub(crate) fn refresh_task_runs(shared: &Shared, arena: &Arena, st: &mut ThreadState) {
    st.task_runs_stale = false;
    st.pair = None;
    st.task_runs = match st.tasks.as_slice() {
        [only] if st.max_task_runs > 1 && runs_indistinguishable(shared, arena, st.id, only.elem) => st.max_task_runs,
        [_, _] if st.max_task_runs > 1 => {
            st.pair = find_pair(shared, arena, st);
            if st.pair.is_some() { st.max_task_runs } else { 1 }
        }
        _ => 1,
    };
    // What the scheduler adds up after each run.
    st.runs_used = 1;
}

/// The thread's two tasks as a [`Pair`]: one (the source) has a single connection, straight
/// into a FIFO queue ([`Element::fifo_ready`]) on this thread that pushes nowhere itself (no
/// overflow output); the other pulls the queue's output 0 directly on its input 0 and pushes
/// only into batch-invariant elements, as a lone source must (see [`refresh_task_runs`]);
/// both have the same tickets.
fn find_pair(shared: &Shared, arena: &Arena, st: &ThreadState) -> Option<Pair> {
    let tasks = &st.tasks;
    if tasks[0].stride != tasks[1].stride {
        return None;
    }
    let is_fifo =
        |e: usize| arena[e].try_borrow().is_ok_and(|g| g.as_ref().is_some_and(|el| el.fifo_ready().is_some()));
    [(0, 1), (1, 0)].into_iter().find_map(|(source, puller)| {
        let (s, u) = (tasks[source].elem as usize, tasks[puller].elem as usize);
        if shared.ninputs[u] == 0 {
            return None;
        }
        let from = shared.in_src[shared.in_base[u]].as_ref()?;
        let q = from.elem as usize;
        let mut into = shared.out_dest[shared.out_base[s]..shared.out_base[s] + shared.noutputs[s]].iter().flatten();
        let (Some(d), None) = (into.next(), into.next()) else { return None };
        let queue_pushes =
            shared.out_dest[shared.out_base[q]..shared.out_base[q] + shared.noutputs[q]].iter().any(Option::is_some);
        let paired = from.port == 0
            && d.elem as usize == q
            && d.thread as usize == st.id
            && shared.thread_of[q] == st.id
            && !queue_pushes
            && is_fifo(q)
            && runs_indistinguishable(shared, arena, st.id, u as u32);
        paired.then_some(Pair { source, puller, queue: q as u32 })
    })
}

/// Runs the next task of a thread whose two tasks form a [`Pair`]: a source pushing one
/// packet a run into an empty queue and the task pulling it, whose turns alternate (Click's
/// scheduler gives equal tickets equal turns, and the woken puller's turn comes before the
/// source's next). Then one source run may stand for several, pushing them all into the
/// queue at once ([`Context::push_through`]: the queue counts its highwater as for one),
/// and one run of the puller for as many, taking them all ([`Context::pull_runs`]); both
/// tasks' passes move as far as that many runs each would have moved them. Between the two
/// runs nothing else runs (no handler, timer or other thread's packet is looked at), so no
/// one sees the queue hold more than one; after them the queue, every count and every pass
/// are what the runs one at a time leave. Otherwise, or when the queue is not empty, the
/// puller promises fewer than two runs ([`Element::drains_runs`]) or the turns would not
/// alternate, the task runs once, as written. Returns whether it worked and how many runs
/// that was.
pub(crate) fn run_paired(
    shared: &Shared,
    arena: &Arena,
    st: &mut ThreadState,
    pair: Pair,
    task: usize,
) -> (bool, usize) {
    let runs = if task == pair.source { paired_runs(arena, st, pair) } else { 0 };
    if runs < 2 {
        return (run_task::<false>(shared, arena, st, task, 1), 1);
    }
    st.pair_queue = pair.queue;
    st.pushed_through = 0;
    let mut worked = run_task::<true>(shared, arena, st, pair.source, runs);
    st.pair_queue = NO_ELEMENT;
    st.through = NO_ELEMENT;
    let source_runs = st.runs_used as usize;
    let pulls = std::mem::take(&mut st.pushed_through);
    if pulls == 0 {
        return (worked, source_runs);
    }
    // The queue's push woke the puller; its turn comes next, once for each packet. A stop
    // the source asked for in the same run does not keep it from them: a source stops in a
    // run that emits nothing (InfiniteSource at its LIMIT, FromDump at the end of its file),
    // which, one run at a time, comes after the puller's turn.
    st.pull_runs = pulls;
    worked |= run_task::<false>(shared, arena, st, pair.puller, 1);
    st.pull_runs = 0;
    let t = &mut st.tasks[pair.puller];
    t.pass += t.stride * u64::from(pulls - 1);
    (worked, source_runs + pulls as usize)
}

/// How many runs the pair's source may run as one now (see [`run_paired`]): 0 unless the
/// queue is empty with room, the turns alternate, and the puller promises two or more.
fn paired_runs(arena: &Arena, st: &ThreadState, pair: Pair) -> u32 {
    let (s, u) = (&st.tasks[pair.source], &st.tasks[pair.puller]);
    // How far the puller's pass lies ahead of the source's when its turn next comes: a
    // sleeping puller is woken at the source's pass at the latest. The source runs first
    // and the puller right after it, run after run, when that lead is under one stride (the
    // first of equal passes runs first: the lead may be 0 when the source comes first, a
    // whole stride when the puller does).
    let lead = if u.scheduled { u.pass.checked_sub(s.pass) } else { Some(u.pass.saturating_sub(s.pass)) };
    let alternate = match lead {
        Some(lead) if pair.source < pair.puller => lead < s.stride,
        Some(lead) => lead > 0 && lead <= s.stride,
        None => false,
    };
    if !s.scheduled || !alternate {
        return 0;
    }
    let ready =
        arena[pair.queue as usize].try_borrow().is_ok_and(|g| g.as_ref().and_then(|e| e.fifo_ready()) == Some(true));
    if !ready {
        return 0;
    }
    let promise = arena[u.elem as usize].try_borrow().map_or(0, |g| g.as_ref().map_or(0, |e| e.drains_runs()));
    promise.min(u64::from(st.task_runs)) as u32
}

/// True when the elements reached by push from `source` form a tree on `thread` of
/// batch-invariant elements (see [`refresh_task_runs`]).
fn runs_indistinguishable(shared: &Shared, arena: &Arena, thread: usize, source: u32) -> bool {
    let mut seen = vec![false; shared.names.len()];
    seen[source as usize] = true;
    let mut todo = vec![source as usize];
    while let Some(e) = todo.pop() {
        let base = shared.out_base[e];
        for dest in shared.out_dest[base..base + shared.noutputs[e]].iter().flatten() {
            let next = dest.elem as usize;
            if dest.thread as usize != thread || seen[next] {
                return false;
            }
            seen[next] = true;
            let invariant = arena[next].try_borrow().is_ok_and(|g| g.as_ref().is_some_and(|el| el.batch_invariant()));
            if !invariant {
                return false;
            }
            todo.push(next);
        }
    }
    true
}

/// Fires one timer and delivers what it pushed.
pub(crate) fn run_timer(shared: &Shared, arena: &Arena, st: &mut ThreadState, t: TimerEntry) {
    if let Ok(mut guard) = arena[t.elem as usize].try_borrow_mut()
        && let Some(el) = guard.as_mut()
    {
        let mut cx = Context::new(shared, arena, &mut *st, t.elem);
        el.run_timer(&mut cx, t.id);
    }
    flush(shared, arena, st);
}

/// Moves packets that other threads pushed to this one into their pending slots.
pub(crate) fn drain_crossings(shared: &Shared, st: &mut ThreadState) -> usize {
    let q = &shared.crossings[st.id];
    let mut n = 0;
    while let Some((slot, p)) = q.pop() {
        st.enqueue(slot, p);
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The ranges [`Context::hop`] indexes with, without a bounds check, lie within the
        /// table for any shape of graph.
        #[test]
        fn hop_ranges_lie_within_the_table(
            nout in proptest::collection::vec(0usize..4, 1..12),
            picks in proptest::collection::vec((0usize..64, 0usize..4, proptest::bool::ANY), 48),
        ) {
            let n = nout.len();
            let mut out_base = Vec::new();
            let mut total = 0;
            for &k in &nout {
                out_base.push(total);
                total += k;
            }
            let out_dest: Vec<Option<Dest>> = (0..total)
                .map(|i| {
                    let (to, port, connected) = picks[i % picks.len()];
                    connected.then_some(Dest { elem: (to % n) as u32, port: port as u32, slot: 0, thread: 0 })
                })
                .collect();
            let thread_of = vec![0; n];
            let hops = Hop::table(&out_base, &nout, &out_dest, &thread_of, &vec![false; n]);
            let out_range: Vec<[u32; 2]> =
                (0..n).map(|i| [out_base[i] as u32, (out_base[i] + nout[i]) as u32]).collect();
            proptest::prop_assert_eq!(hops.len(), total);
            proptest::prop_assert!(Hop::ranges_within(&hops, &out_range));
        }

        /// `pick_task`'s special cases (one task, two tasks) agree with the general rule: the
        /// first scheduled task of least pass.
        #[test]
        fn pick_task_takes_the_first_scheduled_task_of_least_pass(
            tasks in proptest::collection::vec((0u64..4, proptest::bool::ANY), 0..5),
        ) {
            let mut st = ThreadState::new(0, 0, tasks.len());
            for (i, &(pass, scheduled)) in tasks.iter().enumerate() {
                st.add_task(i as u32, DEFAULT_TICKETS);
                st.tasks[i].pass = pass;
                st.tasks[i].scheduled = scheduled;
            }
            let want = tasks.iter().enumerate().filter(|(_, t)| t.1).min_by_key(|(_, t)| t.0).map(|(i, _)| i);
            proptest::prop_assert_eq!(st.pick_task(), want);
        }
    }
}

/// A router handler's text, made when the handler is read rather than when the router is
/// built: the `config` and `flatconfig` texts of a configuration with a large route table
/// are megabytes, and copying them at start-up costs more than the rest of loading it.
#[derive(Clone)]
pub struct HandlerText(Arc<dyn Fn() -> String + Send + Sync>);

impl HandlerText {
    /// The text `make` returns, each time the handler is read.
    pub fn new(make: impl Fn() -> String + Send + Sync + 'static) -> HandlerText {
        HandlerText(Arc::new(make))
    }

    /// A text known already.
    pub fn fixed(text: String) -> HandlerText {
        HandlerText::new(move || text.clone())
    }

    /// The text.
    pub fn get(&self) -> String {
        (self.0)()
    }
}

impl fmt::Debug for HandlerText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HandlerText(..)")
    }
}
