//! Recursive-descent parser from tokens to the [`ast`](crate::ast).
//!
//! The grammar is Click's (doc/click.5), including its implicit `input`/`output` rules
//! inside compounds and groups. Errors are collected and parsing continues: after a syntax
//! error the parser skips to the next `;` (or the end of the enclosing braces) and goes on.
//! Nesting of groups and compounds is bounded so that no input can exhaust the stack.

use std::rc::Rc;

use crate::ast::*;
use crate::confstr::{first_word, split_arguments};
use crate::diagnostic::Diagnostic;
use crate::graph::Location;
use crate::lexer::{Lexer, Tok, Token};

/// Maximum nesting of groups and compound classes.
pub const MAX_NESTING: usize = 256;

/// Largest port number accepted (bounds the work `[0-N]` ranges can cause).
pub const MAX_PORT: u32 = 65_535;

/// What ends the statements being parsed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Terminator {
    EndOfFile,
    /// `}` or `||`.
    Compound,
    /// `)`.
    Group,
}

pub(crate) struct Parser<'a> {
    lexer: Lexer<'a>,
    depth: usize,
    last_connection_ends_output: bool,
}

/// Parses `text` (named `file` in locations) into a program and its diagnostics (errors and
/// warnings, in source order).
pub(crate) fn parse_program(text: &str, file: &str) -> (Program, Vec<Diagnostic>) {
    let mut parser = Parser { lexer: Lexer::new(text, file), depth: 0, last_connection_ends_output: true };
    let statements = parser.statements(Terminator::EndOfFile);
    (Program { statements }, parser.lexer.diagnostics)
}

impl<'a> Parser<'a> {
    fn error(&mut self, message: impl Into<String>, location: &Location) {
        self.lexer.diagnostics.push(Diagnostic::error(message, Some(location.clone())));
    }

    fn warning(&mut self, message: impl Into<String>, location: &Location) {
        self.lexer.diagnostics.push(Diagnostic::warning(message, Some(location.clone())));
    }

    fn describe(&self, token: &Token) -> String {
        match token.kind {
            Tok::Eof => "end of file".to_string(),
            _ => format!("'{}'", self.lexer.slice(token)),
        }
    }

    fn syntax_error(&mut self, token: &Token) {
        let message = format!("syntax error near {}", self.describe(token));
        self.error(message, &token.location);
    }

    /// Consumes the next token if it is the character `c`; otherwise reports `expected 'c'`
    /// (unless `quiet`) and leaves it.
    fn expect(&mut self, c: char, quiet: bool) -> bool {
        let token = self.lexer.next();
        if token.is(c) {
            return true;
        }
        if !quiet {
            let message = format!("expected '{c}'");
            self.error(message, &token.location);
        }
        self.lexer.unlex(token);
        false
    }

    /// Skips to just after the next `;` at this nesting level, or to a closing token of the
    /// enclosing construct (left unread), after a syntax error.
    fn recover(&mut self, terminator: Terminator) {
        let mut braces = 0usize;
        loop {
            let token = self.lexer.next();
            match token.kind {
                Tok::Eof => {
                    self.lexer.unlex(token);
                    return;
                }
                Tok::Char(';') if braces == 0 => return,
                Tok::Char('{') => braces += 1,
                Tok::Char('}') | Tok::BarBar if braces == 0 && terminator == Terminator::Compound => {
                    self.lexer.unlex(token);
                    return;
                }
                // A stray `}` at the top level is skipped like any other token.
                Tok::Char('}') => braces = braces.saturating_sub(1),
                Tok::Char(')') if braces == 0 && terminator == Terminator::Group => {
                    self.lexer.unlex(token);
                    return;
                }
                Tok::Char('(') => {
                    // Whatever the parenthesis holds (config string or group), skip it whole.
                    let _ = self.lexer.config_string();
                    let _ = self.expect(')', true);
                }
                _ => {}
            }
        }
    }

