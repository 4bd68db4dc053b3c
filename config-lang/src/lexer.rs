//! Lexemes of the Click language, recognised with nom, and the on-demand lexer the parser
//! drives.
//!
//! Click's lexing is contextual: after a `(` that follows a class name, the text up to the
//! first unbalanced `)` is a configuration string, not tokens. So the parser asks for
//! either the next token or a configuration string.

use std::sync::Arc;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::char;
use nom::combinator::recognize;
use nom::multi::many0_count;
use nom::sequence::{pair, preceded};
use nom::{IResult, Parser};

use crate::diagnostic::Diagnostic;
use crate::graph::Location;

/// Kinds of tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Ident,
    /// `$name`; the token text includes the dollar sign.
    Variable,
    Arrow,
    DoubleArrow,
    ColonColon,
    BarBar,
    Ellipsis,
    Elementclass,
    Require,
    Provide,
    Define,
    /// Any other single character (`;`, `,`, `[`, `{`, ...).
    Char(char),
    Eof,
}

/// A token: kind, text and where it starts.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub kind: Tok,
    pub start: usize,
    pub end: usize,
    pub location: Location,
}

impl Token {
    pub fn is(&self, c: char) -> bool {
        self.kind == Tok::Char(c)
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '@'
}

/// `word(/word)*`: letters, digits, `_`, `@`, with single slashes between words.
pub(crate) fn identifier(i: &str) -> IResult<&str, &str> {
    recognize(pair(take_while1(is_word_char), many0_count(preceded(char('/'), take_while1(is_word_char))))).parse(i)
}

/// `$` followed by letters, digits and underscores (possibly none, which the parser rejects).
fn variable(i: &str) -> IResult<&str, &str> {
    recognize(preceded(char('$'), take_while(|c: char| c.is_ascii_alphanumeric() || c == '_'))).parse(i)
}

fn multi_char_punctuation(i: &str) -> IResult<&str, Tok> {
    alt((
        tag("->").map(|_| Tok::Arrow),
        tag("=>").map(|_| Tok::DoubleArrow),
        tag("::").map(|_| Tok::ColonColon),
        tag("||").map(|_| Tok::BarBar),
        tag("...").map(|_| Tok::Ellipsis),
    ))
    .parse(i)
}

/// A line directive after the `#`: `[line] N ["file"]`, returning N and the file name.
fn line_directive(i: &str) -> IResult<&str, (&str, Option<&str>)> {
    let blank = |i| take_while(|c| c == ' ' || c == '\t').parse(i);
    let (i, _) = blank(i)?;
    let (i, _) = nom::combinator::opt(pair(tag("line"), take_while1(|c| c == ' ' || c == '\t'))).parse(i)?;
    let (i, number) = take_while1(|c: char| c.is_ascii_digit()).parse(i)?;
    let (i, _) = blank(i)?;
    let (i, file) = nom::combinator::opt(preceded(
        char('"'),
        recognize(many0_count(alt((
            recognize(pair(char('\\'), nom::character::complete::none_of("\r\n"))),
            recognize(nom::character::complete::none_of("\"\\\r\n")),
        )))),
    ))
    .parse(i)?;
    Ok((i, (number, file)))
}

/// Where line directives changed file names and line numbers.
#[derive(Clone, Debug)]
struct LineMapping {
    /// First physical line (1-based) the mapping applies to.
    physical_line: u32,
    /// The logical line number of that physical line.
    logical_line: u32,
    file: Arc<str>,
}

/// The lexer: a position in the source, a pushback stack and location bookkeeping.
pub(crate) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    pushback: Vec<Token>,
    original_file: Arc<str>,
    mappings: Vec<LineMapping>,
    /// Byte offsets of the starts of lines seen so far (physical line n starts at line_starts[n-1]).
    line_starts: Vec<usize>,
    /// Cache for column computation: (byte position, column) on the line of the last location.
    column_cache: (usize, u32),
    pub diagnostics: Vec<Diagnostic>,
}

