//! A built router: run it, call its handlers, stop it.

mod build;

pub use build::{BuildError, Checked, RouterBuilder, RouterErrors};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use config_lang::{FlatGraph, Location};
use crossbeam_channel::{Receiver, Sender};

use crate::element::{HandlerError, HandlerInfo};
use crate::registry::Registry;
use crate::runtime::{Arena, Control, HandlerText, Shared, ThreadState, run_thread};

/// The version string of the `version` handler.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Router-wide handlers (addressed without an element name), in the order Click's user-level
/// driver adds them (its `handlers` handler lists them in this order). `timewarp` reads and
/// sets the clock's speed ([`crate::clock`]).
pub const ROUTER_HANDLERS: &[HandlerInfo] = &[
    HandlerInfo::read("version"),
    HandlerInfo::read("driver"),
    HandlerInfo::read("config"),
    HandlerInfo::read("flatconfig"),
    HandlerInfo::read("requirements"),
    HandlerInfo::read("handlers"),
    HandlerInfo::read("list"),
    HandlerInfo::write("stop"),
    HandlerInfo::read("classes"),
    HandlerInfo::read("packages"),
    HandlerInfo::read_write("timewarp"),
];

/// Router handlers of vrouter's own, readable by name but left out of the `handlers`
/// listing so that it stays Click's:
/// - `drops` (read): packets lost on unconnected outputs, full cross-thread queues and
///   unmatched classifier outputs, in total.
pub const HIDDEN_ROUTER_HANDLERS: &[HandlerInfo] = &[HandlerInfo::read("drops")];

/// Router handler `name`, if there is one.
fn router_handler_info(name: &str) -> Option<HandlerInfo> {
    ROUTER_HANDLERS.iter().chain(HIDDEN_ROUTER_HANDLERS).find(|h| h.name == name).copied()
}
/// Handlers every element has.
pub const ELEMENT_HANDLERS: &[&str] = &["name", "class", "config", "ports", "handlers"];

/// How a run went.
#[derive(Clone, Debug, Default)]
pub struct RunReport {
    /// Wall-clock time of the run.
    pub elapsed: Duration,
    /// Packets dropped because they were sent to an unconnected output.
    pub unconnected_drops: u64,
    /// Packets dropped because a cross-thread queue was full.
    pub crossing_drops: u64,
}

/// Options of [`Router::run_with`].
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Stop once nothing is left to do (single-threaded routers only): no scheduled task, no
    /// pending timer, no watched descriptor, no packet in flight. Click's driver never
    /// stops by itself; this is for tests and tools.
    pub stop_when_idle: bool,
}

/// A router: its elements, their connections and the threads that run them.
pub struct Router {
    shared: Arc<Shared>,
    arenas: Vec<Arena>,
    states: Vec<ThreadState>,
    controls: Vec<(Sender<Control>, Receiver<Control>)>,
    running: Arc<AtomicBool>,
    locations: Vec<Option<Location>>,
    /// Idle rounds a thread spins before it sleeps (see [`Router::set_spin_rounds`]).
    spin_rounds: u32,
    /// Most runs one task run may stand for (see [`Router::set_task_runs`]).
    task_runs: u32,
}

impl Router {
    /// How many idle rounds a thread spins (looking for work without sleeping, yielding the CPU
    /// between looks) before it
    /// sleeps; default [`DEFAULT_SPIN_ROUNDS`](crate::runtime::DEFAULT_SPIN_ROUNDS). A router
    /// that shares few CPUs with many others (a domain among many) should not spin: 0.
    pub fn set_spin_rounds(&mut self, rounds: u32) {
        self.spin_rounds = rounds;
    }

