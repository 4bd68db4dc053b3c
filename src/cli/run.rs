//! `vrouter run`: the `click` driver's job.

use click_core::config_lang;
use click_core::{HandlerError, Router};

use super::config::{self, Input};

/// Options of `vrouter run`, as the `click` driver spells them.
#[derive(clap::Args, Debug)]
#[command(disable_help_flag = true)]
pub(crate) struct RunArgs {
    /// Read the configuration from FILE.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<String>,
    /// Use EXPR as (more of) the configuration.
    #[arg(short = 'e', long = "expression", value_name = "EXPR")]
    expr: Option<String>,
    /// After running, read ELEMENT.HANDLER and print it (repeatable; globs and class names
    /// select several elements).
    #[arg(short = 'h', long = "handler", value_name = "ELEMENT.HANDLER")]
    handlers: Vec<String>,
    /// Use handler ELEMENT.HANDLER's value as the exit status.
    #[arg(short = 'x', long = "exit-handler", value_name = "ELEMENT.HANDLER")]
    exit_handler: Option<String>,
    /// Write the flat configuration to FILE.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<String>,
    /// Set up the router, but do not run it.
    #[arg(short = 'q', long = "quit")]
    quit: bool,
    /// Run N threads.
    #[arg(short = 'j', long = "threads", default_value_t = 1)]
    threads: usize,
    /// Print how long the run took.
    #[arg(short = 't', long = "time")]
    time: bool,
    /// Print packets per second for each source at the end.
    #[arg(long = "report")]
    report: bool,
    /// Let one run of a source's task (and of the Unqueue emptying the Queue it feeds) stand
    /// for at most N runs where nothing downstream can tell them apart (packets then move in
    /// batches); 1 runs every task as written.
    #[arg(long = "task-runs", value_name = "N", default_value_t = click_core::runtime::DEFAULT_TASK_RUNS)]
    task_runs: u32,
    /// Print help.
    #[arg(long = "help", action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// The configuration file (if no -f), then NAME=value definitions.
    words: Vec<String>,
}

/// Shell-style pattern with `*`, `?` and `[...]`.
fn glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| go(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && go(&p[1..], &n[1..]),
            Some('[') => match p.iter().position(|&c| c == ']') {
                Some(end) if !n.is_empty() => p[1..end].contains(&n[0]) && go(&p[end + 1..], &n[1..]),
                _ => false,
            },
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    go(&pattern.chars().collect::<Vec<_>>(), &name.chars().collect::<Vec<_>>())
}

/// Reads the requested handlers and prints them as `click -h` does; false on any error.
/// Errors go to standard error without a prefix, as Click's driver prints them, in the order
/// the handlers were asked for.
fn print_handlers(router: &Router, wanted: &[String]) -> bool {
    let mut ok = true;
    let many = wanted.len() > 1;
    for w in wanted {
        let Some((elem, handler)) = w.split_once('.') else {
            ok &= print_handler(router, w, many);
            continue;
        };
        if router.find(elem).is_some() {
            ok &= print_handler(router, w, many);
            continue;
        }
        // A pattern or a class name: every matching element whose handler is readable.
        let is_pattern = elem.contains(['*', '?', '[']);
        let matched: Vec<&String> = router
            .element_names()
            .iter()
            .filter(|n| {
                if is_pattern {
                    glob(elem, n)
                } else {
                    router.read_handler(&format!("{n}.class")).is_ok_and(|c| c == elem)
                }
            })
            .collect();
        if matched.is_empty() {
            eprintln!(
                "{}",
                if is_pattern { format!("no element matching '{elem}'") } else { format!("no element '{elem}'") }
            );
            ok = false;
        }
        for n in matched {
            let name = format!("{n}.{handler}");
            if router.handler_info(&name).is_some_and(|h| h.read) {
                ok &= print_handler(router, &name, true);
            }
        }
    }
    ok
}

/// Prints one handler's value (after its name if `print_name`); a raw handler's value is
/// printed as it is, any other's with a newline added if it lacks one.
fn print_handler(router: &Router, name: &str, print_name: bool) -> bool {
    let info = router.handler_info(name);
    match info {
        None => {
            eprintln!("no '{name}' handler");
            return false;
        }
        Some(h) if !h.read => {
            eprintln!("'{name}' is a write handler");
            return false;
        }
        Some(_) => {}
    }
    match router.read_handler(name) {
        Ok(mut v) => {
            if print_name {
                println!("{name}:");
            }
            if !info.is_some_and(|h| h.is_raw()) && !v.is_empty() && !v.ends_with('\n') {
                v.push('\n');
            }
            print!("{v}");
            if print_name {
                println!();
            }
            true
        }
        Err(HandlerError::NoSuchHandler(_)) => {
            eprintln!("no '{name}' handler");
            false
        }
        Err(e) => {
            eprintln!("{name}: {e}");
            false
        }
    }
}

pub(crate) fn run(args: RunArgs) -> i32 {
    let input = Input { file: args.file.clone(), expr: args.expr.clone(), words: args.words.clone() };
    let loaded = match config::load(&input) {
        Ok(l) => l,
        Err(code) => return code,
    };
    if let Some(out) = &args.output
        && let Err(e) = std::fs::write(out, config_lang::print_flat(&loaded.graph))
    {
        eprintln!("vrouter: {out}: {e}");
        return 1;
    }
    let registry = super::registry();
    let mut router = match config::builder(&loaded, &registry, args.threads).build() {
        Ok(r) => r,
        Err(errors) => {
            let d = config::diagnostics(&errors);
            eprint!("{}", config_lang::render_diagnostics(&d, &loaded.source_refs()));
            return 1;
        }
    };
    router.set_task_runs(args.task_runs);
    if !args.quit {
        let handle = router.handle();
        // Ctrl-C stops the router cleanly, as in Click; a second one kills the process.
        let _ = ctrlc::set_handler(move || {
            if handle.is_running() {
                handle.stop();
            } else {
                std::process::exit(130);
            }
        });
        let report = router.run();
        if args.time {
            eprintln!("{:.3}s", report.elapsed.as_secs_f64());
        }
        if args.report {
            report_rates(&router, report.elapsed.as_secs_f64());
        }
        if report.unconnected_drops + report.crossing_drops > 0 {
            eprintln!(
                "vrouter: {} packets dropped at unconnected outputs, {} at full thread queues",
                report.unconnected_drops, report.crossing_drops
            );
        }
    }
    let mut code = if print_handlers(&router, &args.handlers) { 0 } else { 1 };
    if let Some(x) = &args.exit_handler {
        code = match router.read_handler(x) {
            Ok(v) => match v.trim() {
                "true" => 0,
                "false" => 1,
                n => n.parse().unwrap_or(1),
            },
            Err(e) => {
                eprintln!("vrouter: {x}: {e}");
                1
            }
        };
    }
    code
}

/// Packets per second of every source (elements with no inputs and a `count` handler).
fn report_rates(router: &Router, secs: f64) {
    for name in router.element_names() {
        let i = router.find(name).expect("listed");
        let (inputs, _) = router.port_processing(i);
        if !inputs.is_empty() {
            continue;
        }
        if let Ok(count) = router.read_handler(&format!("{name}.count")) {
            let n: f64 = count.trim().parse().unwrap_or(0.0);
            eprintln!("{name}: {n} packets in {secs:.3} s: {:.3} Mpps", n / secs.max(1e-9) / 1e6);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("c*", "counter"));
        assert!(glob("c?", "c1"));
        assert!(!glob("c?", "c12"));
        assert!(glob("rt[01]", "rt1"));
        assert!(!glob("rt[01]", "rt2"));
    }
}
