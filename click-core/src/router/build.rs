//! Building a router: instantiate, check ports, resolve push and pull, configure, initialize.
//!
//! The checks follow Click's order and messages: port ranges (`'x' has no output 3`), push and
//! pull (`'a' push output 0 connected to 'b' pull input 0`, `agnostic 'x' in mixed context`),
//! completeness (`illegal reuse of 'e' push output 0`, `'e' output 1 unused`), then element
//! configuration and initialization. Every error names the element and port and carries the
//! source location; all independent errors are reported together.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64};

use config_lang::{FlatGraph, Location};
use crossbeam_queue::ArrayQueue;

use super::Router;
use crate::args::{AddressTable, Args};
use crate::element::Element;
use crate::registry::Registry;
use crate::runtime::{Arena, Dest, HandlerText, Hop, InitContext, Shared, Source, ThreadState, Waker};
use crate::spec::{FlowCode, PortCount, Processing, ProcessingCode};

/// Capacity of each thread's inbound queue for packets pushed from other threads.
const CROSSING_CAPACITY: usize = 16 * 1024;

/// One problem found while building a router.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    /// What is wrong, in Click's words where Click has them.
    pub message: String,
    /// Where, when known.
    pub location: Option<Location>,
    /// A suggestion.
    pub hint: Option<String>,
    /// Related places (e.g. where a port was first used).
    pub notes: Vec<(String, Option<Location>)>,
}