    fn statements(&mut self, terminator: Terminator) -> Vec<Statement> {
        let mut statements = Vec::new();
        loop {
            let token = self.lexer.next();
            match token.kind {
                Tok::Ident | Tok::Char('[') | Tok::Char('{') | Tok::Char('(') | Tok::Arrow | Tok::DoubleArrow => {
                    self.lexer.unlex(token);
                    if let Some(chain) = self.connection(terminator) {
                        statements.push(Statement::Connection(chain));
                    }
                }
                Tok::Elementclass => {
                    if let Some(def) = self.elementclass(token.location) {
                        statements.push(Statement::ElementClass(def));
                    }
                }
                Tok::Require => {
                    if let Some(config) = self.parenthesized(&token) {
                        let requirements =
                            split_arguments(&config.text).into_iter().filter(|r| !r.is_empty()).collect();
                        statements.push(Statement::Require(Require { requirements, location: token.location }));
                    }
                }
                Tok::Define => {
                    if let Some(config) = self.parenthesized(&token) {
                        let definitions = self.definitions(&config);
                        statements.push(Statement::Define(Define { definitions, location: token.location }));
                    }
                }
                Tok::Char(';') => {}
                Tok::Char('}') | Tok::BarBar if terminator == Terminator::Compound => {
                    self.lexer.unlex(token);
                    return statements;
                }
                Tok::Char(')') if terminator == Terminator::Group => {
                    self.lexer.unlex(token);
                    return statements;
                }
                Tok::Eof => {
                    match terminator {
                        Terminator::EndOfFile => {}
                        Terminator::Compound => self.error("expected '}'", &token.location),
                        Terminator::Group => self.error("expected ')'", &token.location),
                    }
                    self.lexer.unlex(token);
                    return statements;
                }
                _ => {
                    self.syntax_error(&token);
                    self.recover(terminator);
                }
            }
        }
    }

    /// `(config)` after `require` or `define`.
    fn parenthesized(&mut self, keyword: &Token) -> Option<ConfigString> {
        if !self.expect('(', false) {
            return None;
        }
        let config = self.config_string(&keyword.location)?;
        Some(config)
    }

    /// Reads a configuration string after a consumed `(` at `open`, and its `)`.
    fn config_string(&mut self, open: &Location) -> Option<ConfigString> {
        let start = self.lexer.position();
        let location = self.lexer.location(start);
        match self.lexer.config_string() {
            Some(text) => {
                self.lexer.next(); // the ')'
                Some(ConfigString { text, location })
            }
            None => {
                self.lexer.diagnostics.push(
                    Diagnostic::error("unclosed '(': configuration string runs to end of file", Some(open.clone()))
                        .with_hint("configuration strings end at the first unbalanced ')'; check quotes and comments"),
                );
                None
            }
        }
    }