    /// Most task runs one run of a source may stand for, where nothing downstream can tell
    /// them apart (see [`Element::batch_invariant`](crate::element::Element::batch_invariant)
    /// and, for a source and the task emptying its queue, [`Context::push_through`](crate::Context::push_through));
    /// default [`DEFAULT_TASK_RUNS`](crate::runtime::DEFAULT_TASK_RUNS). 1 runs every task
    /// exactly as written (for comparisons).
    pub fn set_task_runs(&mut self, runs: u32) {
        self.task_runs = runs.max(1);
    }

    pub(crate) fn assemble(
        shared: Shared,
        arenas: Vec<Arena>,
        states: Vec<ThreadState>,
        locations: Vec<Option<Location>>,
    ) -> Router {
        let controls = (0..shared.nthreads).map(|_| crossbeam_channel::unbounded()).collect();
        let mut router = Router {
            shared: Arc::new(shared),
            arenas,
            states,
            controls,
            running: Arc::new(AtomicBool::new(false)),
            locations,
            spin_rounds: crate::runtime::DEFAULT_SPIN_ROUNDS,
            task_runs: crate::runtime::DEFAULT_TASK_RUNS,
        };
        // Elements that serve handlers to the outside (ControlSocket) get their handle now.
        let handle = router.handle();
        for arena in &mut router.arenas {
            for cell in arena.iter_mut() {
                if let Some(el) = cell.get_mut() {
                    el.attach(&handle);
                }
            }
        }
        router
    }

    /// Builds a router from a flat graph (what config-lang produces).
    pub fn from_flat(graph: &FlatGraph, registry: &Registry) -> Result<Router, RouterErrors> {
        RouterBuilder::from_flat(graph, registry).build()
    }

    /// Number of elements.
    pub fn element_count(&self) -> usize {
        self.shared.names.len()
    }

    /// Element names in index order.
    pub fn element_names(&self) -> &[String] {
        &self.shared.names
    }