/// The bytes that may start something inside a configuration string (a parenthesis, a
/// line directive, a comment, a quote, hex data); the others are skipped in runs.
static CONFIG_STRING_STOPS: [bool; 256] = {
    let mut t = [false; 256];
    let stops = b"()#/'\"\\";
    let mut i = 0;
    while i < stops.len() {
        t[stops[i] as usize] = true;
        i += 1;
    }
    t
};

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str, file: &str) -> Self {
        let file: Arc<str> = Arc::from(file);
        // Line ends are ASCII bytes, which never occur inside a UTF-8 sequence: bytes suffice
        // (a 100,000-route configuration is megabytes).
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        line_starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|&(i, &c)| c == b'\n' || (c == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
                .map(|(i, _)| i + 1),
        );
        Lexer {
            text,
            pos: 0,
            pushback: Vec::new(),
            original_file: file.clone(),
            mappings: vec![LineMapping { physical_line: 1, logical_line: 1, file }],
            line_starts,
            column_cache: (0, 1),
            diagnostics: Vec::new(),
        }
    }

    /// The location of byte offset `pos`, honouring line directives seen so far.
    pub fn location(&mut self, pos: usize) -> Location {
        let pos = pos.min(self.text.len());
        let physical_index = self.line_starts.partition_point(|&s| s <= pos) - 1;
        let line_start = self.line_starts[physical_index];
        // Columns count characters; tokens arrive mostly in order, so count on from the
        // previous location when it is on the same line.
        let (cached_pos, cached_column) = self.column_cache;
        let column = if cached_pos >= line_start && cached_pos <= pos {
            cached_column + self.text[cached_pos..pos].chars().count() as u32
        } else {
            1 + self.text[line_start..pos].chars().count() as u32
        };
        self.column_cache = (pos, column);
        let physical_line = physical_index as u32 + 1;
        // Mappings are added in source order, so they are sorted by physical line.
        let index = self.mappings.partition_point(|m| m.physical_line <= physical_line);
        let mapping = &self.mappings[index.saturating_sub(1)];
        Location {
            file: mapping.file.clone(),
            line: (mapping.logical_line + (physical_line - mapping.physical_line)).max(1),
            column,
        }
    }

    fn error(&mut self, message: impl Into<String>, pos: usize) {
        let location = self.location(pos);
        self.diagnostics.push(Diagnostic::error(message, Some(location)));
    }

    pub fn unlex(&mut self, token: Token) {
        self.pushback.push(token);
    }

    pub fn peek(&mut self) -> Token {
        let token = self.next();
        self.unlex(token.clone());
        token
    }

    /// The token text.
    pub fn slice(&self, token: &Token) -> &'a str {
        &self.text[token.start..token.end]
    }

    fn at_line_start(&self, pos: usize) -> bool {
        pos == 0 || matches!(self.text.as_bytes()[pos - 1], b'\n' | b'\r')
    }

    /// Skips a `//` comment's body starting at `pos` (after the `//`), returning the position
    /// after the line end.
    fn skip_line(&self, pos: usize) -> usize {
        let rest = &self.text[pos..];
        match rest.find(['\n', '\r']) {
            Some(i) => {
                let bytes = rest.as_bytes();
                if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') { pos + i + 2 } else { pos + i + 1 }
            }
            None => self.text.len(),
        }
    }

    /// Skips a `/* */` comment body starting after the `/*`.
    fn skip_slash_star(&mut self, pos: usize) -> usize {
        match self.text[pos..].find("*/") {
            Some(i) => pos + i + 2,
            None => {
                let location = self.location(pos - 2);
                self.diagnostics.push(Diagnostic::warning("unterminated '/*' comment", Some(location)));
                self.text.len()
            }
        }
    }

    /// Processes a line directive starting at `pos` (the `#`); returns the position after it.
    fn process_line_directive(&mut self, pos: usize) -> usize {
        let line_end = self.skip_line(pos);
        match line_directive(&self.text[pos + 1..]) {
            Ok((_, (number, file))) => {
                let physical_line = self.line_starts.partition_point(|&s| s <= pos) as u32;
                let file = match file {
                    Some("") => self.original_file.clone(),
                    Some(name) => Arc::from(unescape_file_name(name)),
                    None => self.mappings.last().expect("initial mapping").file.clone(),
                };
                self.mappings.push(LineMapping {
                    physical_line: physical_line + 1,
                    logical_line: number.parse().unwrap_or(u32::MAX / 2),
                    file,
                });
            }
            Err(_) => self.error("unknown preprocessor directive", pos),
        }
        line_end
    }

    /// Skips whitespace, comments and line directives from `pos`.
    fn skip_blank(&mut self, mut pos: usize) -> usize {
        let bytes = self.text.as_bytes();
        loop {
            while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
            if pos + 1 < bytes.len() && bytes[pos] == b'/' && bytes[pos + 1] == b'/' {
                pos = self.skip_line(pos + 2);
            } else if pos + 1 < bytes.len() && bytes[pos] == b'/' && bytes[pos + 1] == b'*' {
                pos = self.skip_slash_star(pos + 2);
            } else if pos < bytes.len() && bytes[pos] == b'#' && self.at_line_start(pos) {
                pos = self.process_line_directive(pos);
            } else {
                return pos;
            }
        }
    }

    pub fn next(&mut self) -> Token {
        if let Some(token) = self.pushback.pop() {
            return token;
        }
        let start = self.skip_blank(self.pos);
        let rest = &self.text[start..];
        let (kind, len) = if rest.is_empty() {
            (Tok::Eof, 0)
        } else if let Ok((after, word)) = identifier(rest) {
            let kind = match word {
                "elementclass" => Tok::Elementclass,
                "require" => Tok::Require,
                "provide" => Tok::Provide,
                "define" => Tok::Define,
                _ => Tok::Ident,
            };
            (kind, rest.len() - after.len())
        } else if let Ok((after, _)) = variable(rest) {
            (Tok::Variable, rest.len() - after.len())
        } else if let Ok((after, kind)) = multi_char_punctuation(rest) {
            (kind, rest.len() - after.len())
        } else {
            let c = rest.chars().next().expect("nonempty");
            (Tok::Char(c), c.len_utf8())
        };
        self.pos = start + len;
        let location = self.location(start);
        Token { kind, start, end: start + len, location }
    }

    /// Reads a configuration string: called after the opening `(` was returned by
    /// [`Lexer::next`]. Runs to the first unbalanced `)`, which is left for the caller; quotes,
    /// comments and `\<...>` data do not count for balancing. Line directives at the start of
    /// a line are processed and removed, as Click does. Returns `None` (and leaves the lexer at
    /// the end of the input) if the string is not closed.
    pub fn config_string(&mut self) -> Option<String> {
        // A peeked token after the parenthesis belongs to the configuration string.
        if let Some(first) = self.pushback.drain(..).min_by_key(|t| t.start) {
            self.pos = first.start;
        }
        let bytes = self.text.as_bytes();
        let mut depth = 1usize;
        let mut pos = self.pos;
        let mut piece_start = pos;
        let mut result = String::new();
        while pos < bytes.len() {
            match bytes[pos] {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        result.push_str(&self.text[piece_start..pos]);
                        self.pos = pos;
                        return Some(result);
                    }
                }
                b'#' if pos > 0 && matches!(bytes[pos - 1], b'\n' | b'\r') => {
                    result.push_str(&self.text[piece_start..pos]);
                    let after = self.process_line_directive(pos);
                    // Keep the line end that ended the directive, as Click does.
                    let keep_from = self.text[pos..after].find(['\n', '\r']).map_or(after, |i| pos + i);
                    piece_start = keep_from;
                    pos = after;
                    continue;
                }
                b'/' if bytes.get(pos + 1) == Some(&b'/') => {
                    pos = self.skip_line(pos + 2);
                    continue;
                }
                b'/' if bytes.get(pos + 1) == Some(&b'*') => {
                    pos = self.skip_slash_star(pos + 2);
                    continue;
                }
                quote @ (b'\'' | b'"') => {
                    pos = self.skip_quote(pos + 1, quote);
                    continue;
                }
                b'\\' if bytes.get(pos + 1) == Some(&b'<') => {
                    pos = self.skip_backslash_angle(pos + 2);
                    continue;
                }
                _ => {
                    // A run of bytes that start nothing at once, up to the next that may.
                    pos += 1 + bytes[pos + 1..]
                        .iter()
                        .position(|&c| CONFIG_STRING_STOPS[usize::from(c)])
                        .unwrap_or(bytes.len() - pos - 1);
                    continue;
                }
            }
            pos += 1;
        }
        self.pos = bytes.len();
        None
    }

    fn skip_quote(&mut self, mut pos: usize, quote: u8) -> usize {
        let bytes = self.text.as_bytes();
        while pos < bytes.len() {
            match bytes[pos] {
                b'\\' if quote == b'"' && pos + 1 < bytes.len() => {
                    if bytes[pos + 1] == b'<' {
                        pos = self.skip_backslash_angle(pos + 2);
                        continue;
                    }
                    pos += 2;
                    continue;
                }
                c if c == quote => return pos + 1,
                _ => pos += 1,
            }
        }
        bytes.len()
    }

    /// Skips `\<...>` data after the `\<`; the data may contain comments.
    fn skip_backslash_angle(&mut self, mut pos: usize) -> usize {
        let bytes = self.text.as_bytes();
        while pos < bytes.len() {
            match bytes[pos] {
                b'/' if bytes.get(pos + 1) == Some(&b'/') => pos = self.skip_line(pos + 2),
                b'/' if bytes.get(pos + 1) == Some(&b'*') => pos = self.skip_slash_star(pos + 2),
                b'>' => return pos + 1,
                _ => pos += 1,
            }
        }
        bytes.len()
    }

    /// The current byte position (after the last token or configuration string).
    pub fn position(&self) -> usize {
        self.pushback.iter().map(|t| t.start).min().unwrap_or(self.pos)
    }
}