    /// The pairs of a `define(...)`.
    fn definitions(&mut self, config: &ConfigString) -> Vec<(String, String)> {
        let mut definitions: Vec<(String, String)> = Vec::new();
        for argument in split_arguments(&config.text) {
            if argument.is_empty() {
                continue;
            }
            let (variable, value) = first_word(&argument);
            let name = variable
                .strip_prefix('$')
                .filter(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'));
            match name {
                None => {
                    self.error(format!("bad 'define' declaration: '{variable}' is not a variable"), &config.location)
                }
                Some(name) if definitions.iter().any(|(n, _)| n == name) => {
                    self.error(format!("parameter '${name}' multiply defined"), &config.location)
                }
                Some(name) => definitions.push((name.to_string(), value.to_string())),
            }
        }
        definitions
    }

    fn elementclass(&mut self, location: Location) -> Option<ElementClassDef> {
        let name_token = self.lexer.next();
        if name_token.kind != Tok::Ident {
            self.error("expected element class name", &name_token.location);
            self.lexer.unlex(name_token);
            self.recover(Terminator::EndOfFile);
            return None;
        }
        let name = Ident { name: self.lexer.slice(&name_token).to_string(), location: name_token.location };
        let next = self.lexer.next();
        let definition = match next.kind {
            Tok::Char('{') => ClassDefinition::Compound(Rc::new(self.compound(Some(&name), next.location)?)),
            Tok::Ident => {
                ClassDefinition::Synonym(Ident { name: self.lexer.slice(&next).to_string(), location: next.location })
            }
            _ => {
                self.syntax_error(&next);
                self.lexer.unlex(next);
                return None;
            }
        };
        Some(ElementClassDef { name, definition, location })
    }

    /// Enters a nested construct; false (with an error) if nesting is too deep.
    fn enter_nesting(&mut self, location: &Location) -> bool {
        if self.depth >= MAX_NESTING {
            self.error(format!("groups and compound elements nested too deeply (limit {MAX_NESTING})"), location);
            return false;
        }
        self.depth += 1;
        true
    }

    /// Skips the rest of a construct opened by `open` without recursion, after a nesting error.
    fn skip_nested(&mut self, open: char) {
        let close = if open == '{' { '}' } else { ')' };
        let mut depth = 1usize;
        loop {
            let token = self.lexer.next();
            match token.kind {
                Tok::Eof => return,
                Tok::Char(c) if c == open => depth += 1,
                Tok::Char(c) if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// A compound class after its `{`: overloads separated by `||`, optionally ending with
    /// `|| ...`.
    fn compound(&mut self, name: Option<&Ident>, location: Location) -> Option<CompoundClass> {
        if !self.enter_nesting(&location) {
            self.skip_nested('{');
            return None;
        }
        let saved_last_output = self.last_connection_ends_output;
        let mut overloads = Vec::new();
        let mut extends_previous = false;
        loop {
            let token = self.lexer.next();
            if token.kind == Tok::Ellipsis {
                if name.is_none() {
                    self.error("cannot extend anonymous compound element class", &token.location);
                } else {
                    extends_previous = true;
                }
                let after = self.lexer.next();
                if overloads.is_empty() || !after.is('}') {
                    self.error("'...' should occur last, after one or more compounds", &token.location);
                }
                if after.is('}') && !overloads.is_empty() {
                    break;
                }
                self.lexer.unlex(after);
            } else {
                self.lexer.unlex(token);
            }
            let body_location = self.lexer.peek().location;
            self.last_connection_ends_output = true;
            let formals = self.formals();
            let statements = self.statements(Terminator::Compound);
            overloads.push(CompoundBody { formals, statements, location: body_location });
            let end = self.lexer.next();
            match end.kind {
                Tok::BarBar => continue,
                Tok::Char('}') => break,
                _ => {
                    // End of file: already reported by `statements`.
                    self.lexer.unlex(end);
                    break;
                }
            }
        }
        self.depth -= 1;
        self.last_connection_ends_output = saved_last_output;
        Some(CompoundClass { overloads, extends_previous, location })
    }

    /// `$a, KEYWORD $b, __REST__ $c |`, or nothing.
    fn formals(&mut self) -> Vec<Formal> {
        let mut formals: Vec<Formal> = Vec::new();
        let mut order_error = false;
        loop {
            let first = self.lexer.next();
            let (keyword, variable) = match first.kind {
                Tok::Ident => {
                    let second = self.lexer.next();
                    if second.kind == Tok::Variable {
                        (Some(self.lexer.slice(&first).to_string()), second)
                    } else {
                        if !formals.is_empty() {
                            self.error("expected variable", &second.location);
                        }
                        self.lexer.unlex(second);
                        self.lexer.unlex(first);
                        break;
                    }
                }
                Tok::Variable => (None, first.clone()),
                Tok::Char('|') => break,
                _ => {
                    if !formals.is_empty() {
                        self.error("expected variable", &first.location);
                    }
                    self.lexer.unlex(first);
                    break;
                }
            };
            let name = self.lexer.slice(&variable)[1..].to_string();
            if name.is_empty() {
                self.error("expected variable name after '$'", &variable.location);
            } else if formals.iter().any(|f| f.name == name) {
                self.error(format!("parameter '${name}' multiply defined"), &first.location);
            } else {
                if let Some(k) = &keyword
                    && formals.iter().any(|f| f.keyword.as_ref() == Some(k))
                {
                    self.error(format!("repeated keyword parameter '{k}' in compound element"), &first.location);
                }
                if let Some(previous) = formals.last()
                    && !order_error
                    && ((keyword.is_none() && previous.keyword.is_some())
                        || previous.keyword.as_deref() == Some("__REST__"))
                {
                    self.lexer.diagnostics.push(
                        Diagnostic::error("compound element parameters out of order", Some(first.location.clone()))
                            .with_hint("the correct order is '[positional], [keywords], [__REST__]'"),
                    );
                    order_error = true;
                }
                formals.push(Formal { keyword, name, location: first.location.clone() });
            }
            let separator = self.lexer.next();
            if separator.is('|') {
                break;
            } else if !separator.is(',') {
                self.error("expected ',' or '|'", &separator.location);
                self.lexer.unlex(separator);
                break;
            }
        }
        formals
    }

    /// A group after its `(`.
    fn group(&mut self, location: Location) -> Option<Group> {
        if !self.enter_nesting(&location) {
            self.skip_nested('(');
            return None;
        }
        let saved_last_output = self.last_connection_ends_output;
        self.last_connection_ends_output = true;
        let statements = self.statements(Terminator::Group);
        let _ = self.expect(')', true);
        self.depth -= 1;
        self.last_connection_ends_output = saved_last_output;
        Some(Group { statements, location })
    }

    /// `[0]`, `[0, 1]`, `[0-2]`, `[1-]`, `[]` if the next token is `[`.
    fn ports(&mut self) -> Option<PortSpec> {
        let open = self.lexer.next();
        if !open.is('[') {
            self.lexer.unlex(open);
            return None;
        }
        let mut spec = PortSpec { ports: Vec::new(), expandable: false, location: open.location };
        let mut last: Option<u32> = None;
        let mut dash = false;
        loop {
            let token = self.lexer.next();
            if token.kind == Tok::Ident {
                let port = match parse_port(self.lexer.slice(&token)) {
                    Some(port) if port <= MAX_PORT => port,
                    Some(_) => {
                        self.error(format!("port number too large (limit {MAX_PORT})"), &token.location);
                        0
                    }
                    None => {
                        self.error("syntax error: port number should be integer", &token.location);
                        0
                    }
                };
                if dash {
                    let from = last.map_or(0, |l| l + 1);
                    spec.ports.extend(from..=port);
                } else {
                    spec.ports.push(port);
                }
                last = Some(port);
            } else if token.is(']') {
                if spec.ports.is_empty() {
                    spec.ports.push(0);
                }
                spec.expandable = true;
                break;
            } else {
                self.error("syntax error: expected port number", &token.location);
                self.lexer.unlex(token);
                break;
            }
            let token = self.lexer.next();
            if token.is(']') {
                break;
            } else if token.is('-') && !dash {
                dash = true;
            } else if token.is(',') {
                dash = false;
            } else {
                self.error("syntax error: expected ','", &token.location);
                self.lexer.unlex(token);
            }
        }
        Some(spec)
    }

    /// A whole connection statement (or declaration).
    fn connection(&mut self, terminator: Terminator) -> Option<ConnectionChain> {
        let location = self.lexer.peek().location;
        let mut sections: Vec<ElementList> = Vec::new();
        let mut arrows: Vec<Arrow> = Vec::new();
        loop {
            let in_allowed = !sections.is_empty();
            match self.element_list(in_allowed) {
                Some(list) => sections.push(list),
                None => {
                    if sections.is_empty() {
                        self.recover(terminator);
                        return None;
                    }
                    // `a -> ;`: a dangling arrow, which Click silently drops.
                    let arrow = arrows.pop().expect("an arrow precedes a later section");
                    self.warning("connection ends with an arrow", &arrow.location);
                    break;
                }
            }
            let token = loop {
                let token = self.lexer.next();
                if matches!(token.kind, Tok::Char(',') | Tok::ColonColon) {
                    let message = format!("syntax error before {}", self.describe(&token));
                    self.error(message, &token.location);
                    continue;
                }
                break token;
            };
            match token.kind {
                Tok::Arrow | Tok::DoubleArrow => arrows.push(Arrow {
                    kind: if token.kind == Tok::Arrow { ArrowKind::Simple } else { ArrowKind::ManyToMany },
                    location: token.location,
                }),
                Tok::Char(';') | Tok::Eof => {
                    if token.kind == Tok::Eof {
                        self.lexer.unlex(token);
                    }
                    break;
                }
                Tok::Ident
                | Tok::Char('{' | '}' | '[' | ')')
                | Tok::BarBar
                | Tok::Elementclass
                | Tok::Require
                | Tok::Provide
                | Tok::Define => {
                    self.lexer.unlex(token);
                    break;
                }
                _ => {
                    self.syntax_error(&token);
                    self.recover(terminator);
                    break;
                }
            }
        }
        let last = sections.last().expect("at least one section");
        self.last_connection_ends_output = last.items.len() == 1
            && match &last.items[0].target {
                ElementTarget::Implicit(Pseudo::Output) => true,
                ElementTarget::Name { name, .. } => name.name == "output",
                _ => false,
            };
        let mut chain = ConnectionChain { sections, arrows, location };
        spread_multiple_declaration(&mut chain);
        Some(chain)
    }

    /// A comma-separated element list. `in_allowed`: this list follows an arrow.
    fn element_list(&mut self, in_allowed: bool) -> Option<ElementList> {
        let mut list = ElementList::default();
        let mut any_implicit = false;
        loop {
            let inputs = self.ports();
            let token = self.lexer.next();
            let location = token.location.clone();
            let nested = self.depth > 0;
            let target = match token.kind {
                Tok::Ident => {
                    let name = Ident { name: self.lexer.slice(&token).to_string(), location: token.location.clone() };
                    self.named_element(name)
                }
                Tok::Char('{') => {
                    let class = self.compound(None, token.location.clone());
                    let config = self.optional_config();
                    match class {
                        Some(class) => ElementTarget::AnonymousCompound { class: Rc::new(class), config },
                        None => placeholder_group(&token.location),
                    }
                }
                Tok::Char('(') => match self.group(token.location.clone()) {
                    Some(group) => ElementTarget::Group(group),
                    None => placeholder_group(&token.location),
                },
                _ => {
                    let has_inputs = inputs.is_some();
                    let first = list.items.is_empty();
                    let is_arrow = matches!(token.kind, Tok::Arrow | Tok::DoubleArrow);
                    let implicit = if nested && is_arrow {
                        let implicit = !in_allowed && (has_inputs || first);
                        if implicit && !has_inputs && !self.last_connection_ends_output {
                            let arrow = self.lexer.slice(&token).to_string();
                            self.warning(
                                format!("suggest 'input {arrow}' or '[0] {arrow}' to start connection"),
                                &token.location,
                            );
                        }
                        implicit
                    } else if nested && token.is(',') {
                        has_inputs
                    } else if nested && token.kind != Tok::ColonColon {
                        in_allowed && (has_inputs || first)
                    } else {
                        false
                    };
                    if implicit {
                        any_implicit = true;
                        self.lexer.unlex(token);
                        let (pseudo, inputs, outputs) =
                            if in_allowed { (Pseudo::Output, inputs, None) } else { (Pseudo::Input, None, inputs) };
                        list.items.push(ElementUse {
                            inputs,
                            target: ElementTarget::Implicit(pseudo),
                            outputs,
                            location,
                        });
                        if self.comma() {
                            continue;
                        }
                        break;
                    }
                    if let Some(ports) = &inputs {
                        self.error("stranded port ignored", &ports.location);
                    }
                    if first {
                        if !in_allowed {
                            self.syntax_error(&token);
                        }
                        // Recovery (or the caller) starts again at this token.
                        self.lexer.unlex(token);
                        return None;
                    }
                    self.lexer.unlex(token);
                    break;
                }
            };
            let outputs = self.ports();
            list.items.push(ElementUse { inputs, target, outputs, location });
            if !self.comma() {
                break;
            }
        }
        if any_implicit && in_allowed {
            let next = self.lexer.peek();
            if matches!(next.kind, Tok::Arrow | Tok::DoubleArrow) {
                self.error("implicit ports used in the middle of a chain", &next.location);
            }
        }
        Some(list)
    }

    fn comma(&mut self) -> bool {
        let token = self.lexer.next();
        if token.is(',') {
            true
        } else {
            self.lexer.unlex(token);
            false
        }
    }

    fn optional_config(&mut self) -> Option<ConfigString> {
        let token = self.lexer.next();
        if token.is('(') {
            self.config_string(&token.location)
        } else {
            self.lexer.unlex(token);
            None
        }
    }

    /// `name`, `name(config)`, `name :: Class(config)`, `name :: { ... }(config)`.
    fn named_element(&mut self, name: Ident) -> ElementTarget {
        let token = self.lexer.next();
        if token.kind != Tok::ColonColon {
            self.lexer.unlex(token);
            let config = self.optional_config();
            return ElementTarget::Name { name, config };
        }
        let class_token = self.lexer.next();
        let class = match class_token.kind {
            Tok::Ident => ClassRef::Named(Ident {
                name: self.lexer.slice(&class_token).to_string(),
                location: class_token.location,
            }),
            Tok::Char('{') => match self.compound(None, class_token.location) {
                Some(class) => ClassRef::Compound(Rc::new(class)),
                None => ClassRef::Named(name.clone()),
            },
            _ => {
                self.error("missing element type in declaration", &class_token.location);
                self.lexer.unlex(class_token);
                ClassRef::Named(name.clone())
            }
        };
        let config = self.optional_config();
        ElementTarget::Declaration { name, class, config }
    }
}

/// The placeholder for an element whose nested construct was rejected (too deep): an empty
/// group, which elaboration turns into nothing.
fn placeholder_group(location: &Location) -> ElementTarget {
    ElementTarget::Group(Group { statements: Vec::new(), location: location.clone() })
}

/// Port numbers are decimal, or hexadecimal with `0x`.
fn parse_port(text: &str) -> Option<u32> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        u32::from_str_radix(hex, 16).ok()
    } else {
        text.parse().ok()
    }
}

/// `a, b, c :: Class(config)`: when a statement is a single list of names without ports,
/// ending in a declaration, every name is declared with that class and configuration.
fn spread_multiple_declaration(chain: &mut ConnectionChain) {
    if chain.sections.len() != 1 {
        return;
    }
    let items = &mut chain.sections[0].items;
    if items.len() < 2
        || items
            .iter()
            .any(|i| i.inputs.is_some() || i.outputs.is_some() || matches!(i.target, ElementTarget::Implicit(_)))
    {
        return;
    }
    let is_bare = |item: &ElementUse| matches!(item.target, ElementTarget::Name { config: None, .. });
    let Some(last_index) = items.iter().position(|i| !is_bare(i)) else {
        return;
    };
    if last_index != items.len() - 1 {
        return;
    }
    let ElementTarget::Declaration { class, config, .. } = items[last_index].target.clone() else {
        return;
    };
    for item in &mut items[..last_index] {
        if let ElementTarget::Name { name, .. } = &item.target {
            item.target =
                ElementTarget::Declaration { name: name.clone(), class: class.clone(), config: config.clone() };
        }
    }
}
