//! The element trait: what every router component implements.
//!
//! An element declares its ports (`port_count`, `processing`, `flow_code`, as Click spells
//! them), reads its arguments in `configure`, prepares in `initialize`, and then moves packets:
//!
//! * **push**: the runtime hands it a [`Batch`] arriving on an input port; the element
//!   emits packets through [`Context::output`] / [`Context::output_batch`].
//! * **pull**: a downstream element asks it for a packet on an output port; it may ask its
//!   own inputs through [`Context::pull`].
//! * **simple_action**: the per-packet shortcut. An element that only transforms or filters
//!   packets implements this alone; the default `push` runs it over the whole batch and the
//!   default `pull` runs it on each pulled packet, so the element works in both contexts.
//!
//! Elements with work of their own (sources, unqueues) ask for a task in `initialize` and
//! do their work in `run_task`; timers call `run_timer`. Handlers expose state by name.

use crate::args::{AddressTable, ArgError, Args};
use crate::batch::Batch;
use crate::packet::Packet;
use crate::runtime::{Context, InitContext};
use crate::spec::{COMPLETE_FLOW, ports, processing};

/// Element configuration runs in phases: lower first. `AddressInfo` configures first so that
/// the names it defines are known to everyone else.
pub mod configure_phase {
    /// Before everything (AddressInfo).
    pub const FIRST: i32 = 0;
    /// Informational elements.
    pub const INFO: i32 = 20;
    /// Most elements.
    pub const DEFAULT: i32 = 100;
    /// After everything.
    pub const LAST: i32 = 2000;
}

/// Describes one handler of an element.
///
/// Besides whether it reads and writes, a handler carries Click's informational flags, which
/// the `handlers` handler prints after `r`/`w` (in this order): `+` the read takes a
/// parameter, `%` raw (its value is printed without an added newline), `.` calm (the value
/// rarely changes), `$` expensive to read, `U` uncommon, `D` deprecated, `b` a button (the
/// write ignores its value), `c` a checkbox (a boolean).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandlerInfo {
    /// Handler name, e.g. `count`.
    pub name: &'static str,
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// The informational flags ([`HandlerInfo::PARAM`] and the others).
    pub flags: u8,
    /// For Click's keyword handlers (see [`HandlerInfo::reconfigures`]): the argument a
    /// write sets, `"N KEYWORD"` or `"KEYWORD"`.
    pub keyword: Option<&'static str>,
}

impl HandlerInfo {
    /// The read takes a parameter (`+`).
    pub const PARAM: u8 = 1;
    /// The value is raw: printed as is, without an added newline (`%`).
    pub const RAW: u8 = 2;
    /// The value rarely changes (`.`).
    pub const CALM: u8 = 4;
    /// Reading is expensive (`$`).
    pub const EXPENSIVE: u8 = 8;
    /// Uncommon: user interfaces need not show it (`U`).
    pub const UNCOMMON: u8 = 16;
    /// Deprecated (`D`).
    pub const DEPRECATED: u8 = 32;
    /// A button: the write ignores its value (`b`).
    pub const BUTTON: u8 = 64;
    /// A checkbox: a boolean value (`c`).
    pub const CHECKBOX: u8 = 128;

    /// A read-only handler.
    pub const fn read(name: &'static str) -> HandlerInfo {
        HandlerInfo { name, read: true, write: false, flags: 0, keyword: None }
    }

    /// A write-only handler.
    pub const fn write(name: &'static str) -> HandlerInfo {
        HandlerInfo { name, read: false, write: true, flags: 0, keyword: None }
    }

    /// A read-write handler.
    pub const fn read_write(name: &'static str) -> HandlerInfo {
        HandlerInfo { name, read: true, write: true, flags: 0, keyword: None }
    }

    /// The same handler with `flags` added.
    pub const fn with(self, flags: u8) -> HandlerInfo {
        HandlerInfo { flags: self.flags | flags, ..self }
    }

    /// The same handler, its read taking a parameter (`+`).
    pub const fn param(self) -> HandlerInfo {
        self.with(Self::PARAM)
    }

    /// The same handler, raw (`%`).
    pub const fn raw(self) -> HandlerInfo {
        self.with(Self::RAW)
    }

