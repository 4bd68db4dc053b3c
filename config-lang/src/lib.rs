//! The Click configuration language.
//!
//! This crate turns configuration text into a [`FlatGraph`]: a flat list of element
//! instances (class, configuration string, name, source location) and the connections
//! between their ports. It knows nothing of packets or execution; `click-core` turns a
//! `FlatGraph` into a running router, the way regex-automata executes what regex-syntax
//! parses.
//!
//! The language is Click's (its `doc/click.5`): declarations, connection chains with port
//! lists, `->` and `=>`, groups, compound classes with parameters and overloads,
//! `define`, `require`, variables and line directives.
//!
//! ```
//! let compiled = config_lang::compile(
//!     "src :: InfiniteSource(LIMIT $n) -> c :: { input -> Counter -> output } -> Discard;",
//!     "example.click",
//!     &[("n".to_string(), "5".to_string())],
//! )
//! .unwrap();
//! let graph = &compiled.graph;
//! let names: Vec<_> = graph.elements().map(|(_, e)| e.name.as_str()).collect();
//! // Click's order: the top level's own elements, then each compound's contents.
//! assert_eq!(names, ["src", "Discard@3", "c/Counter@1"]);
//! assert_eq!(graph.element(graph.find("src").unwrap()).unwrap().config, "LIMIT 5");
//! assert_eq!(graph.connection_count(), 2);
//! ```
//!
//! Errors come back as [`Diagnostic`]s, several per run where possible; render them with
//! [`render_diagnostics`].
//!
//! # How it works
//!
//! * The lexer recognises tokens with nom and reads configuration strings on demand (after a
//!   `(` that follows a class, everything up to the first unbalanced `)` is one string). The
//!   parser is recursive descent over those tokens and builds the [`ast`]; it recovers from
//!   syntax errors at the next `;` and bounds nesting at [`MAX_NESTING`].
//! * Elaboration follows Click's tools (`click-flatten`): a bare name in a connection is an
//!   element declared earlier in the scope, or a compound class, or else an anonymous element
//!   of a primitive class, named `Class@N` where N counts the scope's elements so far. Class
//!   names are lexically scoped (a definition is visible after its closing brace), so compound
//!   classes cannot be recursive. Compound uses pick the first overload that matches their
//!   port counts and arguments; `input`/`output` connections become tunnels that are followed
//!   to real elements at the end. Expansion is bounded by [`MAX_EXPANSION_DEPTH`] and
//!   [`MAX_ELEMENTS`].
//! * Primitive classes are not checked here: the runtime's registry knows them (and can use
//!   [`suggest`] for "did you mean" hints).
//! * Configuration strings are kept as written (comments included) with variables substituted;
//!   splitting them into arguments is the elements' business.

#![warn(missing_docs)]

pub mod ast;
mod confstr;
mod diagnostic;
mod elaborate;
mod graph;
#[cfg(test)]
mod lang_tests;
mod lexer;
mod parser;
mod unparse;

pub use diagnostic::{Diagnostic, Note, Severity, render_diagnostics, suggest};
pub use elaborate::{MAX_CONNECTIONS, MAX_ELEMENTS, MAX_EXPANSION_DEPTH};
pub use graph::{Connection, ElementId, FlatElement, FlatGraph, FlatGraphError, Location};
pub use parser::{MAX_NESTING, MAX_PORT};
pub use unparse::{PortCodes, print_flat, to_dot};

/// A successfully parsed configuration.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The syntax tree.
    pub program: ast::Program,
    /// Warnings found while parsing.
    pub warnings: Vec<Diagnostic>,
}

/// A successfully compiled configuration.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The flat graph, ready for the runtime.
    pub graph: FlatGraph,
    /// Warnings found on the way.
    pub warnings: Vec<Diagnostic>,
}

/// Why compilation failed: all the diagnostics (errors and warnings, in the order found).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} error(s) in configuration{}", .diagnostics.iter().filter(|d| d.is_error()).count(), first_error(.diagnostics))]
pub struct CompileError {
    /// Errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

fn first_error(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().find(|d| d.is_error()).map(|d| format!(": {d}")).unwrap_or_default()
}

impl From<Vec<Diagnostic>> for CompileError {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        CompileError { diagnostics }
    }
}

impl From<CompileError> for Vec<Diagnostic> {
    fn from(error: CompileError) -> Self {
        error.diagnostics
    }
}

fn split(diagnostics: Vec<Diagnostic>) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    if diagnostics.iter().any(Diagnostic::is_error) { Err(diagnostics) } else { Ok(diagnostics) }
}

/// Recognises a command-line variable definition `NAME=value` (NAME made of letters, digits
/// and underscores), as the `click` driver accepts among its arguments.
pub fn parse_definition(argument: &str) -> Option<(String, String)> {
    let (name, value) = argument.split_once('=')?;
    let valid = !name.is_empty() && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
    valid.then(|| (name.to_string(), value.to_string()))
}

/// Parses one configuration text; `file` names it in locations. Never panics.
pub fn parse(source: &str, file: &str) -> Result<Parsed, Vec<Diagnostic>> {
    let (program, diagnostics) = parser::parse_program(source, file);
    let warnings = split(diagnostics)?;
    Ok(Parsed { program, warnings })
}

/// Elaborates parsed programs into a flat graph. Several programs form one configuration,
/// in order (Click's `-f FILE` followed by `-e EXPR`). `vars` are command-line `NAME=value`
/// definitions; they override `define`s at file scope.
pub fn elaborate(programs: &[&ast::Program], vars: &[(String, String)]) -> Result<Compiled, Vec<Diagnostic>> {
    let mut elaborator = elaborate::Elaborator::new();
    let graph = elaborator.elaborate(programs, vars);
    let warnings = split(elaborator.diagnostics)?;
    Ok(Compiled { graph, warnings })
}

/// Parses and elaborates one configuration text. Never panics.
pub fn compile(source: &str, file: &str, vars: &[(String, String)]) -> Result<Compiled, Vec<Diagnostic>> {
    compile_sources(&[(file, source)], vars)
}

/// Parses and elaborates several pieces, given as `(file name, text)`, as one configuration
/// (see [`elaborate`]). Syntax errors in any piece are reported together; elaboration runs only
/// if every piece parsed.
pub fn compile_sources(sources: &[(&str, &str)], vars: &[(String, String)]) -> Result<Compiled, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut programs = Vec::new();
    for (file, text) in sources {
        let (program, mut found) = parser::parse_program(text, file);
        diagnostics.append(&mut found);
        programs.push(program);
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    let refs: Vec<&ast::Program> = programs.iter().collect();
    match elaborate(&refs, vars) {
        Ok(mut compiled) => {
            diagnostics.append(&mut compiled.warnings);
            compiled.warnings = diagnostics;
            Ok(compiled)
        }
        Err(mut errors) => {
            diagnostics.append(&mut errors);
            Err(diagnostics)
        }
    }
}