    /// The index of the element named `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.shared.names.iter().position(|n| n == name)
    }

    /// Where element `i` was declared.
    pub fn location(&self, i: usize) -> Option<&Location> {
        self.locations.get(i).and_then(Option::as_ref)
    }

    /// Number of threads.
    pub fn thread_count(&self) -> usize {
        self.shared.nthreads
    }

    /// The thread element `i` runs on.
    pub fn thread_of(&self, i: usize) -> usize {
        self.shared.thread_of[i]
    }

    /// Whether this router delivers packets one at a time on the paths to its printers, so
    /// that their output interleaves as Click's (two or more Print/IPPrint elements that
    /// packets can reach; see `click_core::runtime`).
    pub fn delivers_one_at_a_time(&self) -> bool {
        self.shared.one_at_a_time
    }

    /// Input and output processing of element `i` after resolution, as letters (`"h"`, `"l"`).
    pub fn port_processing(&self, i: usize) -> (String, String) {
        let code = |v: &Vec<crate::spec::Processing>| v.iter().map(|p| p.code()).collect::<String>();
        (code(&self.shared.in_proc[i]), code(&self.shared.out_proc[i]))
    }

    /// A handle for calling handlers and stopping the router from other threads while it runs.
    pub fn handle(&self) -> RouterHandle {
        RouterHandle {
            shared: self.shared.clone(),
            controls: self.controls.iter().map(|(s, _)| s.clone()).collect(),
            running: self.running.clone(),
        }
    }

    /// Runs until a stop is requested (by an element such as a source with `STOP true`,
    /// by [`RouterHandle::stop`], or by a signal handler calling it).
    pub fn run(&mut self) -> RunReport {
        self.run_with(RunOptions::default())
    }

    /// Runs with options; see [`RunOptions`].
    pub fn run_with(&mut self, opts: RunOptions) -> RunReport {
        let start = Instant::now();
        self.shared.stop.store(false, Ordering::Release);
        self.shared.stop_requests.store(0, Ordering::Release);
        self.running.store(true, Ordering::Release);
        let loop_opts = crate::runtime::LoopOptions {
            stop_when_idle: opts.stop_when_idle,
            spin_rounds: self.spin_rounds,
            task_runs: self.task_runs,
        };
        let shared: &Shared = &self.shared;
        let controls = &self.controls;
        let mut work: Vec<(&mut Arena, &mut ThreadState)> =
            self.arenas.iter_mut().zip(self.states.iter_mut()).collect();
        let (first, rest) = work.split_first_mut().expect("at least one thread");
        std::thread::scope(|scope| {
            for (arena, st) in rest.iter_mut() {
                let rx = &controls[st.id].1;
                let (arena, st): (&mut Arena, &mut ThreadState) = (arena, st);
                scope.spawn(move || run_thread(shared, arena, st, rx, loop_opts));
            }
            run_thread(shared, first.0, first.1, &controls[0].1, loop_opts);
            // Thread 0 has stopped: make sure the others do too.
            shared.request_stop();
        });
        self.running.store(false, Ordering::Release);
        RunReport {
            elapsed: start.elapsed(),
            unconnected_drops: self.shared.unconnected_drops.load(Ordering::Relaxed),
            crossing_drops: self.shared.crossing_drops.load(Ordering::Relaxed),
        }
    }

    /// Splits `element.handler [PARAM]` into the element and `handler [PARAM]`.
    pub(crate) fn split_handler(full: &str) -> (Option<&str>, &str) {
        let full = full.trim();
        let name_end = full.find(char::is_whitespace).unwrap_or(full.len());
        match full[..name_end].rfind('.') {
            Some(dot) => (Some(&full[..dot]), &full[dot + 1..]),
            None => (None, full),
        }
    }

    /// Reads a handler, `element.handler` or a router handler such as `list` (router
    /// stopped; see [`RouterHandle`] for a running router).
    pub fn read_handler(&self, full_name: &str) -> Result<String, HandlerError> {
        let (elem, handler) = Self::split_handler(full_name);
        let Some(elem) = elem else {
            return router_handler(&self.shared, handler);
        };
        let i = self.find(elem).ok_or_else(|| HandlerError::NoSuchElement(elem.to_string()))?;
        if let Some(v) = element_builtin(&self.shared, i, handler) {
            return Ok(v);
        }
        let t = self.shared.thread_of[i];
        crate::runtime::read_handler_in(&self.arenas[t], &self.states[t], i, handler)
    }

    /// What handler `full_name` (`element.handler`, or a router handler) is: readable,
    /// writable, raw...; `None` if there is no such handler.
    pub fn handler_info(&self, full_name: &str) -> Option<HandlerInfo> {
        let (elem, handler) = Self::split_handler(full_name);
        let handler = handler.split_whitespace().next().unwrap_or("");
        let Some(elem) = elem else {
            return router_handler_info(handler);
        };
        handler_info(&self.shared, self.find(elem)?, handler)
    }

    /// Writes a handler of a stopped router.
    pub fn write_handler(&mut self, full_name: &str, value: &str) -> Result<(), HandlerError> {
        let (elem, handler) = Self::split_handler(full_name);
        let Some(elem) = elem else {
            if let Some(r) = write_router_handler(handler, value) {
                return r;
            }
            // `stop` of a stopped router does nothing.
            return match router_handler_info(handler) {
                Some(h) if h.write => Ok(()),
                Some(_) => Err(HandlerError::NotWritable(handler.to_string())),
                None => Err(HandlerError::NoSuchHandler(handler.to_string())),
            };
        };
        let i = self.find(elem).ok_or_else(|| HandlerError::NoSuchElement(elem.to_string()))?;
        let t = self.shared.thread_of[i];
        crate::runtime::write_handler_in(&self.shared, &self.arenas[t], &mut self.states[t], i, handler, value)
    }
}

impl Drop for Router {
    fn drop(&mut self) {
        for arena in &mut self.arenas {
            for cell in arena.iter_mut() {
                if let Some(el) = cell.get_mut() {
                    el.cleanup();
                }
            }
        }
    }
}