impl BuildError {
    fn new(message: impl Into<String>, location: Option<Location>) -> BuildError {
        BuildError { message: message.into(), location, hint: None, notes: Vec::new() }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = &self.location {
            write!(f, "{l}: ")?;
        }
        f.write_str(&self.message)?;
        for (n, l) in &self.notes {
            match l {
                Some(l) => write!(f, "\n{l}:   {n}")?,
                None => write!(f, "\n  {n}")?,
            }
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// Every problem found while building a router.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct RouterErrors(pub Vec<BuildError>);

impl fmt::Display for RouterErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl RouterErrors {
    /// True when some error's message contains `needle` (handy in tests).
    pub fn contains(&self, needle: &str) -> bool {
        self.0.iter().any(|e| e.message.contains(needle))
    }
}

enum Instance {
    /// Made from the registry and configured from the string.
    FromClass,
    /// Supplied by the embedder, already set up.
    Ready(Box<dyn Element>),
}

struct PendingElement {
    name: String,
    class: String,
    config: String,
    location: Option<Location>,
    instance: Instance,
    thread: Option<usize>,
}

#[derive(Clone)]
struct PendingConnection {
    from: usize,
    from_port: usize,
    to: usize,
    to_port: usize,
    location: Option<Location>,
}

/// Builds a router from elements and connections, programmatically or from a [`FlatGraph`].
///
/// ```
/// # use click_core::{RouterBuilder, Registry};
/// # fn demo(registry: &Registry) -> Result<(), click_core::RouterErrors> {
/// let mut b = RouterBuilder::new(registry);
/// b.element("src", "InfiniteSource", "LIMIT 10, STOP true")
///     .element("c", "Counter", "")
///     .element("sink", "Discard", "")
///     .chain(&["src", "c", "sink"]);
/// let mut router = b.build()?;
/// router.run();
/// # Ok(()) }
/// ```
pub struct RouterBuilder<'r> {
    registry: &'r Registry,
    elements: Vec<PendingElement>,
    names: HashMap<String, usize>,
    connections: Vec<PendingConnection>,
    errors: Vec<BuildError>,
    nthreads: usize,
    config_text: HandlerText,
    flat_text: Option<HandlerText>,
    requirements: Vec<String>,
}

impl<'r> RouterBuilder<'r> {
    /// An empty builder using `registry` for class names.
    pub fn new(registry: &'r Registry) -> RouterBuilder<'r> {
        RouterBuilder {
            registry,
            elements: Vec::new(),
            names: HashMap::new(),
            connections: Vec::new(),
            errors: Vec::new(),
            nthreads: 1,
            config_text: HandlerText::fixed(String::new()),
            flat_text: None,
            requirements: Vec::new(),
        }
    }

    /// A builder holding every element and connection of `graph`.
    pub fn from_flat(graph: &FlatGraph, registry: &'r Registry) -> RouterBuilder<'r> {
        let mut b = RouterBuilder::new(registry);
        let mut index = HashMap::new();
        for (id, e) in graph.elements() {
            index.insert(id, b.elements.len());
            b.push_element(e.name.clone(), e.class.clone(), e.config.clone(), e.location.clone(), Instance::FromClass);
        }
        for c in graph.connections() {
            b.connections.push(PendingConnection {
                from: index[&c.from],
                from_port: c.from_port,
                to: index[&c.to],
                to_port: c.to_port,
                location: c.location.clone(),
            });
        }
        b.requirements = graph.requirements.clone();
        b
    }

    fn push_element(
        &mut self,
        name: String,
        class: String,
        config: String,
        location: Option<Location>,
        instance: Instance,
    ) {
        if self.names.contains_key(&name) {
            self.errors.push(BuildError::new(format!("redeclaration of element '{name}'"), location));
            return;
        }
        self.names.insert(name.clone(), self.elements.len());
        self.elements.push(PendingElement { name, class, config, location, instance, thread: None });
    }

    /// Adds an element of a registered class, configured from `config` (Click syntax).
    pub fn element(&mut self, name: &str, class: &str, config: &str) -> &mut Self {
        self.push_element(name.into(), class.into(), config.into(), None, Instance::FromClass);
        self
    }

    /// Adds an element the embedder made and set up itself; it is not configured again.
    pub fn add(&mut self, name: &str, element: impl Element) -> &mut Self {
        let class = element.class_name().to_string();
        self.push_element(name.into(), class, String::new(), None, Instance::Ready(Box::new(element)));
        self
    }

    /// Adds a boxed element (see [`RouterBuilder::add`]).
    pub fn add_boxed(&mut self, name: &str, element: Box<dyn Element>) -> &mut Self {
        let class = element.class_name().to_string();
        self.push_element(name.into(), class, String::new(), None, Instance::Ready(element));
        self
    }

    /// Connects output `from_port` of `from` to input `to_port` of `to`.
    pub fn connect(&mut self, from: &str, from_port: usize, to: &str, to_port: usize) -> &mut Self {
        match (self.names.get(from), self.names.get(to)) {
            (Some(&f), Some(&t)) => {
                self.connections.push(PendingConnection { from: f, from_port, to: t, to_port, location: None })
            }
            (f, _) => {
                let missing = if f.is_none() { from } else { to };
                self.errors.push(BuildError::new(format!("undeclared element '{missing}'"), None));
            }
        }
        self
    }

    /// Connects `names[i]` output 0 to `names[i+1]` input 0 along the list.
    pub fn chain(&mut self, names: &[&str]) -> &mut Self {
        for w in names.windows(2) {
            self.connect(w[0], 0, w[1], 0);
        }
        self
    }

    /// Runs `name` (and the elements it pulls from or that pull from it) on thread `thread`.
    pub fn thread(&mut self, name: &str, thread: usize) -> &mut Self {
        match self.names.get(name) {
            Some(&i) => {
                self.elements[i].thread = Some(thread);
                self.nthreads = self.nthreads.max(thread + 1);
            }
            None => self.errors.push(BuildError::new(format!("undeclared element '{name}'"), None)),
        }
        self
    }

    /// Sets the number of threads (at least those used by [`RouterBuilder::thread`]).
    pub fn threads(&mut self, n: usize) -> &mut Self {
        self.nthreads = self.nthreads.max(n.max(1));
        self
    }

    /// The configuration text, returned by the router's `config` handler.
    pub fn config_text(&mut self, text: &str) -> &mut Self {
        self.config_text = HandlerText::fixed(text.to_string());
        self
    }

    /// The configuration text made only when the `config` handler is read (a configuration
    /// with a large route table is megabytes, usually never read back).
    pub fn config_text_with(&mut self, text: impl Fn() -> String + Send + Sync + 'static) -> &mut Self {
        self.config_text = HandlerText::new(text);
        self
    }

    /// The flattened configuration text, returned by the router's `flatconfig` handler.
    pub fn flat_text(&mut self, text: &str) -> &mut Self {
        self.flat_text = Some(HandlerText::fixed(text.to_string()));
        self
    }

    /// The flattened configuration text, made only when the `flatconfig` handler is read.
    pub fn flat_text_with(&mut self, text: impl Fn() -> String + Send + Sync + 'static) -> &mut Self {
        self.flat_text = Some(HandlerText::new(text));
        self
    }

    /// Click's `StaticThreadSched(ELEMENT THREAD, ...)` places elements on threads; it must
    /// act before the graph is split among threads, so the builder reads it here.
    fn apply_static_thread_sched(&mut self) {
        let mut placements = Vec::new();
        for e in &self.elements {
            if e.class != "StaticThreadSched" {
                continue;
            }
            for arg in crate::args::split_args(&e.config) {
                let mut words = arg.split_whitespace();
                match (words.next(), words.next().and_then(|t| t.parse::<usize>().ok()), words.next()) {
                    (Some(name), Some(t), None) => placements.push((name.to_string(), t, e.location.clone())),
                    _ => self.errors.push(BuildError::new(
                        format!(
                            "while configuring '{} :: StaticThreadSched': expected 'ELEMENT THREAD', got '{arg}'",
                            e.name
                        ),
                        e.location.clone(),
                    )),
                }
            }
        }
        for (name, t, loc) in placements {
            if self.names.contains_key(&name) {
                self.thread(&name, t);
            } else {
                self.errors.push(BuildError::new(format!("StaticThreadSched: no element named '{name}'"), loc));
            }
        }
    }

    /// Checks, configures and initializes everything; returns the router or every error found.
    pub fn build(self) -> Result<Router, RouterErrors> {
        self.check()?.initialize()
    }

    /// Instantiates, checks ports and push/pull, and configures every element, without
    /// initializing anything (no files opened, no tasks): what `vrouter check` needs.
    // The checks walk parallel per-element tables by index, as Click's do.
    #[allow(clippy::needless_range_loop)]
    pub fn check(self) -> Result<Checked, RouterErrors> {
        let mut this = self;
        this.apply_static_thread_sched();
        let RouterBuilder {
            registry,
            elements,
            connections,
            mut errors,
            nthreads,
            config_text,
            flat_text,
            requirements,
            names: _,
        } = this;
        let n = elements.len();

        // 1. Instantiate.
        let mut instances: Vec<Option<Box<dyn Element>>> = Vec::with_capacity(n);
        let mut needs_configure = vec![false; n];
        let mut unknown_reported: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (i, e) in elements.iter().enumerate() {
            match &e.instance {
                Instance::Ready(_) => {}
                Instance::FromClass => match registry.make(&e.class) {
                    Some(inst) => {
                        instances.push(Some(inst));
                        needs_configure[i] = true;
                        continue;
                    }
                    None => {
                        // Each unknown class once, at its first use.
                        if unknown_reported.insert(e.class.clone()) {
                            let mut err =
                                BuildError::new(format!("unknown element class '{}'", e.class), e.location.clone());
                            err.hint = registry.suggest(&e.class).map(|s| format!("did you mean '{s}'?"));
                            errors.push(err);
                        }
                        instances.push(None);
                        continue;
                    }
                },
            }
            instances.push(None);
        }
        let mut elements = elements;
        for (i, e) in elements.iter_mut().enumerate() {
            if let Instance::Ready(_) = e.instance {
                let Instance::Ready(b) = std::mem::replace(&mut e.instance, Instance::FromClass) else {
                    unreachable!()
                };
                instances[i] = Some(b);
            }
        }
        let this = Checker { elements: &elements };

        // 2. Port counts and ranges.
        let mut used_in = vec![0usize; n];
        let mut used_out = vec![0usize; n];
        for c in &connections {
            used_out[c.from] = used_out[c.from].max(c.from_port + 1);
            used_in[c.to] = used_in[c.to].max(c.to_port + 1);
        }
        let mut nin = vec![0usize; n];
        let mut nout = vec![0usize; n];
        for i in 0..n {
            let Some(inst) = &instances[i] else {
                // Unknown class: accept whatever is connected, to report other errors.
                (nin[i], nout[i]) = (used_in[i], used_out[i]);
                continue;
            };
            match PortCount::parse(inst.port_count()) {
                Ok(pc) => (nin[i], nout[i]) = pc.resolve(used_in[i], used_out[i]),
                Err(e) => {
                    errors.push(BuildError::new(format!("'{}': {e}", elements[i].name), this.loc(i)));
                    (nin[i], nout[i]) = (used_in[i], used_out[i]);
                }
            }
        }
        let mut conns: Vec<PendingConnection> = Vec::with_capacity(connections.len());
        for c in connections {
            let mut ok = true;
            if c.from_port >= nout[c.from] {
                errors.push(BuildError::new(
                    format!("'{}' has no output {}", elements[c.from].name, c.from_port),
                    c.location.clone().or_else(|| this.loc(c.from)),
                ));
                ok = false;
            }
            if c.to_port >= nin[c.to] {
                errors.push(BuildError::new(
                    format!("'{}' has no input {}", elements[c.to].name, c.to_port),
                    c.location.clone().or_else(|| this.loc(c.to)),
                ));
                ok = false;
            }
            if ok {
                conns.push(c);
            }
        }

        // 3. Push and pull.
        let mut in_proc: Vec<Vec<Processing>> = Vec::with_capacity(n);
        let mut out_proc: Vec<Vec<Processing>> = Vec::with_capacity(n);
        let mut flows: Vec<Option<FlowCode>> = Vec::with_capacity(n);
        for i in 0..n {
            let (code, flow) = match &instances[i] {
                Some(inst) => (inst.processing(), inst.flow_code()),
                None => ("a/a", "x/x"),
            };
            let pc = ProcessingCode::parse(code).unwrap_or_else(|e| {
                errors.push(BuildError::new(format!("'{}': {e}", elements[i].name), this.loc(i)));
                ProcessingCode::parse("a/a").expect("valid code")
            });
            in_proc.push((0..nin[i]).map(|p| pc.input(p)).collect());
            out_proc.push((0..nout[i]).map(|p| pc.output(p)).collect());
            flows.push(match FlowCode::parse(flow) {
                Ok(f) => Some(f),
                Err(e) => {
                    errors.push(BuildError::new(format!("'{}': {e}", elements[i].name), this.loc(i)));
                    None
                }
            });
        }
        // Internal "connections" from each agnostic input to the agnostic outputs it flows to.
        let mut edges: Vec<(usize, usize, usize, usize, bool, Option<Location>)> =
            conns.iter().map(|c| (c.from, c.from_port, c.to, c.to_port, false, c.location.clone())).collect();
        for i in 0..n {
            for ip in 0..nin[i] {
                if in_proc[i][ip] != Processing::Agnostic {
                    continue;
                }
                for op in 0..nout[i] {
                    let flows_here = flows[i].as_ref().is_none_or(|f| f.flows(ip, op));
                    if flows_here && out_proc[i][op] == Processing::Agnostic {
                        edges.push((i, op, i, ip, true, None));
                    }
                }
            }
        }
        let mut dead = vec![false; edges.len()];
        loop {
            let mut changed = false;
            for (k, &(f, fp, t, tp, internal, ref loc)) in edges.iter().enumerate() {
                if dead[k] {
                    continue;
                }
                let pf = out_proc[f][fp];
                let pt = in_proc[t][tp];
                match pt {
                    Processing::Agnostic => {
                        if pf != Processing::Agnostic {
                            in_proc[t][tp] = pf;
                            changed = true;
                        }
                    }
                    _ => {
                        if pf == Processing::Agnostic {
                            out_proc[f][fp] = pt;
                            changed = true;
                        } else if pf != pt {
                            let msg = if internal {
                                format!(
                                    "agnostic '{}' in mixed context: {} input {}, {} output {}",
                                    elements[f].name, pt, tp, pf, fp
                                )
                            } else {
                                format!(
                                    "'{}' {} output {} connected to '{}' {} input {}",
                                    elements[f].name, pf, fp, elements[t].name, pt, tp
                                )
                            };
                            let location = if internal { this.loc(f) } else { loc.clone().or_else(|| this.loc(f)) };
                            errors.push(BuildError::new(msg, location));
                            dead[k] = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        for p in in_proc.iter_mut().flatten().chain(out_proc.iter_mut().flatten()) {
            if *p == Processing::Agnostic {
                *p = Processing::Push;
            }
        }

        // 4. Completeness.
        let mut out_used: HashMap<(usize, usize), usize> = HashMap::new();
        let mut in_used: HashMap<(usize, usize), usize> = HashMap::new();
        for (k, c) in conns.iter().enumerate() {
            if out_proc[c.from][c.from_port] == Processing::Push
                && let Some(&prev) = out_used.get(&(c.from, c.from_port))
            {
                let mut e = BuildError::new(
                    format!("illegal reuse of '{}' push output {}", elements[c.from].name, c.from_port),
                    c.location.clone().or_else(|| this.loc(c.from)),
                );
                e.notes.push((
                    format!("'{}' output {} previously used here", elements[c.from].name, c.from_port),
                    conns[prev].location.clone(),
                ));
                errors.push(e);
            }
            out_used.entry((c.from, c.from_port)).or_insert(k);
            if in_proc[c.to][c.to_port] == Processing::Pull
                && let Some(&prev) = in_used.get(&(c.to, c.to_port))
            {
                let mut e = BuildError::new(
                    format!("illegal reuse of '{}' pull input {}", elements[c.to].name, c.to_port),
                    c.location.clone().or_else(|| this.loc(c.to)),
                );
                e.notes.push((
                    format!("'{}' input {} previously used here", elements[c.to].name, c.to_port),
                    conns[prev].location.clone(),
                ));
                errors.push(e);
            }
            in_used.entry((c.to, c.to_port)).or_insert(k);
        }
        for i in 0..n {
            for p in 0..nin[i] {
                if !in_used.contains_key(&(i, p)) {
                    errors.push(BuildError::new(format!("'{}' input {p} unused", elements[i].name), this.loc(i)));
                }
            }
            for p in 0..nout[i] {
                if !out_used.contains_key(&(i, p)) {
                    errors.push(BuildError::new(format!("'{}' output {p} unused", elements[i].name), this.loc(i)));
                }
            }
        }

        // 5. Configure, in phase order.
        let mut addresses = AddressTable::default();
        let mut order: Vec<usize> = (0..n).filter(|&i| instances[i].is_some()).collect();
        order.sort_by_key(|&i| instances[i].as_ref().map_or(0, |e| e.configure_phase()));
        for &i in &order {
            let inst = instances[i].as_mut().expect("filtered");
            if needs_configure[i] {
                let mut args = Args::new(&elements[i].config).with_addresses(&addresses);
                let result = inst.configure(&mut args);
                let warnings = args.take_warnings();
                if !warnings.is_empty() {
                    // Click's form: the element's landmark, then each warning indented.
                    let landmark =
                        elements[i].location.as_ref().map_or(String::new(), |l| format!("{}:{}: ", l.file, l.line));
                    let mut text =
                        format!("{landmark}While configuring '{} :: {}':", elements[i].name, elements[i].class);
                    for w in warnings {
                        text += &format!("\n  {w}");
                    }
                    crate::chatter::chatter(&text);
                }
                if let Err(e) = result {
                    let mut err = BuildError::new(
                        format!("while configuring '{} :: {}': {e}", elements[i].name, elements[i].class),
                        this.loc(i),
                    );
                    if e.message.contains("unknown argument") || e.message.contains("too many arguments") {
                        err.hint = Some(format!("see `vrouter elements {}` for its arguments", elements[i].class));
                    }
                    errors.push(err);
                    continue;
                }
            }
            inst.provide_addresses(&mut addresses);
        }
        if !errors.is_empty() {
            return Err(RouterErrors(errors));
        }
        let instances: Vec<Box<dyn Element>> = instances.into_iter().map(|i| i.expect("no errors")).collect();
        Ok(Checked {
            elements,
            instances,
            conns,
            nin,
            nout,
            in_proc,
            out_proc,
            nthreads,
            config_text,
            flat_text,
            requirements,
            addresses,
        })
    }
}

/// A router that passed every check and whose elements are configured, not yet initialized.
pub struct Checked {
    elements: Vec<PendingElement>,
    instances: Vec<Box<dyn Element>>,
    conns: Vec<PendingConnection>,
    nin: Vec<usize>,
    nout: Vec<usize>,
    in_proc: Vec<Vec<Processing>>,
    out_proc: Vec<Vec<Processing>>,
    nthreads: usize,
    config_text: HandlerText,
    flat_text: Option<HandlerText>,
    requirements: Vec<String>,
    addresses: AddressTable,
}

impl Checked {
    /// Element names in order.
    pub fn element_names(&self) -> impl Iterator<Item = &str> {
        self.elements.iter().map(|e| e.name.as_str())
    }

    /// Resolved processing of element `i` as letters, inputs then outputs (`("h", "l")`).
    pub fn port_processing(&self, i: usize) -> (String, String) {
        let code = |v: &Vec<Processing>| v.iter().map(|p| p.code()).collect::<String>();
        (code(&self.in_proc[i]), code(&self.out_proc[i]))
    }

    /// Places elements on threads, builds the runtime tables and initializes every element.
    #[allow(clippy::needless_range_loop)]
    pub fn initialize(self) -> Result<Router, RouterErrors> {
        let Checked {
            elements,
            instances,
            conns,
            nin,
            nout,
            in_proc,
            out_proc,
            nthreads,
            config_text,
            flat_text,
            requirements,
            addresses,
        } = self;
        let n = elements.len();
        let mut errors = Vec::new();

        // 6. Threads: pull-connected elements share a thread; others follow their pushers.
        let thread_of = assign_threads(&elements, &conns, &in_proc, nthreads).map_err(RouterErrors)?;

        // 7. The shared tables.
        let mut out_base = Vec::with_capacity(n);
        let mut in_base = Vec::with_capacity(n);
        let (mut no, mut ni) = (0, 0);
        for i in 0..n {
            out_base.push(no);
            in_base.push(ni);
            no += nout[i];
            ni += nin[i];
        }
        let mut slot_owner = Vec::with_capacity(ni);
        for i in 0..n {
            for p in 0..nin[i] {
                slot_owner.push((i as u32, p as u32));
            }
        }
        let mut out_dest = vec![None; no];
        let mut in_src = vec![None; ni];
        for c in &conns {
            if out_proc[c.from][c.from_port] == Processing::Push {
                out_dest[out_base[c.from] + c.from_port] = Some(Dest {
                    elem: c.to as u32,
                    port: c.to_port as u32,
                    slot: (in_base[c.to] + c.to_port) as u32,
                    thread: thread_of[c.to] as u32,
                });
            } else {
                in_src[in_base[c.to] + c.to_port] = Some(Source { elem: c.from as u32, port: c.from_port as u32 });
            }
        }
        let (listeners, input_notifiers) = notifiers(&instances, &in_proc, &in_base, &in_src);
        let (pushers, output_notifiers) = full_notifiers(&instances, &out_proc, &out_base, &out_dest, &thread_of);

        // Printers that packets can reach at all: a path to them starts at an element that
        // may emit packets of its own accord (not behind `Idle -> Classifier`).
        let live = live_elements(&instances, &in_base, &nin, &in_proc, &in_src, &out_base, &nout, &out_dest);
        let printers: Vec<bool> = instances.iter().zip(&live).map(|(e, &l)| l && e.reports_each_packet()).collect();
        let one_at_a_time = printers.iter().filter(|&&p| p).count() >= 2;
        let reaches_printer =
            if one_at_a_time { reaching(&printers, &out_base, &nout, &out_dest) } else { vec![false; n] };
        let hops = Hop::table(&out_base, &nout, &out_dest, &thread_of, &reaches_printer);
        let out_range: Vec<[u32; 2]> = (0..n).map(|i| [out_base[i] as u32, (out_base[i] + nout[i]) as u32]).collect();
        // `Context::hop` indexes `hops` without a bounds check on this.
        assert!(Hop::ranges_within(&hops, &out_range), "hop table ranges out of bounds");
        let shared = Shared {
            hops,
            out_range,
            names: elements.iter().map(|e| e.name.clone()).collect(),
            classes: instances.iter().map(|e| e.class_name()).collect(),
            handler_infos: instances.iter().map(|e| e.handlers()).collect(),
            declared_processing: instances.iter().map(|e| e.processing()).collect(),
            connections: conns.iter().map(|c| [c.from, c.from_port, c.to, c.to_port].map(|x| x as u32)).collect(),
            configs: elements.iter().map(|e| std::sync::Mutex::new(e.config.clone())).collect(),
            addresses,
            ninputs: nin,
            noutputs: nout,
            in_proc,
            out_proc,
            out_base,
            out_dest,
            in_base,
            in_src,
            slot_owner,
            thread_of: thread_of.clone(),
            listeners,
            input_notifiers,
            pushers,
            feeds_full_notifier: output_notifiers.iter().map(|ports| ports.iter().any(Option::is_some)).collect(),
            output_notifiers,
            nthreads,
            stop: AtomicBool::new(false),
            crossings: (0..nthreads).map(|_| ArrayQueue::new(CROSSING_CAPACITY)).collect(),
            crossing_drops: AtomicU64::new(0),
            unconnected_drops: AtomicU64::new(0),
            unmatched_drops: AtomicU64::new(0),
            wakers: (0..nthreads).map(|_| Waker::default()).collect(),
            config_text,
            flat_text,
            requirements,
            stop_interceptor: instances.iter().position(|e| e.intercepts_stop()).map(|i| i as u32),
            one_at_a_time,
            reaches_printer,
            stop_requests: AtomicU64::new(0),
        };
        let mut states: Vec<ThreadState> = (0..nthreads).map(|t| ThreadState::new(t, ni, n)).collect();

        // 8. Initialize, in element order.
        let mut instances = instances;
        for (i, inst) in instances.iter_mut().enumerate() {
            let mut cx =
                InitContext { shared: &shared, st: &mut states[thread_of[i]], me: i as u32, warnings: Vec::new() };
            let result = inst.initialize(&mut cx);
            if !cx.warnings.is_empty() {
                let landmark =
                    elements[i].location.as_ref().map_or(String::new(), |l| format!("{}:{}: ", l.file, l.line));
                let mut text = format!("{landmark}While initializing '{} :: {}':", elements[i].name, elements[i].class);
                for w in &cx.warnings {
                    text += &format!("\n  warning: {w}");
                }
                crate::chatter::chatter(&text);
            }
            if let Err(msg) = result {
                errors.push(BuildError::new(
                    format!("while initializing '{} :: {}': {msg}", elements[i].name, elements[i].class),
                    elements[i].location.clone(),
                ));
            }
        }
        if !errors.is_empty() {
            for inst in instances.iter_mut() {
                inst.cleanup();
            }
            return Err(RouterErrors(errors));
        }
        // Handler lists are taken once initialized: some depend on the element's ports and
        // context (Click adds an element's handlers after initializing it).
        let mut shared = shared;
        shared.handler_infos = instances.iter().map(|e| e.handlers()).collect();

        let mut arenas: Vec<Arena> = (0..nthreads).map(|_| (0..n).map(|_| RefCell::new(None)).collect()).collect();
        for (i, inst) in instances.into_iter().enumerate() {
            *arenas[thread_of[i]][i].get_mut() = Some(inst);
        }
        let locations = elements.iter().map(|e| e.location.clone()).collect();
        Ok(Router::assemble(shared, arenas, states, locations))
    }
}

struct Checker<'a> {
    elements: &'a [PendingElement],
}

impl Checker<'_> {
    fn loc(&self, i: usize) -> Option<Location> {
        self.elements[i].location.clone()
    }
}

/// Chooses each element's thread. Elements joined by pull connections must share one;
/// explicit choices win; the rest follow the element that pushes to them, or run on thread 0.
fn assign_threads(
    elements: &[PendingElement],
    conns: &[PendingConnection],
    in_proc: &[Vec<Processing>],
    nthreads: usize,
) -> Result<Vec<usize>, Vec<BuildError>> {
    let n = elements.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for c in conns {
        if in_proc[c.to][c.to_port] == Processing::Pull {
            let (a, b) = (find(&mut parent, c.from), find(&mut parent, c.to));
            parent[a] = b;
        }
    }
    let mut group_thread: HashMap<usize, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (i, e) in elements.iter().enumerate() {
        if let Some(t) = e.thread {
            let g = find(&mut parent, i);
            match group_thread.get(&g) {
                Some(&old) if old != t => errors.push(BuildError::new(
                    format!(
                        "'{}' is placed on thread {t}, but it is joined by pull connections to an element on thread {old}",
                        e.name
                    ),
                    e.location.clone(),
                )),
                _ => {
                    group_thread.insert(g, t);
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut thread: Vec<Option<usize>> = (0..n).map(|i| group_thread.get(&find(&mut parent, i)).copied()).collect();
    // Propagate along push connections until nothing changes.
    loop {
        let mut changed = false;
        for c in conns {
            if thread[c.to].is_none()
                && let Some(t) = thread[c.from]
            {
                let g = find(&mut parent, c.to);
                for (i, slot) in thread.iter_mut().enumerate() {
                    if slot.is_none() && find(&mut parent, i) == g {
                        *slot = Some(t);
                    }
                }
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    Ok(thread.into_iter().map(|t| t.unwrap_or(0).min(nthreads - 1)).collect())
}

/// Per-port notifier lists: `None` when some path ends at a non-notifier.
type InputNotifiers = Vec<Vec<Option<Vec<u32>>>>;

/// Follows paths from `first` (each hop an element; `None` a dead end) through elements
/// that are not notifiers, by `onward` (the next hops from an element), until notifiers.
/// Returns the notifiers reached, or `None` when some path ends elsewhere: at a dead end, or
/// at an element with no onward hop.
fn reach_notifiers(
    first: Option<usize>,
    n: usize,
    is_notifier: impl Fn(usize) -> bool,
    onward: impl Fn(usize) -> Vec<Option<usize>>,
) -> Option<Vec<u32>> {
    let mut found = Vec::new();
    let mut all_notified = true;
    let mut stack = vec![first];
    let mut seen = vec![false; n];
    while let Some(hop) = stack.pop() {
        let Some(e) = hop else {
            all_notified = false;
            continue;
        };
        if std::mem::replace(&mut seen[e], true) {
            continue;
        }
        if is_notifier(e) {
            found.push(e as u32);
            continue;
        }
        let next = onward(e);
        all_notified &= !next.is_empty();
        stack.extend(next);
    }
    (all_notified && !found.is_empty()).then_some(found)
}

/// Records element `e` as a task to wake for every notifier its ports reach.
fn register(wake: &mut [Vec<u32>], per_port: &[Option<Vec<u32>>], e: usize) {
    for &n in per_port.iter().flatten().flatten() {
        if !wake[n as usize].contains(&(e as u32)) {
            wake[n as usize].push(e as u32);
        }
    }
}

/// For each (empty) notifier, the elements pulling from it (through pull-only paths); for
/// each pull input, the notifiers every upstream path ends at.
fn notifiers(
    instances: &[Box<dyn Element>],
    in_proc: &[Vec<Processing>],
    in_base: &[usize],
    in_src: &[Option<Source>],
) -> (Vec<Vec<u32>>, InputNotifiers) {
    let n = instances.len();
    let mut listeners: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut notified = Vec::with_capacity(n);
    for e in 0..n {
        let per_port: Vec<Option<Vec<u32>>> = (0..in_proc[e].len())
            .map(|p| {
                if in_proc[e][p] != Processing::Pull {
                    return None;
                }
                reach_notifiers(
                    in_src[in_base[e] + p].map(|s| s.elem as usize),
                    n,
                    |s| instances[s].is_notifier(),
                    |s| {
                        (0..in_proc[s].len())
                            .filter(|&q| in_proc[s][q] == Processing::Pull)
                            .map(|q| in_src[in_base[s] + q].map(|src| src.elem as usize))
                            .collect()
                    },
                )
            })
            .collect();
        register(&mut listeners, &per_port, e);
        notified.push(per_port);
    }
    (listeners, notified)
}

/// For each full notifier, the elements pushing into it (through push-only paths on one
/// thread); for each push output, the full notifiers every downstream path ends at. A path
/// that reaches an element with no push output (a sink, a push-to-pull element that is not
/// a notifier), an unconnected output or another thread makes the output's list `None`:
/// packets can always leave that way, as in Click, where such a path gives a busy signal.
fn full_notifiers(
    instances: &[Box<dyn Element>],
    out_proc: &[Vec<Processing>],
    out_base: &[usize],
    out_dest: &[Option<Dest>],
    thread_of: &[usize],
) -> (Vec<Vec<u32>>, InputNotifiers) {
    let n = instances.len();
    let mut pushers: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut per_element = Vec::with_capacity(n);
    for e in 0..n {
        // A hop to another thread crosses a queue that never reports being full.
        let hop = |d: &Option<Dest>| d.filter(|d| thread_of[d.elem as usize] == thread_of[e]).map(|d| d.elem as usize);
        let per_port: Vec<Option<Vec<u32>>> = (0..out_proc[e].len())
            .map(|p| {
                if out_proc[e][p] != Processing::Push {
                    return None;
                }
                reach_notifiers(
                    hop(&out_dest[out_base[e] + p]),
                    n,
                    |d| instances[d].is_full_notifier(),
                    |d| {
                        (0..out_proc[d].len())
                            .filter(|&q| out_proc[d][q] == Processing::Push)
                            .map(|q| hop(&out_dest[out_base[d] + q]))
                            .collect()
                    },
                )
            })
            .collect();
        register(&mut pushers, &per_port, e);
        per_element.push(per_port);
    }
    (pushers, per_element)
}

/// For each element: whether packets can ever reach it, or it may emit some itself. Elements
/// that may originate packets are live; so is an element with a pull input (it takes what
/// is there), and one with a push input from a live element.
#[allow(clippy::too_many_arguments)]
fn live_elements(
    instances: &[Box<dyn Element>],
    in_base: &[usize],
    nin: &[usize],
    in_proc: &[Vec<Processing>],
    in_src: &[Option<Source>],
    out_base: &[usize],
    nout: &[usize],
    out_dest: &[Option<Dest>],
) -> Vec<bool> {
    let mut live: Vec<bool> = instances
        .iter()
        .enumerate()
        .map(|(e, inst)| {
            inst.may_originate_packets()
                || (0..nin[e]).any(|p| in_proc[e][p] == Processing::Pull && in_src[in_base[e] + p].is_some())
        })
        .collect();
    loop {
        let mut changed = false;
        for e in 0..live.len() {
            if !live[e] {
                continue;
            }
            for d in out_dest[out_base[e]..out_base[e] + nout[e]].iter().flatten() {
                if !live[d.elem as usize] {
                    live[d.elem as usize] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            return live;
        }
    }
}

/// For each element: whether it is one of `targets` or some push path from it leads to one
/// (through push connections only: a queue ends a path, its packets move on later).
fn reaching(targets: &[bool], out_base: &[usize], nout: &[usize], out_dest: &[Option<Dest>]) -> Vec<bool> {
    let mut reach = targets.to_vec();
    // A fixpoint: each pass adds the elements with an output into the set found so far.
    loop {
        let mut changed = false;
        for e in 0..reach.len() {
            if !reach[e]
                && out_dest[out_base[e]..out_base[e] + nout[e]].iter().flatten().any(|d| reach[d.elem as usize])
            {
                reach[e] = true;
                changed = true;
            }
        }
        if !changed {
            return reach;
        }
    }
}
