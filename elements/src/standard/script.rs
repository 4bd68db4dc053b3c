use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;

use click_core::args::{ArgContext, FromArg, Seconds};
use click_core::element::HandlerInfo;
use click_core::spec::ports;
use click_core::{ArgError, Args, Context, Element, HandlerError, InitContext};

click_core::documented! {
    /// Runs a small script of handler calls: `Script`, and `DriverManager`, which also decides
    /// when the router stops.
    ///
    /// # Synopsis
    /// `Script(INSTRUCTION, ...)`, `DriverManager(INSTRUCTION, ...)`
    ///
    /// # Ports and processing
    /// No ports. The script runs from the start of the router. A `DriverManager` takes over
    /// stop requests: an element asking the router to stop (a source with `STOP true`) wakes
    /// the script instead, and the router stops when the script ends. A `Script` just ends.
    ///
    /// Instructions (Click's): `wait_stop [N]` (wait for N stop requests, default 1),
    /// `wait_time T` or `wait T` (e.g. `wait 10ms`), `print TEXT` and `printn TEXT` (to
    /// standard output; `print ELEMENT.HANDLER [PARAM]` prints the handler's value), `read HANDLER` (print `HANDLER:` and its value to standard error),
    /// `write HANDLER [VALUE]`, `set VAR EXPR`, `label L`, `goto L [COND]`, `loop`, `end`,
    /// `stop` (stop the router now). Text is expanded first: `$VAR` and `${VAR}` are
    /// variables, `$(ELEMENT.HANDLER)` reads a handler, and `$(FN ARGS...)` computes `add`,
    /// `sub`, `mul`, `div`, `idiv`, `mod`, `neg`, `min`, `max`, `eq`, `ne`, `lt`, `gt`,
    /// `le`, `ge`, `not`, `if`. Handlers are called on elements of the script's own thread.
    ///
    /// # Handlers
    /// - The functions, read with parameters (`s.add 1 2`): `add`, `sub`, `min`, `max`,
    ///   `mul`, `div`, `idiv`, `mod`, `rem`, `neg`, `abs`, `eq`, `ne`, `gt`, `ge`, `lt`, `le`,
    ///   `not`, `sprintf`, `first`, `random` (`[N]` or `[LO HI]`), `and`, `or`, `nand`,
    ///   `nor`, `if`, `in`, `readable`/`writable` (whether every handler named is), `length`,
    ///   `unquote`, `htons`, `htonl`, `ntohs`, `ntohl`; `now` (read).
    /// - `get VAR` (read), `set VAR VALUE` (write), `shift VAR` (read: removes and returns
    ///   the variable's first word).
    /// - `goto LABEL` (write): continues from the label; `run` (write): starts again from the
    ///   first instruction; `step` (write): ends a wait now. Reading `run` (Click runs the
    ///   script as a function and returns its value) is not supported.
    ///
    /// # Example
    /// ```click
    /// c :: Counter;
    /// InfiniteSource(LIMIT 10, STOP true) -> c -> Discard;
    /// DriverManager(wait_stop, print $(add $(c.count) 1));
    /// ```
    pub struct Script {
        driver: bool,
        instructions: Vec<Instr>,
        pc: usize,
        stops_seen: u64,
        /// Stop requests made before the current timed wait began (see `run_timer`).
        stops_at_wait: Option<u64>,
        vars: RefCell<HashMap<String, String>>,
        /// State of the `random` function.
        rng: Cell<u64>,
        /// For the `readable` and `writable` functions.
        router: Option<click_core::RouterHandle>,
        waiting_timer: bool,
        done: bool,
        /// This run of steps has printed Click's "While executing" line before its first
        /// error.
        context_shown: bool,
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Instr {
    WaitStop(u64),
    Wait(Duration),
    Print(String, bool),
    Read(String),
    Write(String, String),
    Set(String, String),
    Label(String),
    Goto(String, Option<String>),
    Loop,
    End,
    Stop,
}

impl Script {
    /// Prints an error of this run of steps as Click does: under a `While executing 'NAME ::
    /// Script':` line (once per run), indented.
    fn report(&mut self, cx: &Context<'_>, message: &str) {
        if !self.context_shown {
            self.context_shown = true;
            click_core::chatter::chatter(&format!("While executing '{} :: {}':", cx.name(), self.class_name()));
        }
        for line in message.lines() {
            click_core::chatter::chatter(&format!("  {line}"));
        }
    }

    /// A `Script` (`driver == false`) or `DriverManager`.
    pub fn new(driver: bool) -> Script {
        Script {
            driver,
            instructions: Vec::new(),
            pc: 0,
            stops_seen: 0,
            stops_at_wait: None,
            vars: RefCell::new(HashMap::new()),
            rng: Cell::new(0),
            router: None,
            waiting_timer: false,
            context_shown: false,
            done: false,
        }
    }

    fn parse(text: &str) -> Result<Instr, String> {
        let text = text.trim();
        let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let rest = rest.trim().to_string();
        Ok(match word {
            "wait_stop" | "wait_for_stop" => Instr::WaitStop(if rest.is_empty() {
                1
            } else {
                rest.parse().map_err(|_| format!("bad count in '{text}'"))?
            }),
            "wait_time" | "wait" => {
                let Seconds(d) =
                    Seconds::from_arg(&rest, &ArgContext::default()).map_err(|m| format!("'{text}': {m}"))?;
                Instr::Wait(d)
            }
            "print" => Instr::Print(rest, true),
            "printn" => Instr::Print(rest, false),
            "read" => Instr::Read(rest),
            "write" => {
                let (h, v) = rest.split_once(char::is_whitespace).unwrap_or((&rest, ""));
                Instr::Write(h.to_string(), v.trim().to_string())
            }
            "set" => {
                let (v, e) = rest
                    .split_once(char::is_whitespace)
                    .ok_or_else(|| format!("expected 'set VAR EXPR', got '{text}'"))?;
                Instr::Set(v.to_string(), e.trim().to_string())
            }
            "label" => Instr::Label(rest),
            "goto" => {
                let (l, c) = rest
                    .split_once(char::is_whitespace)
                    .map_or((rest.as_str(), None), |(l, c)| (l, Some(c.trim().to_string())));
                Instr::Goto(l.to_string(), c)
            }
            "loop" => Instr::Loop,
            "end" | "exit" | "return" => Instr::End,
            "stop" => Instr::Stop,
            other => return Err(format!("unknown instruction '{other}'")),
        })
    }

    /// Expands `$VAR`, `${VAR}` and `$(...)` in `text`.
    fn expand(&self, cx: &Context<'_>, text: &str) -> String {
        self.expand_with(cx, text, false)
    }

    /// Expands `text`; with `quote`, each expansion is put in double quotes (Click's
    /// `cp_expand(..., true)`), so that unquoting the result afterwards leaves it as it was.
    fn expand_with(&self, cx: &Context<'_>, text: &str, quote: bool) -> String {
        let push = |out: &mut String, v: &str| {
            if quote {
                out.push('"');
                for c in v.chars() {
                    if matches!(c, '"' | '\\') {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            } else {
                out.push_str(v);
            }
        };
        let b: Vec<char> = text.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] != '$' || i + 1 >= b.len() {
                out.push(b[i]);
                i += 1;
                continue;
            }
            if b[i + 1] == '(' {
                // Find the matching parenthesis.
                let mut depth = 0;
                let mut j = i + 1;
                while j < b.len() {
                    match b[j] {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let inner: String = b[i + 2..j.min(b.len())].iter().collect();
                let inner = self.expand(cx, &inner);
                push(&mut out, &self.evaluate(cx, &inner));
                i = j + 1;
            } else if b[i + 1] == '{' {
                let end = b[i + 2..].iter().position(|&c| c == '}').map_or(b.len(), |p| i + 2 + p);
                let name: String = b[i + 2..end].iter().collect();
                push(&mut out, self.vars.borrow().get(&name).map_or("", String::as_str));
                i = end + 1;
            } else {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == '_') {
                    j += 1;
                }
                let name: String = b[i + 1..j].iter().collect();
                match self.vars.borrow().get(&name) {
                    Some(v) => push(&mut out, v),
                    None => out.push_str(&format!("${name}")),
                }
                i = j;
            }
        }
        out
    }

    /// `$(...)`: a handler read or a function.
    fn evaluate(&self, cx: &Context<'_>, inner: &str) -> String {
        if let Some(v) = self.function(inner) {
            return v;
        }
        let f = inner.split_whitespace().next().unwrap_or("");
        if f.contains('.') || !inner.trim().contains(char::is_whitespace) {
            // The handler with its parameters, if any (`$(rt.lookup 10.0.0.1)`).
            return cx.call_read(inner.trim()).map(|v| v.trim_end().to_string()).unwrap_or_default();
        }
        String::new()
    }

    /// One of Click's Script functions (`add 1 2`, `get VAR`...), also readable as the
    /// element's handlers with parameters; `None` if `inner` does not start with one.
    fn function(&self, inner: &str) -> Option<String> {
        let owned = space_words(inner);
        let words: Vec<&str> = owned.iter().map(String::as_str).collect();
        let (&f, args) = words.split_first()?;
        if !FUNCTIONS.contains(&f) {
            return None;
        }
        let nums: Vec<f64> = args.iter().filter_map(|a| a.parse::<f64>().ok()).collect();
        let num = |v: f64| if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") };
        let boolean = |b: bool| b.to_string();
        Some(match f {
            "add" => num(nums.iter().sum()),
            "sub" => num(nums.first().copied().unwrap_or(0.0) - nums.iter().skip(1).sum::<f64>()),
            "mul" => num(nums.iter().product()),
            "div" if nums.len() == 2 && nums[1] != 0.0 => num(nums[0] / nums[1]),
            "idiv" if nums.len() == 2 && nums[1] != 0.0 => num((nums[0] / nums[1]).trunc()),
            "mod" if nums.len() == 2 && nums[1] != 0.0 => num(nums[0] % nums[1]),
            "neg" if nums.len() == 1 => num(-nums[0]),
            "min" => num(nums.iter().copied().fold(f64::INFINITY, f64::min)),
            "max" => num(nums.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
            "eq" => boolean(args.len() == 2 && args[0] == args[1]),
            "ne" => boolean(args.len() == 2 && args[0] != args[1]),
            "lt" if nums.len() == 2 => boolean(nums[0] < nums[1]),
            "gt" if nums.len() == 2 => boolean(nums[0] > nums[1]),
            "le" if nums.len() == 2 => boolean(nums[0] <= nums[1]),
            "ge" if nums.len() == 2 => boolean(nums[0] >= nums[1]),
            "not" if args.len() == 1 => boolean(!truthy(args[0])),
            "if" if args.len() == 3 => (if truthy(args[0]) { args[1] } else { args[2] }).to_string(),
            // Click's remaining Script functions.
            "rem" if nums.len() == 2 && nums[1] != 0.0 => num(nums[0] % nums[1]),
            "abs" if nums.len() == 1 => num(nums[0].abs()),
            "and" | "nand" | "or" | "nor" => {
                let and = matches!(f, "and" | "nand");
                let mut v = and;
                for a in args {
                    if v != and {
                        break;
                    }
                    v = truthy(a);
                }
                boolean(if matches!(f, "nand" | "nor") { !v } else { v })
            }
            "first" => args.first().map_or(String::new(), |a| a.to_string()),
            "in" => {
                let word = args.first().map(|w| unquote(w));
                boolean(word.is_some_and(|w| !w.is_empty() && args[1..].iter().any(|a| unquote(a) == w)))
            }
            "length" => inner[f.len()..].trim_start().len().to_string(),
            "unquote" => unquote(inner[f.len()..].trim_start()),
            "htons" | "ntohs" if args.len() == 1 => {
                args[0].parse::<i64>().map_or(String::new(), |x| (x as u16).swap_bytes().to_string())
            }
            "htonl" | "ntohl" if args.len() == 1 => {
                args[0].parse::<i64>().map_or(String::new(), |x| (x as u32).swap_bytes().to_string())
            }
            "sprintf" if !args.is_empty() => sprintf(&unquote(args[0]), &args[1..]),
            "now" => click_core::Timestamp::now().to_string(),
            "random" => {
                let r = self.random();
                match nums.as_slice() {
                    [] => (r as u32).to_string(),
                    [n] if *n >= 1.0 => (r % (*n as u64)).to_string(),
                    [lo, hi] if hi >= lo => (*lo as u64 + r % (*hi as u64 - *lo as u64 + 1)).to_string(),
                    _ => String::new(),
                }
            }
            "get" if args.len() == 1 => self.vars.borrow().get(args[0]).cloned().unwrap_or_default(),
            "shift" if args.len() <= 1 => {
                // Removes the variable's first word and returns it.
                let name = args.first().copied().unwrap_or("args");
                let mut vars = self.vars.borrow_mut();
                let v = vars.entry(name.to_string()).or_default();
                let words = space_words(v);
                let first = words.first().cloned().unwrap_or_default();
                *v = words.get(1..).map_or(String::new(), |w| w.join(" "));
                first
            }
            "readable" | "writable" => {
                let write = f == "writable";
                let handle = self.router.as_ref();
                boolean(!args.is_empty() && args.iter().all(|h| handle.is_some_and(|r| r.check(h, write).is_ok())))
            }
            _ => String::new(),
        })
    }

    /// A pseudo-random number (xorshift, seeded from the clock).
    fn random(&self) -> u64 {
        let mut x = self.rng.get();
        if x == 0 {
            x = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
                | 1;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.set(x);
        x
    }

    fn jump(&mut self, label: &str) -> bool {
        match self.instructions.iter().position(|i| *i == Instr::Label(label.to_string())) {
            Some(p) => {
                self.pc = p + 1;
                true
            }
            None => false,
        }
    }

    fn finish(&mut self, cx: &mut Context<'_>) {
        self.done = true;
        cx.unschedule();
        if self.driver {
            cx.stop_now();
        }
    }
}

/// Click's Script functions (see `Script::function`).
const FUNCTIONS: &[&str] = &[
    "add", "sub", "min", "max", "mul", "div", "idiv", "mod", "rem", "neg", "abs", "eq", "ne", "gt", "ge", "lt", "le",
    "not", "sprintf", "first", "random", "and", "or", "nand", "nor", "if", "in", "now", "readable", "writable",
    "length", "unquote", "htons", "htonl", "ntohs", "ntohl", "get", "shift",
];

/// Splits like Click's `cp_shift_spacevec`: on spaces, keeping double-quoted text together.
fn space_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            '\\' if quoted => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

fn unquote(w: &str) -> String {
    click_core::args::unquote_bytes(w).map_or_else(|_| w.to_string(), |b| String::from_utf8_lossy(&b).into_owned())
}

/// Click's Script `sprintf`: C conversions d, i, u, o, x, X, s, c and %%, with flags,
/// field width and precision (`*` takes them from the arguments).
fn sprintf(format: &str, args: &[&str]) -> String {
    let mut args = args.iter();
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek().filter(|f| "0#- +".contains(**f)) {
            flags.push(f);
            chars.next();
        }
        let mut number = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| -> Option<usize> {
            if chars.peek() == Some(&'*') {
                chars.next();
                return args.next().and_then(|a| a.parse().ok());
            }
            let mut n = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(d);
                chars.next();
            }
            n.parse().ok()
        };
        let width = number(&mut chars).unwrap_or(0);
        let precision = if chars.peek() == Some(&'.') {
            chars.next();
            Some(number(&mut chars).unwrap_or(0))
        } else {
            None
        };
        while chars.peek().is_some_and(|c| "hlLq".contains(*c)) {
            chars.next();
        }
        let Some(conv) = chars.next() else { break };
        let (left, zero, plus, space, alt) =
            (flags.contains('-'), flags.contains('0'), flags.contains('+'), flags.contains(' '), flags.contains('#'));
        let (sign, mut body) = match conv {
            '%' => {
                out.push('%');
                continue;
            }
            'd' | 'i' => {
                let v: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(0);
                let sign = if v < 0 {
                    "-"
                } else if plus {
                    "+"
                } else if space {
                    " "
                } else {
                    ""
                };
                (sign, v.unsigned_abs().to_string())
            }
            'u' | 'o' | 'x' | 'X' => {
                let v: u64 = args.next().and_then(|a| a.parse::<i64>().ok()).unwrap_or(0) as u64;
                let s = match conv {
                    'o' => format!("{}{v:o}", if alt && v != 0 { "0" } else { "" }),
                    'x' => format!("{}{v:x}", if alt && v != 0 { "0x" } else { "" }),
                    'X' => format!("{}{v:X}", if alt && v != 0 { "0X" } else { "" }),
                    _ => v.to_string(),
                };
                ("", s)
            }
            's' => {
                let s = args.next().map(|a| unquote(a)).unwrap_or_default();
                let s = match precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                };
                let pad = " ".repeat(width.saturating_sub(s.chars().count()));
                out.push_str(&if left { s + &pad } else { pad + &s });
                continue;
            }
            'c' => (
                "",
                args.next()
                    .and_then(|a| a.parse::<u32>().ok())
                    .and_then(char::from_u32)
                    .map_or(String::new(), String::from),
            ),
            _ => continue,
        };
        if let (Some(p), true) = (precision, "diuoxX".contains(conv))
            && body.len() < p
        {
            body = "0".repeat(p - body.len()) + &body;
        }
        let len = sign.len() + body.len();
        if width > len {
            let n = width - len;
            if left {
                body = format!("{sign}{body}{}", " ".repeat(n));
            } else if zero && precision.is_none() {
                body = format!("{sign}{}{body}", "0".repeat(n));
            } else {
                body = format!("{}{sign}{body}", " ".repeat(n));
            }
        } else {
            body = format!("{sign}{body}");
        }
        out.push_str(&body);
    }
    out
}

fn truthy(s: &str) -> bool {
    !matches!(s.trim(), "" | "0" | "false" | "no")
}

impl Element for Script {
    fn class_name(&self) -> &'static str {
        if self.driver { "DriverManager" } else { "Script" }
    }

    fn port_count(&self) -> &'static str {
        ports::P0_0
    }

    fn intercepts_stop(&self) -> bool {
        self.driver
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let mut rest = args.take_rest();
        if let Some(first) = rest.first()
            && let Some(ty) = first.strip_prefix("TYPE ")
        {
            self.driver = ty.trim().eq_ignore_ascii_case("driver");
            rest.remove(0);
        }
        for (i, text) in rest.iter().enumerate() {
            if text.trim().is_empty() {
                continue;
            }
            self.instructions
                .push(Self::parse(text).map_err(|m| ArgError::new(None, format!("instruction {}: {m}", i + 1)))?);
        }
        for instr in &self.instructions {
            if let Instr::Goto(l, _) = instr
                && !self.instructions.contains(&Instr::Label(l.clone()))
            {
                return Err(ArgError::new(None, format!("goto to unknown label '{l}'")));
            }
        }
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        // As Click: the first steps run from a timer due at once, so after the first round
        // of tasks (sources may already have pushed packets) and before later rounds.
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        cx.unschedule();
        cx.schedule_timer(0, Duration::ZERO);
        Ok(())
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        if self.done || self.waiting_timer {
            cx.unschedule();
            return false;
        }
        self.context_shown = false;
        // A bounded number of steps per run, so a looping script cannot hog the thread.
        for _ in 0..1000 {
            let Some(instr) = self.instructions.get(self.pc).cloned() else {
                self.finish(cx);
                return true;
            };
            self.pc += 1;
            match instr {
                Instr::WaitStop(n) => {
                    if cx.stop_requests() >= self.stops_seen + n {
                        self.stops_seen += n;
                    } else {
                        self.pc -= 1;
                        cx.unschedule();
                        return true;
                    }
                }
                Instr::Wait(d) => {
                    self.waiting_timer = true;
                    self.stops_at_wait = Some(cx.stop_requests());
                    cx.unschedule();
                    cx.schedule_timer(0, d);
                    return true;
                }
                Instr::Print(text, newline) => {
                    // As Click: text that starts like a name is a handler to read (`print
                    // ELEMENT.HANDLER [PARAM]`); other text is expanded with its expansions
                    // quoted, then unquoted (`print "done"` prints done, `print $(x.y) "/"`
                    // prints x.y's value as it is).
                    let as_name = text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '@' || c == '_');
                    let mut line = self.expand_with(cx, &text, !as_name);
                    let first = line.split_whitespace().next().unwrap_or("");
                    if as_name {
                        // Click reads the handler the text names; a name that is not a
                        // handler is an error and nothing is printed.
                        match cx.call_read(&line) {
                            Ok(v) => line = v.trim_end().to_string(),
                            Err(_) => {
                                self.report(cx, &format!("no '{first}' read handler"));
                                continue;
                            }
                        }
                    } else if let Ok(b) = click_core::args::unquote_bytes(&line) {
                        line = String::from_utf8_lossy(&b).into_owned();
                    }
                    if newline {
                        println!("{line}");
                    } else {
                        print!("{line}");
                    }
                }
                Instr::Read(h) => {
                    let h = self.expand(cx, &h);
                    match cx.call_read(&h) {
                        Ok(v) => eprintln!("{h}:\n{}", v.trim_end()),
                        Err(e) => eprintln!("{h}: {e}"),
                    }
                }
                Instr::Write(h, v) => {
                    let (h, v) = (self.expand(cx, &h), self.expand(cx, &v));
                    if let Err(e) = cx.call_write(&h, &v) {
                        // As Click: the call, then what went wrong, under the script's name.
                        let call = if v.is_empty() { h.clone() } else { format!("{h} {v}") };
                        self.report(cx, &format!("While calling '{call}':\n  {e}"));
                    }
                }
                Instr::Set(var, e) => {
                    let v = self.expand(cx, &e);
                    self.vars.borrow_mut().insert(var, v);
                }
                Instr::Label(_) => {}
                Instr::Goto(l, cond) => {
                    let go = cond.is_none_or(|c| truthy(&self.expand(cx, &c)));
                    if go {
                        self.jump(&l);
                    }
                }
                Instr::Loop => self.pc = 0,
                Instr::End => {
                    self.finish(cx);
                    return true;
                }
                // As Click: the script stays at `stop`, and asks the router to stop (a
                // DriverManager's own `stop` stops it; another script's is a stop request,
                // which a DriverManager takes).
                Instr::Stop => {
                    self.done = true;
                    cx.unschedule();
                    if self.driver {
                        cx.stop_now();
                    } else {
                        cx.stop_router();
                    }
                    return true;
                }
            }
        }
        true
    }

    fn run_timer(&mut self, cx: &mut Context<'_>, _timer: usize) {
        self.waiting_timer = false;
        // As Click's DriverManager: a stop request that comes while it waits for time is
        // spent then (the router goes on), not kept for a later `wait_stop`.
        if let Some(before) = self.stops_at_wait.take() {
            self.stops_seen += cx.stop_requests().saturating_sub(before);
        }
        // Steps run here, in the timer, as Click's do; the task continues a long run.
        cx.reschedule();
        self.run_task(cx);
    }

    fn attach(&mut self, router: &click_core::RouterHandle) {
        self.router = Some(router.clone());
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::write("step"),
            HandlerInfo::write("goto"),
            HandlerInfo::read_write("run").param(),
            HandlerInfo::read("add").param(),
            HandlerInfo::read("sub").param(),
            HandlerInfo::read("min").param(),
            HandlerInfo::read("max").param(),
            HandlerInfo::read("mul").param(),
            HandlerInfo::read("div").param(),
            HandlerInfo::read("idiv").param(),
            HandlerInfo::read("mod").param(),
            HandlerInfo::read("rem").param(),
            HandlerInfo::read("neg").param(),
            HandlerInfo::read("abs").param(),
            HandlerInfo::read("eq").param(),
            HandlerInfo::read("ne").param(),
            HandlerInfo::read("gt").param(),
            HandlerInfo::read("ge").param(),
            HandlerInfo::read("lt").param(),
            HandlerInfo::read("le").param(),
            HandlerInfo::read("not").param(),
            HandlerInfo::read("sprintf").param(),
            HandlerInfo::read("first").param(),
            HandlerInfo::read("random").param(),
            HandlerInfo::read("and").param(),
            HandlerInfo::read("or").param(),
            HandlerInfo::read("nand").param(),
            HandlerInfo::read("nor").param(),
            HandlerInfo::read("if").param(),
            HandlerInfo::read("in").param(),
            HandlerInfo::read("now"),
            HandlerInfo::read("readable").param(),
            HandlerInfo::read("writable").param(),
            HandlerInfo::read("length").param(),
            HandlerInfo::read("unquote").param(),
            HandlerInfo::read("htons").param(),
            HandlerInfo::read("htonl").param(),
            HandlerInfo::read("ntohs").param(),
            HandlerInfo::read("ntohl").param(),
            HandlerInfo::read("get").param(),
            HandlerInfo::write("set"),
            HandlerInfo::read("shift").param(),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        if name == "run" || name.starts_with("run ") {
            return Err(HandlerError::Failed(
                "reading 'run' (running the script as a function) is not supported".into(),
            ));
        }
        self.function(name).ok_or_else(|| HandlerError::NoSuchHandler(name.into()))
    }

    fn write_handler(&mut self, name: &str, value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "set" => {
                let (var, v) = value.trim().split_once(char::is_whitespace).unwrap_or((value.trim(), ""));
                if var.is_empty() {
                    return Err(HandlerError::Failed("no variable".into()));
                }
                self.vars.borrow_mut().insert(var.to_string(), v.trim().to_string());
                return Ok(());
            }
            "goto" => {
                let label = value.trim();
                self.pc = self
                    .instructions
                    .iter()
                    .position(|i| *i == Instr::Label(label.to_string()))
                    .ok_or_else(|| HandlerError::Failed("jump to nonexistent label".into()))?;
            }
            "run" => self.pc = 0,
            // Resumes a waiting script now.
            "step" => {}
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        self.done = false;
        self.waiting_timer = false;
        cx.reschedule();
        Ok(())
    }
}