    /// The same handler, calm (`.`).
    pub const fn calm(self) -> HandlerInfo {
        self.with(Self::CALM)
    }

    /// The same handler, a button (`b`).
    pub const fn button(self) -> HandlerInfo {
        self.with(Self::BUTTON)
    }

    /// The same handler, a checkbox (`c`).
    pub const fn checkbox(self) -> HandlerInfo {
        self.with(Self::CHECKBOX)
    }

    /// The same handler, written as Click's `reconfigure_keyword_handler` does: the runtime
    /// sets one argument in the element's configuration string and configures the element
    /// again with it (see `Element::handlers` on writable `config`). `spec` is `"N KEYWORD"`
    /// (positional argument N if it is there and is not a keyword argument, else the
    /// keyword), `"KEYWORD"` (a keyword not yet present is appended) or `"N "` (positional
    /// argument N only, Click's reconfigure_positional_handler). The element's
    /// `write_handler` is not called for it.
    pub const fn reconfigures(self, spec: &'static str) -> HandlerInfo {
        HandlerInfo { keyword: Some(spec), ..self }
    }

    /// True if the value is printed as is (no newline added).
    pub const fn is_raw(&self) -> bool {
        self.flags & Self::RAW != 0
    }

    /// The flags as Click's `handlers` handler prints them: `r`, `w`, then `+%.$UDbc`.
    pub fn flags_text(&self) -> String {
        let mut s = String::new();
        if self.read {
            s.push('r');
        }
        if self.write {
            s.push('w');
        }
        for (bit, c) in [
            (Self::PARAM, '+'),
            (Self::RAW, '%'),
            (Self::CALM, '.'),
            (Self::EXPENSIVE, '$'),
            (Self::UNCOMMON, 'U'),
            (Self::DEPRECATED, 'D'),
            (Self::BUTTON, 'b'),
            (Self::CHECKBOX, 'c'),
        ] {
            if self.flags & bit != 0 {
                s.push(c);
            }
        }
        s
    }
}

/// A failed handler call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandlerError {
    /// No such handler on this element.
    #[error("no handler '{0}'")]
    NoSuchHandler(String),
    /// No such element.
    #[error("no element named '{0}'")]
    NoSuchElement(String),
    /// The handler exists but is not readable.
    #[error("handler '{0}' is not readable")]
    NotReadable(String),
    /// The handler exists but is not writable.
    #[error("handler '{0}' is not writable")]
    NotWritable(String),
    /// The handler rejected the value.
    #[error("{0}")]
    Failed(String),
    /// The router is not running, or stopped during the call.
    #[error("router is not running")]
    NotRunning,
}

impl From<ArgError> for HandlerError {
    /// A write handler's value that does not parse: the argument reader's message.
    fn from(e: ArgError) -> HandlerError {
        HandlerError::Failed(e.to_string())
    }
}

/// Calls `el.pull` until it has `max` packets or `pull` returns nothing, appending them to
/// `out`; returns how many. What [`Element::pull_batch`] does by default, for an element that
/// overrides it but must sometimes pull one packet at a time.
pub fn pull_each<E: Element + ?Sized>(
    el: &mut E,
    cx: &mut Context<'_>,
    port: usize,
    max: usize,
    out: &mut Batch,
) -> usize {
    let mut n = 0;
    while n < max {
        let Some(p) = el.pull(cx, port) else { break };
        out.push(p);
        n += 1;
    }
    n
}

