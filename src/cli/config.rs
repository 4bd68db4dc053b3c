//! Loading configurations the way the `click` driver does: `-f FILE`, `-e EXPR`, a file
//! argument, or standard input; `NAME=value` definitions; errors rendered with their source.

use std::io::Read;
use std::sync::Arc;

use click_core::config_lang::{self, Diagnostic, FlatGraph};
use click_core::{Registry, RouterBuilder, RouterErrors};

/// Where the configuration comes from.
#[derive(Default, Debug, Clone)]
pub(crate) struct Input {
    /// `-f FILE` or the positional file.
    pub file: Option<String>,
    /// `-e EXPR`.
    pub expr: Option<String>,
    /// Positional words: a file name, or `NAME=value` definitions.
    pub words: Vec<String>,
}

/// A configuration read and compiled.
pub(crate) struct Loaded {
    /// `(file name, text)` of every piece, for rendering diagnostics. Shared with the
    /// router's `config` and `flatconfig` handlers, which make their texts when read.
    pub sources: Arc<Vec<(String, String)>>,
    pub graph: Arc<FlatGraph>,
}

impl Loaded {
    pub fn source_refs(&self) -> Vec<(&str, &str)> {
        self.sources.iter().map(|(f, t)| (f.as_str(), t.as_str())).collect()
    }

    /// The whole configuration text (for the router's `config` handler).
    fn text(sources: &[(String, String)]) -> String {
        sources.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>().join("\n")
    }
}

/// Reads and compiles; on failure prints the diagnostics and returns the exit code.
pub(crate) fn load(input: &Input) -> Result<Loaded, i32> {
    let mut file = input.file.clone();
    let mut vars = Vec::new();
    for w in &input.words {
        match config_lang::parse_definition(w) {
            Some(def) => vars.push(def),
            None if file.is_none() => file = Some(w.clone()),
            None => {
                eprintln!(
                    "vrouter: unexpected argument '{w}' (one configuration file at most; definitions are NAME=value)"
                );
                return Err(1);
            }
        }
    }
    let mut sources = Vec::new();
    if let Some(f) = &file {
        let text = if f == "-" {
            read_stdin()?
        } else {
            std::fs::read_to_string(f).map_err(|e| {
                eprintln!("vrouter: {f}: {e}");
                1
            })?
        };
        sources.push((f.clone(), text));
    }
    if let Some(e) = &input.expr {
        // Click names `-e` text `config` in its messages.
        sources.push(("config".to_string(), e.clone()));
    }
    if sources.is_empty() {
        sources.push(("<stdin>".to_string(), read_stdin()?));
    }
    let refs: Vec<(&str, &str)> = sources.iter().map(|(f, t)| (f.as_str(), t.as_str())).collect();
    match config_lang::compile_sources(&refs, &vars) {
        Ok(c) => {
            if !c.warnings.is_empty() {
                eprint!("{}", config_lang::render_diagnostics(&c.warnings, &refs));
            }
            Ok(Loaded { sources: Arc::new(sources), graph: Arc::new(c.graph) })
        }
        Err(diagnostics) => {
            eprint!("{}", config_lang::render_diagnostics(&diagnostics, &refs));
            Err(1)
        }
    }
}

fn read_stdin() -> Result<String, i32> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map_err(|e| {
        eprintln!("vrouter: <stdin>: {e}");
        1
    })?;
    Ok(s)
}

/// The runtime's errors as diagnostics, so they print with the source line and a caret.
pub(crate) fn diagnostics(errors: &RouterErrors) -> Vec<Diagnostic> {
    errors
        .0
        .iter()
        .map(|e| {
            let mut d = Diagnostic::error(e.message.clone(), e.location.clone());
            if let Some(h) = &e.hint {
                d = d.with_hint(h.clone());
            }
            for (note, loc) in &e.notes {
                d = d.with_note(note.clone(), loc.clone());
            }
            d
        })
        .collect()
}

/// A builder for the loaded configuration.
pub(crate) fn builder<'r>(loaded: &Loaded, registry: &'r Registry, threads: usize) -> RouterBuilder<'r> {
    let mut b = RouterBuilder::from_flat(&loaded.graph, registry);
    let (sources, graph) = (loaded.sources.clone(), loaded.graph.clone());
    b.config_text_with(move || Loaded::text(&sources))
        .flat_text_with(move || config_lang::print_flat(&graph))
        .threads(threads);
    b
}