/// Handlers every element has, answered from the router's tables.
pub(crate) fn element_builtin(s: &Shared, i: usize, handler: &str) -> Option<String> {
    Some(match handler {
        "name" => s.names[i].clone(),
        "class" => s.classes[i].to_string(),
        // An element that declares a readable `config` handler without CALM answers it itself
        // (as Click elements that add their own `config` read handler do).
        "config"
            if !s.handler_infos[i].iter().any(|h| h.name == "config" && h.read && h.flags & HandlerInfo::CALM == 0) =>
        {
            config_of(s, i)
        }
        "ports" => ports_text(s, i),
        // Click's format: one handler a line, its name, a tab and its flags, newest first.
        "handlers" => {
            let all = element_handler_infos(s, i);
            all.iter().rev().map(|h| format!("{}\t{}\n", h.name, h.flags_text())).collect()
        }
        _ => return None,
    })
}

/// Element `i`'s configuration string.
fn config_of(s: &Shared, i: usize) -> String {
    s.configs[i].lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
}

/// Live reconfiguration (Click's `config` write handler), for elements that declare `config`
/// writable: configures the element again from `value`; if that fails, configures it again
/// from its previous string, so that it keeps working as before, and reports the error.
/// Afterwards its task and the tasks waiting on it are woken, in case the new settings let
/// them work again (a higher LIMIT, a larger queue); those with nothing to do sleep again.
pub(crate) fn write_config(
    el: &mut dyn crate::element::Element,
    value: &str,
    cx: &mut crate::runtime::Context<'_>,
) -> Result<(), HandlerError> {
    let (s, i) = (cx.shared, cx.me as usize);
    let old = config_of(s, i);
    let result = match el.configure(&mut crate::args::Args::new(value).with_addresses(&s.addresses)) {
        Ok(()) => {
            *s.configs[i].lock().unwrap_or_else(std::sync::PoisonError::into_inner) = value.to_string();
            Ok(())
        }
        Err(e) => {
            let _ = el.configure(&mut crate::args::Args::new(&old).with_addresses(&s.addresses));
            Err(HandlerError::Failed(e.to_string()))
        }
    };
    cx.reschedule();
    cx.wake_listeners();
    cx.wake_pushers();
    result
}

/// Writes handler `handler` of the element `cx` runs as: a `config` write reconfigures it
/// (if it declares `config` writable), a keyword handler rewrites one argument of its
/// configuration (see [`HandlerInfo::reconfigures`]), anything else goes to the element.
pub(crate) fn write_element(
    el: &mut dyn crate::element::Element,
    handler: &str,
    value: &str,
    cx: &mut crate::runtime::Context<'_>,
) -> Result<(), HandlerError> {
    let (s, i) = (cx.shared, cx.me as usize);
    // The element may now answer `batch_invariant` differently.
    cx.st.task_runs_may_change();
    if handler == "config" && config_writable(s, i) {
        return write_config(el, value, cx);
    }
    let Some(spec) = s.handler_infos[i].iter().find(|h| h.name == handler && h.write).and_then(|h| h.keyword) else {
        return el.write_handler(handler, value, cx);
    };
    if !config_writable(s, i) {
        return Err(HandlerError::Failed(format!("cannot reconfigure {} :: {} live", s.names[i], s.classes[i])));
    }
    let (argno, keyword) = match spec.split_once(' ') {
        Some((n, k)) => (n.parse::<usize>().ok(), k),
        None => (None, spec),
    };
    let mut conf = crate::args::split_args(&config_of(s, i));
    let is_keyword = |a: &str, k: &str| {
        let l = crate::args::keyword_length(a);
        l > 0 && &a[..l] == k
    };
    if keyword.is_empty() {
        // Positional only (Click's reconfigure_positional_handler).
        match argno.filter(|&n| n < conf.len()) {
            Some(n) => conf[n] = value.to_string(),
            None => return Err(HandlerError::Failed("missing mandatory arguments".into())),
        }
        return write_config(el, &conf.join(", "), cx);
    }
    let found = conf.iter().any(|a| is_keyword(a, keyword));
    match argno {
        Some(n) if !found && n < conf.len() && crate::args::keyword_length(&conf[n]) == 0 => {
            conf[n] = value.to_string()
        }
        _ => conf.push(format!("{keyword} {value}")),
    }
    write_config(el, &conf.join(", "), cx)
}