/// A router component.
///
/// `Send` because a router with several threads moves each element to the thread that runs
/// it; an element is only ever touched by one thread at a time.
pub trait Element: Send + 'static {
    /// The Click class name, e.g. `Counter`.
    fn class_name(&self) -> &'static str;

    /// Port-count code (see [`crate::spec`]).
    fn port_count(&self) -> &'static str {
        ports::P1_1
    }

    /// Processing code (see [`crate::spec`]).
    fn processing(&self) -> &'static str {
        processing::AGNOSTIC
    }

    /// Flow code (see [`crate::spec`]).
    fn flow_code(&self) -> &'static str {
        COMPLETE_FLOW
    }

    /// When to configure relative to other elements (see [`configure_phase`]).
    fn configure_phase(&self) -> i32 {
        configure_phase::DEFAULT
    }

    /// Reads the configuration. The default accepts no arguments.
    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        args.complete()
    }

    /// Adds the names this element defines to the table other elements' arguments use
    /// (`AddressInfo`). Called right after `configure`.
    fn provide_addresses(&self, table: &mut AddressTable) {
        let _ = table;
    }

    /// Prepares to run: ask for tasks and timers, check neighbours. Errors stop the router
    /// from starting.
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        let _ = cx;
        Ok(())
    }

    /// Receives a batch on push input `port`. The default applies `simple_action` to each
    /// packet and emits the survivors on output 0.
    fn push(&mut self, cx: &mut Context<'_>, port: usize, batch: &mut Batch) {
        let _ = port;
        batch.filter_map_in_place(|p| self.simple_action(cx, p));
        cx.output_batch(0, batch);
    }

    /// Produces a packet for pull output `port`. The default pulls input 0 and applies
    /// `simple_action`.
    fn pull(&mut self, cx: &mut Context<'_>, port: usize) -> Option<Packet> {
        let _ = port;
        let p = cx.pull(0)?;
        self.simple_action(cx, p)
    }

    /// Produces up to `max` packets for pull output `port` into `out`, returning how many.
    /// The default calls `pull` repeatedly; queues override it to hand over many at once.
    fn pull_batch(&mut self, cx: &mut Context<'_>, port: usize, max: usize, out: &mut Batch) -> usize {
        pull_each(self, cx, port, max, out)
    }

    /// Per-packet processing for elements that transform or filter packets. Return `None`
    /// to consume the packet (after dropping it or emitting it elsewhere).
    fn simple_action(&mut self, cx: &mut Context<'_>, packet: Packet) -> Option<Packet> {
        let _ = cx;
        Some(packet)
    }

    /// Runs the element's task (requested with [`InitContext::add_task`]). Returns true if
    /// it did useful work.
    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        let _ = cx;
        false
    }

    /// A timer set with [`Context::schedule_timer`] fired.
    fn run_timer(&mut self, cx: &mut Context<'_>, timer: usize) {
        let _ = (cx, timer);
    }

    /// A descriptor watched with [`InitContext::add_select`] (or [`Context::add_select`])
    /// is readable. Consume what made it readable, or stop watching it: readiness is
    /// level-triggered. Typically this reschedules the element's task.
    fn selected(&mut self, cx: &mut Context<'_>, fd: std::os::fd::RawFd) {
        let _ = (cx, fd);
    }

    /// True for elements that signal "I have packets" to pulling tasks downstream (queues).
    /// Such an element calls [`Context::wake_listeners`] when it becomes non-empty and
    /// reports its state through `notifier_active`.
    fn is_notifier(&self) -> bool {
        false
    }

    /// True for an element that takes over stop requests (Click's `DriverManager`): a stop
    /// asked for by an element ([`Context::stop_router`]) wakes its task instead of stopping
    /// the router, and the element stops the router itself ([`Context::stop_now`]).
    fn intercepts_stop(&self) -> bool {
        false
    }

    /// True when nothing outside this element can tell whether its input came in one batch
    /// or in several, one per task run of the source upstream: given the same packets in the
    /// same order it emits the same packets, in the same order, on the same ports, and while
    /// it does so it writes no handler, stops nothing, wakes no task, prints nothing and
    /// reads no clock finer than the scheduling round's ([`Context::coarse_now`]).
    ///
    /// When a thread's only task is a source whose packets reach only such elements, each
    /// reached along one path, the runtime lets that source emit several runs' worth of
    /// packets per run ([`Context::task_burst`]) and counts the run as that many: a BURST 1
    /// source then moves batches, with the same outputs, counts and handler values. The
    /// answer may change only when one of the element's handlers is written (a Counter given
    /// a COUNT_CALL); the runtime asks again then. Default false.
    fn batch_invariant(&self) -> bool {
        false
    }

    /// For a FIFO queue that can take part in paired runs (see [`Context::push_through`]):
    /// `Some(true)` when it is empty and has room for a packet, `Some(false)` otherwise.
    /// `None` (the default): not such a queue.
    fn fifo_ready(&self) -> Option<bool> {
        None
    }

    /// For a task that pulls from input 0 and pushes what it pulls on (Unqueue): how many of
    /// its coming runs would each, finding one packet waiting, pull it and push it on. Its
    /// paired runs take [`Context::pull_runs`] packets. Default 0: none promised.
    fn drains_runs(&self) -> u64 {
        0
    }

    /// True for elements that write a line of text for each packet they see (Print,
    /// IPPrint). With two or more of them in a router the order in which packets reach
    /// elements shows in the output, so the router delivers packets one at a time, depth
    /// first, as Click does (see [`crate::runtime`]); otherwise batches move whole.
    fn reports_each_packet(&self) -> bool {
        false
    }

    /// False for elements that emit no packet of their own accord: only packets pushed or
    /// pulled into them, or answers to those (Classifier, Print), or none at all (Idle). A
    /// printer reachable only through such elements from such a start (`Idle -> Classifier
    /// -> Print`) never prints, and does not count towards
    /// [`reports_each_packet`](Self::reports_each_packet)'s two. The default, true, is the
    /// safe answer for sources, devices, and elements with tasks or timers.
    fn may_originate_packets(&self) -> bool {
        true
    }

    /// For notifiers: true while packets are waiting (a pull may succeed).
    fn notifier_active(&self) -> bool {
        true
    }

    /// True for elements that tell pushing sources upstream when they have room (Click's
    /// full notifier, as Queue has): such an element calls [`Context::wake_pushers`] when it
    /// stops being full and reports its state through `full_notifier_active`.
    fn is_full_notifier(&self) -> bool {
        false
    }

    /// For full notifiers: true while a push would find room.
    fn full_notifier_active(&self) -> bool {
        true
    }

    /// Called once the router is assembled, with a handle through which the element may call
    /// the router's handlers from threads of its own (Click's ControlSocket does). The
    /// handle's calls fail while the router is not running.
    fn attach(&mut self, router: &crate::RouterHandle) {
        let _ = router;
    }

    /// The element's own handlers, in the order Click's element adds them (its `handlers`
    /// handler lists them newest first, as Click does). The runtime adds `name`, `class`,
    /// `config`, `ports` and `handlers` to every element before these; an entry named like one
    /// of them replaces it in place, as re-adding a handler does in Click. A writable `config`
    /// makes the runtime configure the element again on writes (live reconfiguration); a
    /// readable `config` without [`HandlerInfo::CALM`] is answered by the element's
    /// `read_handler` instead of the configuration string.
    fn handlers(&self) -> &'static [HandlerInfo] {
        &[]
    }

    /// Reads a handler.
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Err(HandlerError::NoSuchHandler(name.to_string()))
    }

    /// Writes a handler.
    fn write_handler(&mut self, name: &str, value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        let _ = (value, cx);
        Err(HandlerError::NoSuchHandler(name.to_string()))
    }

    /// Called once when the router is dropped.
    fn cleanup(&mut self) {}
}

