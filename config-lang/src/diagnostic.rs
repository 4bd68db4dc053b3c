//! Diagnostics: errors and warnings with source locations, and their rendering.
//!
//! This module does not depend on the parser: `click-core` builds its own [`Diagnostic`]s
//! (push/pull conflicts, unknown classes) from the [`Location`]s stored in a
//! [`FlatGraph`](crate::FlatGraph) and renders them with [`render_diagnostics`].

use std::fmt;

use crate::graph::Location;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Something is wrong with the configuration; it cannot be used.
    Error,
    /// Suspicious but accepted.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A secondary message attached to a diagnostic, such as "previously declared here".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The note's text.
    pub message: String,
    /// Where the note points, if anywhere.
    pub location: Option<Location>,
}

/// An error or warning about a configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// One-line description, e.g. `redeclaration of element 'a'`.
    pub message: String,
    /// Where the problem is, if known.
    pub location: Option<Location>,
    /// A suggestion for fixing it, printed as `hint: ...`.
    pub hint: Option<String>,
    /// Secondary messages with their own locations.
    pub notes: Vec<Note>,
}

impl fmt::Display for Diagnostic {
    /// One line: `file:line:column: error: message` (without source excerpt).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        write!(f, "{}: {}", self.severity, self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl Diagnostic {
    /// An error at `location`.
    pub fn error(message: impl Into<String>, location: Option<Location>) -> Self {
        Diagnostic { severity: Severity::Error, message: message.into(), location, hint: None, notes: Vec::new() }
    }

    /// A warning at `location`.
    pub fn warning(message: impl Into<String>, location: Option<Location>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message, location) }
    }

    /// Adds (or replaces) the hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a secondary note.
    #[must_use]
    pub fn with_note(mut self, message: impl Into<String>, location: Option<Location>) -> Self {
        self.notes.push(Note { message: message.into(), location });
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders this diagnostic with source excerpts; see [`render_diagnostics`].
    pub fn render(&self, sources: &[(&str, &str)]) -> String {
        let mut out = String::new();
        render_one(&mut out, self, sources);
        out
    }
}

/// Renders diagnostics for a terminal:
///
/// ```text
/// router.click:3:6: error: redeclaration of element 'a'
///     3 | a :: Queue;
///       | ^
/// router.click:1:1: note: element 'a' previously declared here
///     1 | a :: Counter;
///       | ^
/// hint: ...
/// ```
///
/// `sources` maps file names (as they appear in [`Location::file`]) to their text; locations
/// in files not listed are printed without an excerpt.
pub fn render_diagnostics(diagnostics: &[Diagnostic], sources: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        render_one(&mut out, diagnostic, sources);
    }
    out
}

fn render_one(out: &mut String, diagnostic: &Diagnostic, sources: &[(&str, &str)]) {
    use std::fmt::Write;
    let _ = writeln!(out, "{diagnostic}");
    if let Some(location) = &diagnostic.location {
        excerpt(out, location, sources);
    }
    for note in &diagnostic.notes {
        match &note.location {
            Some(location) => {
                let _ = writeln!(out, "{location}: note: {}", note.message);
                excerpt(out, location, sources);
            }
            None => {
                let _ = writeln!(out, "note: {}", note.message);
            }
        }
    }
    if let Some(hint) = &diagnostic.hint {
        for (i, line) in hint.lines().enumerate() {
            let _ = writeln!(out, "{}{line}", if i == 0 { "hint: " } else { "      " });
        }
    }
}

/// Prints the source line of `location` and a caret under its column.
fn excerpt(out: &mut String, location: &Location, sources: &[(&str, &str)]) {
    use std::fmt::Write;
    let Some((_, text)) = sources.iter().find(|(name, _)| *name == &*location.file) else {
        return;
    };
    let Some(line) = text.split('\n').nth(location.line.saturating_sub(1) as usize) else {
        return;
    };
    let line = line.strip_suffix('\r').unwrap_or(line);
    let number = location.line.to_string();
    let gutter = " ".repeat(number.len().max(4));
    let _ = writeln!(out, "{:>width$} | {line}", number, width = gutter.len());
    // Copy tabs from the source line so that the caret lines up whatever the tab width.
    let padding: String = line
        .chars()
        .take(location.column.saturating_sub(1) as usize)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let _ = writeln!(out, "{gutter} | {padding}^");
}

/// Suggests the candidate closest to `name` (for "did you mean `Counter`?" hints), or `None`
/// when nothing is close enough. Case differences count as half an edit.
pub fn suggest<I>(name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let limit = (name.chars().count().max(3) / 3).max(1) * 2;
    let mut best: Option<(usize, String)> = None;
    for candidate in candidates {
        let candidate = candidate.as_ref();
        if candidate == name {
            continue;
        }
        let distance = weighted_distance(name, candidate);
        if distance <= limit && best.as_ref().is_none_or(|(d, _)| distance < *d) {
            best = Some((distance, candidate.to_string()));
        }
    }
    best.map(|(_, s)| s)
}

/// Levenshtein distance in half-edits: substituting a letter by itself in another case costs 1,
/// any other edit 2.
fn weighted_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).map(|j| j * 2).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i * 2;
        for j in 1..=b.len() {
            let substitution = if a[i - 1] == b[j - 1] {
                0
            } else if a[i - 1].eq_ignore_ascii_case(&b[j - 1]) {
                1
            } else {
                2
            };
            current[j] = (previous[j - 1] + substitution).min(previous[j] + 2).min(current[j - 1] + 2);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_excerpt_caret_and_hint() {
        let d = Diagnostic::error("unknown element class 'Countr'", Some(Location::new("t.click", 2, 6)))
            .with_hint("did you mean `Counter`?")
            .with_note("declared here", Some(Location::new("t.click", 1, 1)));
        let text = "a :: Idle;\nb -> Countr -> c;\n";
        let out = render_diagnostics(&[d], &[("t.click", text)]);
        assert_eq!(
            out,
            "t.click:2:6: error: unknown element class 'Countr'\n\
             \x20  2 | b -> Countr -> c;\n\
             \x20    |      ^\n\
             t.click:1:1: note: declared here\n\
             \x20  1 | a :: Idle;\n\
             \x20    | ^\n\
             hint: did you mean `Counter`?\n"
        );
    }

    #[test]
    fn renders_without_source_or_location() {
        let d = Diagnostic::warning("something odd", None);
        assert_eq!(render_diagnostics(&[d], &[]), "warning: something odd\n");
        let d = Diagnostic::error("x", Some(Location::new("missing.click", 9, 1)));
        assert_eq!(d.render(&[]), "missing.click:9:1: error: x\n");
    }

    #[test]
    fn caret_follows_tabs() {
        let d = Diagnostic::error("x", Some(Location::new("f", 1, 3)));
        let out = d.render(&[("f", "\ta b")]);
        assert!(out.ends_with("     | \t ^\n"), "{out:?}");
    }

    #[test]
    fn suggests_close_names() {
        let classes = ["Counter", "Classifier", "Queue", "Discard"];
        assert_eq!(suggest("Countr", classes), Some("Counter".into()));
        assert_eq!(suggest("counter", classes), Some("Counter".into()));
        assert_eq!(suggest("Queu", classes), Some("Queue".into()));
        assert_eq!(suggest("Xyzzy", classes), None);
        assert_eq!(suggest("Queue", classes), None);
    }
}