/// True if element `i` declares a writable `config` handler.
pub(crate) fn config_writable(s: &Shared, i: usize) -> bool {
    s.handler_infos[i].iter().any(|h| h.name == "config" && h.write)
}

/// Element `i`'s handlers in the order Click adds them: the builtin ones (calm, read-only),
/// then the element's own; an own handler named like a builtin one replaces it in place.
pub(crate) fn element_handler_infos(s: &Shared, i: usize) -> Vec<HandlerInfo> {
    let mut all: Vec<HandlerInfo> = ELEMENT_HANDLERS.iter().map(|&n| HandlerInfo::read(n).calm()).collect();
    for h in s.handler_infos[i] {
        match all.iter_mut().find(|b| b.name == h.name) {
            Some(b) => *b = *h,
            None => all.push(*h),
        }
    }
    all
}

/// Element `i`'s handler `handler` (without parameters), if it has one.
fn handler_info(s: &Shared, i: usize, handler: &str) -> Option<HandlerInfo> {
    s.handler_infos[i]
        .iter()
        .find(|h| h.name == handler)
        .copied()
        .or_else(|| ELEMENT_HANDLERS.contains(&handler).then(|| HandlerInfo::read("").calm()))
}

/// Element `i`'s `ports` handler, as Click prints it: per port, its processing (`~` when the
/// element declared it agnostic), a tab, `-` (Click's packet count, kept only in its
/// statistics builds), a tab, and what the port is connected to, in configuration order.
/// Built when read, so that building a large router does no work for it.
fn ports_text(s: &Shared, i: usize) -> String {
    let declared = crate::spec::ProcessingCode::parse(s.declared_processing[i]).ok();
    let agnostic = |input: bool, p: usize| {
        declared
            .as_ref()
            .is_some_and(|d| (if input { d.input(p) } else { d.output(p) }) == crate::spec::Processing::Agnostic)
    };
    let name = |e: u32| s.names[e as usize].as_str();
    let plural = |n: usize, what: &str| format!("{n} {what}{}\n", if n == 1 { "" } else { "s" });
    let i = i as u32;
    let mut out = plural(s.in_proc[i as usize].len(), "input");
    for (p, proc_) in s.in_proc[i as usize].iter().enumerate() {
        let peers: Vec<String> = s
            .connections
            .iter()
            .filter(|&&[_, _, to, to_port]| to == i && to_port == p as u32)
            .map(|&[from, from_port, _, _]| format!("{} [{from_port}]", name(from)))
            .collect();
        let tilde = if agnostic(true, p) { "~" } else { "" };
        out += &format!("{}{tilde}\t-\t{}\n", proc_.name(), peers.join(", "));
    }
    out += &plural(s.out_proc[i as usize].len(), "output");
    for (p, proc_) in s.out_proc[i as usize].iter().enumerate() {
        let peers: Vec<String> = s
            .connections
            .iter()
            .filter(|&&[from, from_port, _, _]| from == i && from_port == p as u32)
            .map(|&[_, _, to, to_port]| format!("[{to_port}] {}", name(to)))
            .collect();
        let tilde = if agnostic(false, p) { "~" } else { "" };
        out += &format!("{}{tilde}\t-\t{}\n", proc_.name(), peers.join(", "));
    }
    out
}