/// True if `text` reads back as exactly one configuration string: balanced parentheses
/// outside quotes and comments, closed quotes, no line directives. Variable substitution can
/// break this (a value with a quote), and then the flat form would not parse back.
pub(crate) fn is_self_contained_config(text: &str) -> bool {
    let closed = format!("{text})");
    let mut lexer = Lexer::new(&closed, "");
    lexer.config_string().as_deref() == Some(text) && lexer.position() == text.len()
}

fn unescape_file_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Tok, String)> {
        let mut lexer = Lexer::new(text, "t");
        let mut out = Vec::new();
        loop {
            let t = lexer.next();
            if t.kind == Tok::Eof {
                return out;
            }
            out.push((t.kind, lexer.slice(&t).to_string()));
        }
    }

    #[test]
    fn identifiers_stop_at_double_slash_and_trailing_slash() {
        let toks = kinds("an/identifier/with/slashes//too/many\nx/ y@3");
        assert_eq!(
            toks,
            vec![
                (Tok::Ident, "an/identifier/with/slashes".into()),
                (Tok::Ident, "x".into()),
                (Tok::Char('/'), "/".into()),
                (Tok::Ident, "y@3".into()),
            ]
        );
    }

    #[test]
    fn punctuation_keywords_and_variables() {
        let toks = kinds("a->b=>c::D || ... elementclass require provide define $x ${");
        let k: Vec<Tok> = toks.iter().map(|t| t.0).collect();
        assert_eq!(
            k,
            vec![
                Tok::Ident,
                Tok::Arrow,
                Tok::Ident,
                Tok::DoubleArrow,
                Tok::Ident,
                Tok::ColonColon,
                Tok::Ident,
                Tok::BarBar,
                Tok::Ellipsis,
                Tok::Elementclass,
                Tok::Require,
                Tok::Provide,
                Tok::Define,
                Tok::Variable,
                Tok::Variable,
                Tok::Char('{'),
            ]
        );
    }

    #[test]
    fn locations_count_lines_columns_and_directives() {
        let mut lexer = Lexer::new("a\n  bb é c\n# 10 \"other.click\"\nd\n#line 3\ne", "t.click");
        let locs: Vec<String> = (0..6).map(|_| lexer.next().location.to_string()).collect();
        assert_eq!(
            locs,
            ["t.click:1:1", "t.click:2:3", "t.click:2:6", "t.click:2:8", "other.click:10:1", "other.click:3:1"]
        );
    }

    /// `config_string` looking at every byte (before it skipped runs of plain ones): the
    /// model the real one is checked against.
    fn config_string_byte_by_byte(lexer: &mut Lexer<'_>) -> Option<String> {
        let bytes = lexer.text.as_bytes();
        let (mut depth, mut pos) = (1usize, lexer.pos);
        let (mut piece_start, mut result) = (pos, String::new());
        while pos < bytes.len() {
            match bytes[pos] {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        result.push_str(&lexer.text[piece_start..pos]);
                        return Some(result);
                    }
                }
                b'#' if pos > 0 && matches!(bytes[pos - 1], b'\n' | b'\r') => {
                    result.push_str(&lexer.text[piece_start..pos]);
                    let after = lexer.process_line_directive(pos);
                    piece_start = lexer.text[pos..after].find(['\n', '\r']).map_or(after, |i| pos + i);
                    pos = after;
                    continue;
                }
                b'/' if bytes.get(pos + 1) == Some(&b'/') => {
                    pos = lexer.skip_line(pos + 2);
                    continue;
                }
                b'/' if bytes.get(pos + 1) == Some(&b'*') => {
                    pos = lexer.skip_slash_star(pos + 2);
                    continue;
                }
                quote @ (b'\'' | b'"') => {
                    pos = lexer.skip_quote(pos + 1, quote);
                    continue;
                }
                b'\\' if bytes.get(pos + 1) == Some(&b'<') => {
                    pos = lexer.skip_backslash_angle(pos + 2);
                    continue;
                }
                _ => {}
            }
            pos += 1;
        }
        None
    }

    proptest::proptest! {
        #[test]
        fn config_strings_skip_runs_as_byte_by_byte(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "a", "10.0.0.0/8 1", ",", " ", "\n", "\r", "(", ")", "#", "# 3 \"f\"\n", "/", "//", "/*", "*/",
                "'", "\"", "\\", "\\<", ">", "é", "\t",
            ]), 0..30)
        ) {
            let text: String = parts.concat();
            let mut quick = Lexer::new(&text, "t");
            let mut model = Lexer::new(&text, "t");
            proptest::prop_assert_eq!(quick.config_string(), config_string_byte_by_byte(&mut model), "{:?}", text);
        }
    }

    #[test]
    fn config_strings_balance_parens_quotes_comments_and_data() {
        let cases = [
            ("simple string)", "simple string"),
            ("string with (balanced parens))", "string with (balanced parens)"),
            ("string with \")quoted\" paren)", "string with \")quoted\" paren"),
            ("// end-of-line comment)\n still going!)", "// end-of-line comment)\n still going!"),
            ("/* slash-star comment) */ and backslash \\)", "/* slash-star comment) */ and backslash \\"),
            ("\\<48 /* ) */ 45 // )\n>, 'a)')", "\\<48 /* ) */ 45 // )\n>, 'a)'"),
            ("a\n# 5 \"x\"\nb)", "a\n\nb"),
        ];
        for (input, expected) in cases {
            let mut lexer = Lexer::new(input, "t");
            assert_eq!(lexer.config_string().as_deref(), Some(expected), "{input}");
            assert!(lexer.next().is(')'));
        }
        let mut lexer = Lexer::new("unclosed (", "t");
        assert_eq!(lexer.config_string(), None);
    }
}