/// Declares an element struct whose doc comment is also available as `Self::DOC`, so that the
/// documentation rustdoc shows is the one `vrouter elements` prints.
///
/// ```
/// click_core::documented! {
///     /// Passes packets through.
///     ///
///     /// # Synopsis
///     /// `Null`
///     pub struct Null;
/// }
/// assert!(Null::DOC.contains("# Synopsis"));
/// ```
#[macro_export]
macro_rules! documented {
    ($(#[doc = $doc:expr])* $(#[derive($($derive:path),*)])?
     $vis:vis struct $name:ident < $($gen:ident : $bound:path),* > $($body:tt)*) => {
        $(#[doc = $doc])*
        $(#[derive($($derive),*)])?
        $vis struct $name < $($gen : $bound),* > $($body)*
        impl< $($gen : $bound),* > $name < $($gen),* > {
            /// This element's documentation (the same text as its rustdoc).
            pub const DOC: &'static str = concat!($($doc, "\n"),*);
        }
    };
    ($(#[doc = $doc:expr])* $(#[derive($($derive:path),*)])? $vis:vis struct $name:ident $($body:tt)*) => {
        $(#[doc = $doc])*
        $(#[derive($($derive),*)])?
        $vis struct $name $($body)*
        impl $name {
            /// This element's documentation (the same text as its rustdoc).
            pub const DOC: &'static str = concat!($($doc, "\n"),*);
        }
    };
}