/// Whether handler `handler` (without parameters) of element `i` is readable and writable;
/// `None` if there is no such handler.
fn handler_flags(s: &Shared, i: usize, handler: &str) -> Option<(bool, bool)> {
    handler_info(s, i, handler).map(|h| (h.read, h.write))
}

/// Calls handlers of a running router from any thread, and stops it.
#[derive(Clone)]
pub struct RouterHandle {
    shared: Arc<Shared>,
    controls: Vec<Sender<Control>>,
    running: Arc<AtomicBool>,
}

/// How long a handler call waits for the element's thread.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

impl RouterHandle {
    /// Asks the router to stop.
    pub fn stop(&self) {
        self.shared.request_stop();
    }

    /// True while the router runs.
    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }

    /// The element and handler (with any parameters) that `full_name` names.
    fn locate(&self, full_name: &str) -> Result<(usize, String), HandlerError> {
        let (elem, handler) = Router::split_handler(full_name);
        let elem = elem.ok_or_else(|| HandlerError::NoSuchHandler(full_name.trim().to_string()))?;
        let i = self
            .shared
            .names
            .iter()
            .position(|n| n == elem)
            .ok_or_else(|| HandlerError::NoSuchElement(elem.to_string()))?;
        Ok((i, handler.to_string()))
    }

    /// Checks that `full_name` (`element.handler` or a router handler) exists and is
    /// readable, or writable with `write`, without calling it.
    pub fn check(&self, full_name: &str, write: bool) -> Result<(), HandlerError> {
        let name = full_name.trim();
        if let (None, h) = Router::split_handler(name) {
            return match router_handler_info(h) {
                None => Err(HandlerError::NoSuchHandler(h.to_string())),
                Some(info) if write && !info.write => Err(HandlerError::NotWritable(h.to_string())),
                Some(info) if !write && !info.read => Err(HandlerError::NotReadable(h.to_string())),
                Some(_) => Ok(()),
            };
        }
        let (i, handler) = self.locate(name)?;
        let handler = handler.split_whitespace().next().unwrap_or("");
        match handler_flags(&self.shared, i, handler) {
            None => Err(HandlerError::NoSuchHandler(name.to_string())),
            Some((_, false)) if write => Err(HandlerError::NotWritable(name.to_string())),
            Some((false, _)) if !write => Err(HandlerError::NotReadable(name.to_string())),
            Some(_) => Ok(()),
        }
    }

    fn wait<T>(&self, rx: Receiver<Result<T, HandlerError>>) -> Result<T, HandlerError> {
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(r) => return r,
                Err(_) if !self.is_running() || Instant::now() > deadline => {
                    return Err(HandlerError::NotRunning);
                }
                Err(_) => {}
            }
        }
    }

    /// Reads `element.handler` on the element's own thread, or a router handler (`list`,
    /// `drops`, ...).
    pub fn read(&self, full_name: &str) -> Result<String, HandlerError> {
        if let (None, h) = Router::split_handler(full_name) {
            return router_handler(&self.shared, h);
        }
        let (i, handler) = self.locate(full_name)?;
        if let Some(v) = element_builtin(&self.shared, i, &handler) {
            return Ok(v);
        }
        if let Some((false, _)) = handler_flags(&self.shared, i, handler.split_whitespace().next().unwrap_or("")) {
            return Err(HandlerError::NotReadable(full_name.trim().to_string()));
        }
        if !self.is_running() {
            return Err(HandlerError::NotRunning);
        }
        let t = self.shared.thread_of[i];
        let (tx, rx) = crossbeam_channel::bounded(1);
        self.controls[t].send(Control::Read { elem: i, handler, reply: tx }).map_err(|_| HandlerError::NotRunning)?;
        self.shared.wakers[t].wake();
        self.wait(rx)
    }

    /// Writes `element.handler` on the element's own thread.
    pub fn write(&self, full_name: &str, value: &str) -> Result<(), HandlerError> {
        if let (None, h) = Router::split_handler(full_name) {
            if let Some(r) = write_router_handler(h, value) {
                return r;
            }
            return match router_handler_info(h) {
                Some(info) if info.write => {
                    self.stop();
                    Ok(())
                }
                Some(_) => Err(HandlerError::NotWritable(h.to_string())),
                None => Err(HandlerError::NoSuchHandler(h.to_string())),
            };
        }
        let (i, handler) = self.locate(full_name)?;
        if let Some((_, false)) = handler_flags(&self.shared, i, &handler) {
            return Err(HandlerError::NotWritable(full_name.trim().to_string()));
        }
        if !self.is_running() {
            return Err(HandlerError::NotRunning);
        }
        let t = self.shared.thread_of[i];
        let (tx, rx) = crossbeam_channel::bounded(1);
        self.controls[t]
            .send(Control::Write { elem: i, handler, value: value.to_string(), reply: tx })
            .map_err(|_| HandlerError::NotRunning)?;
        self.shared.wakers[t].wake();
        self.wait(rx)
    }
}

