//! The syntax tree of a Click configuration, before elaboration.
//!
//! The tree records what was written, in order, with a [`Location`] on every node. It
//! resolves nothing: whether a bare name is an element or a class, which overload a
//! compound use picks and what anonymous elements are called are decided by elaboration.

use std::rc::Rc;

use crate::graph::Location;

/// A parsed configuration (one file or expression).
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// Top-level statements in source order.
    pub statements: Vec<Statement>,
}

/// One statement.
#[derive(Clone, Debug)]
pub enum Statement {
    /// Declarations and connections: `a :: A; a -> b [1] -> c;`.
    Connection(ConnectionChain),
    /// `elementclass Name { ... }` or `elementclass Name Other;`.
    ElementClass(ElementClassDef),
    /// `require(...)`.
    Require(Require),
    /// `define($a value, ...)`.
    Define(Define),
}

/// A chain `list -> list => list ...`; a chain of one list is a plain declaration.
#[derive(Clone, Debug)]
pub struct ConnectionChain {
    /// Element lists; `arrows[i]` connects `sections[i]` to `sections[i + 1]`.
    pub sections: Vec<ElementList>,
    /// The arrows between sections.
    pub arrows: Vec<Arrow>,
    /// Where the statement starts.
    pub location: Location,
}

/// An arrow between two element lists.
#[derive(Clone, Debug)]
pub struct Arrow {
    /// `->` or `=>`.
    pub kind: ArrowKind,
    /// Where the arrow is.
    pub location: Location,
}

/// The two connectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrowKind {
    /// `->`
    Simple,
    /// `=>`: many-to-many; missing ports may be numbered sequentially.
    ManyToMany,
}

/// A comma-separated list of element uses: `a [1], b, Counter`.
#[derive(Clone, Debug, Default)]
pub struct ElementList {
    /// The elements, in order.
    pub items: Vec<ElementUse>,
}

/// One element in a connection or declaration, with optional ports on either side.
#[derive(Clone, Debug)]
pub struct ElementUse {
    /// `[p] x`: the input ports used (for implicit `input`, already moved to `outputs`).
    pub inputs: Option<PortSpec>,
    /// What is used.
    pub target: ElementTarget,
    /// `x [p]`: the output ports used.
    pub outputs: Option<PortSpec>,
    /// Where the element (or its class) is named.
    pub location: Location,
}

/// What an [`ElementUse`] refers to.
#[derive(Clone, Debug)]
pub enum ElementTarget {
    /// A bare name, possibly with a configuration string: an element declared earlier in
    /// the scope, or else an anonymous element of class `name`.
    Name {
        /// The identifier.
        name: Ident,
        /// `(config)`, if written.
        config: Option<ConfigString>,
    },
    /// `name :: Class(config)`.
    Declaration {
        /// The new element's name.
        name: Ident,
        /// Its class.
        class: ClassRef,
        /// `(config)`, if written.
        config: Option<ConfigString>,
    },
    /// An anonymous element of an inline compound class: `{ ... }(config)`.
    AnonymousCompound {
        /// The class.
        class: Rc<CompoundClass>,
        /// `(config)`, if written.
        config: Option<ConfigString>,
    },
    /// `( statements )`: an element group.
    Group(Group),
    /// The `input` or `output` pseudo-element left implicit, as in `[1] -> x` or `x -> [1];`
    /// inside a compound or group.
    Implicit(Pseudo),
}

/// The two pseudo-elements of compounds and groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pseudo {
    /// `input`: its outputs are the compound's inputs.
    Input,
    /// `output`: its inputs are the compound's outputs.
    Output,
}

/// A port list `[0]`, `[0, 1]`, `[0-2]`, `[1-]` (expandable from 1) or `[]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortSpec {
    /// The listed ports in order (ranges expanded).
    pub ports: Vec<u32>,
    /// True for a trailing `-` (or empty brackets): more ports follow sequentially as needed.
    pub expandable: bool,
    /// Where the `[` is.
    pub location: Location,
}

/// An identifier with its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The text.
    pub name: String,
    /// Where it is.
    pub location: Location,
}

/// A configuration string between parentheses, exactly as written (line directives removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigString {
    /// The text between `(` and the matching `)`.
    pub text: String,
    /// Where the text starts (just after the `(`).
    pub location: Location,
}

/// A class in a declaration.
#[derive(Clone, Debug)]
pub enum ClassRef {
    /// A class name: primitive, compound defined earlier, or synonym.
    Named(Ident),
    /// An inline compound class `{ ... }`.
    Compound(Rc<CompoundClass>),
}

/// A compound class: one or more overloaded bodies separated by `||`.
#[derive(Clone, Debug)]
pub struct CompoundClass {
    /// The overloads in source order; the first matching one is used.
    pub overloads: Vec<CompoundBody>,
    /// True if the class ends with `|| ...`: it extends the earlier definition of its name.
    pub extends_previous: bool,
    /// Where the `{` is.
    pub location: Location,
}

/// One overload: formal parameters and statements.
#[derive(Clone, Debug)]
pub struct CompoundBody {
    /// `$a, KEYWORD $b, __REST__ $c |`.
    pub formals: Vec<Formal>,
    /// The body's statements.
    pub statements: Vec<Statement>,
    /// Where the body starts.
    pub location: Location,
}

/// A formal parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Formal {
    /// `None` for positional, `Some("COUNT")` for a keyword, `Some("__REST__")` for the rest.
    pub keyword: Option<String>,
    /// Variable name without the `$`.
    pub name: String,
    /// Where it is.
    pub location: Location,
}

/// An element group `( ... )`.
#[derive(Clone, Debug)]
pub struct Group {
    /// The statements inside.
    pub statements: Vec<Statement>,
    /// Where the `(` is.
    pub location: Location,
}

/// `elementclass Name ...`.
#[derive(Clone, Debug)]
pub struct ElementClassDef {
    /// The class being defined.
    pub name: Ident,
    /// Its definition.
    pub definition: ClassDefinition,
    /// Where the statement starts.
    pub location: Location,
}

/// What an `elementclass` statement defines.
#[derive(Clone, Debug)]
pub enum ClassDefinition {
    /// `elementclass Name { ... }`.
    Compound(Rc<CompoundClass>),
    /// `elementclass Name Other;`.
    Synonym(Ident),
}

/// `require(...)`.
#[derive(Clone, Debug)]
pub struct Require {
    /// The requirements, one per comma-separated argument, comments removed.
    pub requirements: Vec<String>,
    /// Where the statement starts.
    pub location: Location,
}

/// `define($a value, ...)`.
#[derive(Clone, Debug)]
pub struct Define {
    /// `(name without $, value)` pairs.
    pub definitions: Vec<(String, String)>,
    /// Where the statement starts.
    pub location: Location,
}