/// Writes a router handler other than `stop` (which each caller handles its own way):
/// `timewarp`. `None` when `handler` is not one of those.
pub(crate) fn write_router_handler(handler: &str, value: &str) -> Option<Result<(), HandlerError>> {
    match handler.trim() {
        "timewarp" => Some(crate::clock::write(value).map_err(HandlerError::Failed)),
        _ => None,
    }
}

pub(crate) fn router_handler(s: &Shared, handler: &str) -> Result<String, HandlerError> {
    Ok(match handler {
        "list" => {
            let mut out = format!("{}\n", s.names.len());
            for n in &s.names {
                out.push_str(n);
                out.push('\n');
            }
            out
        }
        "classes" => {
            let mut c: Vec<&str> = s.classes.clone();
            c.sort_unstable();
            c.dedup();
            c.iter().map(|c| format!("{c}\n")).collect()
        }
        "config" => s.config_text.get(),
        "flatconfig" => s.flat_text.as_ref().map_or_else(|| simple_flat(s), HandlerText::get),
        "requirements" => s.requirements.iter().map(|r| format!("{r}\n")).collect(),
        "version" => VERSION.to_string(),
        "drops" => (s.unconnected_drops.load(Ordering::Relaxed)
            + s.crossing_drops.load(Ordering::Relaxed)
            + s.unmatched_drops.load(Ordering::Relaxed))
        .to_string(),
        "handlers" => ROUTER_HANDLERS.iter().map(|h| format!("{}\t{}\n", h.name, h.flags_text())).collect(),
        "driver" => "userlevel".to_string(),
        "packages" => String::new(),
        "timewarp" => crate::clock::read(),
        "stop" => return Err(HandlerError::NotReadable(handler.to_string())),
        other => return Err(HandlerError::NoSuchHandler(other.to_string())),
    })
}

/// A flat configuration reconstructed from the router's tables.
fn simple_flat(s: &Shared) -> String {
    let mut out = String::new();
    for i in 0..s.names.len() {
        out.push_str(&format!("{} :: {}({});\n", s.names[i], s.classes[i], config_of(s, i)));
    }
    for i in 0..s.names.len() {
        for p in 0..s.noutputs[i] {
            if let Some(d) = s.out_dest[s.out_base[i] + p] {
                let (to, tp) = s.slot_owner[d.slot as usize];
                out.push_str(&format!("{} [{p}] -> [{tp}] {};\n", s.names[i], s.names[to as usize]));
            }
        }
        for p in 0..s.ninputs[i] {
            if let Some(src) = s.in_src[s.in_base[i] + p] {
                out.push_str(&format!("{} [{}] -> [{p}] {};\n", s.names[src.elem as usize], src.port, s.names[i]));
            }
        }
    }
    out
}
