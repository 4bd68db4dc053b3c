//! Elaboration: from syntax trees to a [`FlatGraph`].
//!
//! Two phases, as in Click. First every scope (the file, each compound body) is built into a
//! [`ScopeTemplate`]: its elements with final local names (anonymous ones numbered as Click
//! numbers them), its connections and its `define`s; classes are resolved lexically at this
//! point. Then the top scope is instantiated: compound elements are expanded recursively
//! (choosing overloads by port counts and arguments, substituting variables into
//! configuration strings), and connections through compound and group boundaries
//! ("tunnels") are followed until they join real elements.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::ast::*;
use crate::confstr::{Variables, assign_arguments, expand_variables, split_arguments};
use crate::diagnostic::Diagnostic;
use crate::graph::{ElementId, FlatElement, FlatGraph, Location};

/// Most connections a configuration may write or expand to (port ranges such as `[0-65535]`
/// and compound fan-out multiply them).
pub const MAX_CONNECTIONS: usize = 4 * MAX_ELEMENTS;

/// Deepest nesting of compound elements expanded inside one another.
pub const MAX_EXPANSION_DEPTH: usize = 100;

/// Most elements (and compound boundaries) a configuration may expand to: nested compound
/// definitions can grow exponentially, and real configurations have far fewer.
pub const MAX_ELEMENTS: usize = 100_000;

/// What a class name means at some point in the source.
#[derive(Clone, Debug)]
enum ClassTarget {
    Primitive(String),
    Compound(Rc<CompoundDef>),
}

/// Class bindings visible at a point: a persistent list, newest first.
#[derive(Debug)]
struct ClassBinding {
    name: String,
    target: ClassTarget,
    parent: Classes,
}

type Classes = Option<Rc<ClassBinding>>;

fn lookup_class(classes: &Classes, name: &str) -> Option<ClassTarget> {
    let mut current = classes.as_ref();
    while let Some(binding) = current {
        if binding.name == name {
            return Some(binding.target.clone());
        }
        current = binding.parent.as_ref();
    }
    None
}

/// A compound class, built.
#[derive(Debug)]
struct CompoundDef {
    name: Option<String>,
    overloads: Vec<Body>,
    /// What `...` extends: the earlier meaning of the name.
    fallback: Option<ClassTarget>,
    /// Variable-scope depth of the body (one more than where the class is defined).
    env_depth: usize,
}

#[derive(Debug)]
struct Body {
    formals: Vec<Formal>,
    scope: ScopeTemplate,
    ninputs: usize,
    noutputs: usize,
    location: Location,
}

impl CompoundDef {
    fn printable_name(&self) -> &str {
        self.name.as_deref().unwrap_or("<anonymous>")
    }
}

#[derive(Debug, Default)]
struct ScopeTemplate {
    elements: Vec<TemplateElement>,
    connections: Vec<TemplateConnection>,
    defines: Vec<(String, String)>,
}

#[derive(Debug)]
struct TemplateElement {
    name: String,
    kind: Kind,
    config: String,
    location: Location,
    /// Ports used in this scope: [inputs, outputs].
    nports: [usize; 2],
}

#[derive(Debug, Clone)]
enum Kind {
    Primitive(String),
    Compound(Rc<CompoundDef>),
    CompoundInput,
    CompoundOutput,
    Group,
    GroupInput(usize),
    GroupOutput(usize),
}

#[derive(Debug, Clone)]
struct TemplateConnection {
    from: usize,
    from_port: usize,
    to: usize,
    to_port: usize,
    location: Location,
}

/// Ports written on one side of an element in a connection, Click-style.
#[derive(Clone, Debug, Default)]
struct Ports {
    list: Vec<u32>,
    expandable: bool,
}

impl Ports {
    fn from_spec(spec: &Option<PortSpec>) -> Self {
        spec.as_ref().map_or_else(Ports::default, |s| Ports { list: s.ports.clone(), expandable: s.expandable })
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty() && !self.expandable
    }

    /// How many connections this side needs at least.
    fn min_ports(&self) -> usize {
        self.list.len().max(1)
    }
}

struct ResolvedUse {
    index: usize,
    inputs: Ports,
    outputs: Ports,
}

/// Builds one scope.
struct ScopeBuilder {
    elements: Vec<TemplateElement>,
    /// Elements whose names are provisional `Class@N` names.
    anonymous: Vec<bool>,
    names: HashMap<String, usize>,
    connections: Vec<TemplateConnection>,
    defines: Vec<(String, String, Location)>,
    anonymous_offset: usize,
    /// What `input` and `output` refer to here (compound body or group), if anything.
    pseudo: Option<(usize, usize)>,
    classes: Classes,
    /// Variable-scope depth: 0 for the file.
    depth: usize,
    /// Bare names used as anonymous primitive classes, to catch elements declared later.
    implicit_classes: Vec<Ident>,
}

impl ScopeBuilder {
    fn new(classes: Classes, depth: usize, compound: bool) -> Self {
        let mut builder = ScopeBuilder {
            elements: Vec::new(),
            anonymous: Vec::new(),
            names: HashMap::new(),
            connections: Vec::new(),
            defines: Vec::new(),
            anonymous_offset: 0,
            pseudo: None,
            classes,
            depth,
            implicit_classes: Vec::new(),
        };
        if compound {
            let nowhere = Location::new("<compound>", 1, 1);
            builder.push("input".into(), Kind::CompoundInput, String::new(), nowhere.clone(), false);
            builder.push("output".into(), Kind::CompoundOutput, String::new(), nowhere, false);
            builder.anonymous_offset = 2;
            builder.pseudo = Some((0, 1));
        }
        builder
    }

    fn push(&mut self, name: String, kind: Kind, config: String, location: Location, anonymous: bool) -> usize {
        let index = self.elements.len();
        if !anonymous && !matches!(kind, Kind::GroupInput(_) | Kind::GroupOutput(_)) {
            self.names.insert(name.clone(), index);
        }
        self.elements.push(TemplateElement { name, kind, config, location, nports: [0, 0] });
        self.anonymous.push(anonymous);
        index
    }

    /// Click's provisional anonymous name: `Class@N`, N counting this scope's elements.
    fn anonymous_name(&self, class: &str) -> String {
        format!("{class}@{}", self.elements.len() - self.anonymous_offset + 1)
    }

    fn connect(&mut self, from: usize, from_port: usize, to: usize, to_port: usize, location: &Location) {
        self.connections.push(TemplateConnection { from, from_port, to, to_port, location: location.clone() });
        let to_ports = &mut self.elements[to].nports[0];
        *to_ports = (*to_ports).max(to_port + 1);
        let from_ports = &mut self.elements[from].nports[1];
        *from_ports = (*from_ports).max(from_port + 1);
    }
}

/// The elaboration state shared by all scopes.
pub(crate) struct Elaborator {
    pub diagnostics: Vec<Diagnostic>,
    requirements: Vec<String>,
    /// Connections written so far in all scopes, against [`MAX_CONNECTIONS`].
    connections_made: usize,
}

impl Elaborator {
    pub fn new() -> Self {
        Elaborator { diagnostics: Vec::new(), requirements: Vec::new(), connections_made: 0 }
    }

    fn error(&mut self, message: impl Into<String>, location: &Location) {
        self.diagnostics.push(Diagnostic::error(message, Some(location.clone())));
    }

    /// Elaborates the programs as one top-level scope, with command-line `vars` overriding
    /// global definitions.
    pub fn elaborate(&mut self, programs: &[&Program], vars: &[(String, String)]) -> FlatGraph {
        let mut top = ScopeBuilder::new(None, 0, false);
        for program in programs {
            self.statements(&mut top, &program.statements);
        }
        let mut template = self.finish_scope(top);
        for (name, value) in vars {
            match template.defines.iter_mut().find(|(n, _)| n == name) {
                Some(definition) => definition.1.clone_from(value),
                None => template.defines.push((name.clone(), value.clone())),
            }
        }
        let env = Rc::new(Env { vars: std::mem::take(&mut template.defines), parent: None, depth: 0 });
        let mut expander = Expander {
            graph: FlatGraph::new(),
            nodes: Vec::new(),
            edges: Vec::new(),
            diagnostics: Vec::new(),
            too_many_reported: false,
        };
        expander.instantiate(&template, "", &env, None, 0);
        let mut graph = expander.resolve_tunnels();
        self.diagnostics.append(&mut expander.diagnostics);
        graph.requirements = std::mem::take(&mut self.requirements);
        graph
    }

    fn statements(&mut self, scope: &mut ScopeBuilder, statements: &[Statement]) {
        for statement in statements {
            match statement {
                Statement::Connection(chain) => self.connection(scope, chain),
                Statement::ElementClass(def) => self.elementclass(scope, def),
                Statement::Require(require) => {
                    for requirement in &require.requirements {
                        if requirement.starts_with("library") && requirement[7..].starts_with(char::is_whitespace) {
                            self.diagnostics.push(
                                Diagnostic::error(
                                    "'require(library ...)' is not supported",
                                    Some(require.location.clone()),
                                )
                                .with_hint("compile the library file together with this one instead"),
                            );
                        } else if !self.requirements.contains(requirement) {
                            self.requirements.push(requirement.clone());
                        }
                    }
                }
                Statement::Define(define) => {
                    for (name, value) in &define.definitions {
                        if let Some((_, _, previous)) = scope.defines.iter().find(|(n, _, _)| n == name) {
                            let previous = previous.clone();
                            self.diagnostics.push(
                                Diagnostic::error(
                                    format!("parameter '${name}' multiply defined"),
                                    Some(define.location.clone()),
                                )
                                .with_note("previous definition", Some(previous)),
                            );
                        } else {
                            scope.defines.push((name.clone(), value.clone(), define.location.clone()));
                        }
                    }
                }
            }
        }
    }

    fn elementclass(&mut self, scope: &mut ScopeBuilder, def: &ElementClassDef) {
        let name = &def.name.name;
        let registrable = if let Some(&index) = scope.names.get(name) {
            let previous = scope.elements[index].location.clone();
            self.diagnostics.push(
                Diagnostic::error(format!("'{name}' already used as an element name"), Some(def.name.location.clone()))
                    .with_note(format!("element '{name}' declared here"), Some(previous)),
            );
            false
        } else {
            true
        };
        let target = match &def.definition {
            ClassDefinition::Compound(class) => ClassTarget::Compound(self.compound_class(scope, class, Some(name))),
            ClassDefinition::Synonym(other) => {
                lookup_class(&scope.classes, &other.name).unwrap_or_else(|| ClassTarget::Primitive(other.name.clone()))
            }
        };
        if registrable {
            scope.classes = Some(Rc::new(ClassBinding { name: name.clone(), target, parent: scope.classes.take() }));
        }
    }

    /// Builds a compound class defined in `scope`.
    fn compound_class(&mut self, scope: &ScopeBuilder, class: &CompoundClass, name: Option<&str>) -> Rc<CompoundDef> {
        let mut overloads = Vec::new();
        for body in &class.overloads {
            let mut builder = ScopeBuilder::new(scope.classes.clone(), scope.depth + 1, true);
            for formal in &body.formals {
                builder.defines.push((formal.name.clone(), String::new(), formal.location.clone()));
            }
            self.statements(&mut builder, &body.statements);
            let printable = name.unwrap_or("<anonymous>").to_string();
            let ninputs = self.check_pseudo(&builder, 0, false, &printable, &body.location);
            let noutputs = self.check_pseudo(&builder, 1, true, &printable, &body.location);
            let formal_count = body.formals.len();
            let mut template = self.finish_scope(builder);
            // The formals were only there to catch `define`s that clash with them.
            template.defines.drain(..formal_count);
            overloads.push(Body {
                formals: body.formals.clone(),
                scope: template,
                ninputs,
                noutputs,
                location: body.location.clone(),
            });
        }
        let fallback = if class.extends_previous {
            let name = name.expect("the parser rejects '...' in anonymous classes");
            Some(lookup_class(&scope.classes, name).unwrap_or_else(|| ClassTarget::Primitive(name.to_string())))
        } else {
            None
        };
        Rc::new(CompoundDef { name: name.map(str::to_string), overloads, fallback, env_depth: scope.depth + 1 })
    }

    /// Checks how a compound's or group's `input` (`is_output` false) or `output` pseudo-element
    /// is used, and returns the number of ports it gives the compound.
    fn check_pseudo(
        &mut self,
        scope: &ScopeBuilder,
        index: usize,
        is_output: bool,
        owner: &str,
        location: &Location,
    ) -> usize {
        // `input` gives the compound inputs through its outputs, and vice versa.
        let (this_side, other_side) = if is_output { (0, 1) } else { (1, 0) };
        let element = &scope.elements[index];
        let (pseudo_name, wrong_use, port_word) =
            if is_output { ("output", "input", "output") } else { ("input", "output", "input") };
        if element.nports[other_side] > 0 {
            // `input`'s input ports or `output`'s output ports were used.
            let used_at = scope
                .connections
                .iter()
                .find(|c| if is_output { c.from == index } else { c.to == index })
                .map_or_else(|| location.clone(), |c| c.location.clone());
            self.error(format!("'{owner}' pseudoelement '{pseudo_name}' may only be used as {wrong_use}"), &used_at);
        }
        let count = element.nports[this_side];
        let mut used = vec![false; count];
        for c in &scope.connections {
            if is_output && c.to == index {
                used[c.to_port] = true;
            } else if !is_output && c.from == index {
                used[c.from_port] = true;
            }
        }
        for (port, _) in used.iter().enumerate().filter(|(_, u)| !**u) {
            self.error(format!("'{owner}' {port_word} {port} missing"), location);
        }
        count
    }

    /// Final names for anonymous elements, and checks that need the whole scope.
    fn finish_scope(&mut self, scope: ScopeBuilder) -> ScopeTemplate {
        let ScopeBuilder { mut elements, anonymous, mut names, connections, defines, implicit_classes, .. } = scope;
        for used in implicit_classes {
            // The name was not an element when it was used, so this declaration came later.
            if let Some(&index) = names.get(&used.name) {
                let declared = elements[index].location.clone();
                self.diagnostics.push(
                    Diagnostic::error(format!("undeclared element '{}'", used.name), Some(used.location.clone()))
                        .with_note(format!("'{}' is declared later", used.name), Some(declared))
                        .with_hint("declare elements before using them in connections"),
                );
            }
        }
        // Click renames an anonymous `Class@N` that clashes with a declared name to the next
        // free `Class@M`, in element order.
        for (index, is_anonymous) in anonymous.iter().enumerate() {
            if !is_anonymous {
                continue;
            }
            let mut name = std::mem::take(&mut elements[index].name);
            if names.contains_key(&name) {
                let at = name.rfind('@').expect("anonymous names contain '@'");
                let prefix = name[..=at].to_string();
                let digits: String = name[at + 1..].chars().take_while(char::is_ascii_digit).collect();
                let mut number: u64 = digits.parse().unwrap_or(0);
                loop {
                    number += 1;
                    name = format!("{prefix}{number}");
                    if !names.contains_key(&name) {
                        break;
                    }
                }
            }
            names.insert(name.clone(), index);
            elements[index].name = name;
        }
        ScopeTemplate { elements, connections, defines: defines.into_iter().map(|(n, v, _)| (n, v)).collect() }
    }

    fn connection(&mut self, scope: &mut ScopeBuilder, chain: &ConnectionChain) {
        let mut previous: Option<Vec<ResolvedUse>> = None;
        for (k, section) in chain.sections.iter().enumerate() {
            let resolved = self.element_list(scope, section);
            match &previous {
                None => {
                    if let Some(item) = section.items.iter().zip(&resolved).find(|(_, r)| !r.inputs.is_empty()) {
                        let location = item.0.inputs.as_ref().map_or(&item.0.location, |p| &p.location).clone();
                        self.error("input ports ignored at start of chain", &location);
                    }
                }
                Some(outputs) => {
                    let arrow = &chain.arrows[k - 1];
                    self.connect_all(scope, outputs, &resolved, arrow);
                }
            }
            previous = Some(resolved);
        }
        if let (Some(last), Some(section)) = (&previous, chain.sections.last())
            && let Some(item) = section.items.iter().zip(last).find(|(_, r)| !r.outputs.is_empty())
        {
            // As in Click, this includes a group's implied ports.
            let location = item.0.outputs.as_ref().map_or(&item.0.location, |p| &p.location).clone();
            self.error("output ports ignored at end of chain", &location);
        }
    }

    fn element_list(&mut self, scope: &mut ScopeBuilder, list: &ElementList) -> Vec<ResolvedUse> {
        // Groups and compound classes are built while the list is read, before the list's
        // elements are added: that is the order in which Click numbers anonymous elements.
        let mut prepared: Vec<Option<(usize, usize, usize)>> = Vec::with_capacity(list.items.len());
        let mut classes: Vec<Option<ClassTarget>> = Vec::with_capacity(list.items.len());
        for item in &list.items {
            let mut group = None;
            let mut class = None;
            match &item.target {
                ElementTarget::Group(g) => group = Some(self.group(scope, g)),
                ElementTarget::AnonymousCompound { class: c, .. } => {
                    class = Some(ClassTarget::Compound(self.compound_class(scope, c, None)));
                }
                ElementTarget::Declaration { class: ClassRef::Compound(c), .. } => {
                    class = Some(ClassTarget::Compound(self.compound_class(scope, c, None)));
                }
                ElementTarget::Declaration { class: ClassRef::Named(c), .. } => {
                    class = Some(
                        lookup_class(&scope.classes, &c.name).unwrap_or_else(|| ClassTarget::Primitive(c.name.clone())),
                    );
                }
                _ => {}
            }
            prepared.push(group);
            classes.push(class);
        }
        let mut resolved = Vec::with_capacity(list.items.len());
        for ((item, group), class) in list.items.iter().zip(prepared).zip(classes) {
            let mut inputs = Ports::from_spec(&item.inputs);
            let mut outputs = Ports::from_spec(&item.outputs);
            let index = match &item.target {
                ElementTarget::Name { name, config } => self.named_use(scope, name, config.as_ref()),
                ElementTarget::Declaration { name, class: class_ref, config } => {
                    let class = class.expect("prepared above");
                    self.declaration(scope, name, class_ref, class, config.as_ref())
                }
                ElementTarget::AnonymousCompound { config, .. } => {
                    let ClassTarget::Compound(def) = class.expect("prepared above") else {
                        unreachable!("anonymous compounds are compound classes")
                    };
                    let name = scope.anonymous_name("");
                    let config = config.as_ref().map(|c| c.text.clone()).unwrap_or_default();
                    scope.push(name, Kind::Compound(def), config, item.location.clone(), true)
                }
                ElementTarget::Group(_) => {
                    let (index, ninputs, noutputs) = group.expect("prepared above");
                    // A group's ports are implied when not written: all of them, in order.
                    if item.inputs.is_none() {
                        inputs.list = (0..ninputs as u32).collect();
                    }
                    if item.outputs.is_none() {
                        outputs.list = (0..noutputs as u32).collect();
                    }
                    index
                }
                ElementTarget::Implicit(pseudo) => match scope.pseudo {
                    Some((input, output)) => {
                        if *pseudo == Pseudo::Input {
                            input
                        } else {
                            output
                        }
                    }
                    None => {
                        self.error("'input' and 'output' are only defined in compounds and groups", &item.location);
                        let name = scope.anonymous_name("<invalid>");
                        scope.push(name, Kind::Group, String::new(), item.location.clone(), true)
                    }
                },
            };
            resolved.push(ResolvedUse { index, inputs, outputs });
        }
        resolved
    }

    /// A group: its tunnel element and pseudo-elements, then its statements in this scope.
    /// Returns the group element and its port counts.
    fn group(&mut self, scope: &mut ScopeBuilder, group: &Group) -> (usize, usize, usize) {
        let name = scope.anonymous_name("");
        let index = scope.push(name.clone(), Kind::Group, String::new(), group.location.clone(), true);
        let input =
            scope.push(format!("{name}/input"), Kind::GroupInput(index), String::new(), group.location.clone(), false);
        let output = scope.push(
            format!("{name}/output"),
            Kind::GroupOutput(index),
            String::new(),
            group.location.clone(),
            false,
        );
        let saved = scope.pseudo.replace((input, output));
        self.statements(scope, &group.statements);
        scope.pseudo = saved;
        let ninputs = self.check_pseudo(scope, input, false, "<anonymous group>", &group.location);
        let noutputs = self.check_pseudo(scope, output, true, "<anonymous group>", &group.location);
        (index, ninputs, noutputs)
    }

    /// A bare name in a connection: `input`/`output`, a compound class, a declared element,
    /// or else an anonymous element of a primitive class.
    fn named_use(&mut self, scope: &mut ScopeBuilder, name: &Ident, config: Option<&ConfigString>) -> usize {
        let pseudo = match (name.name.as_str(), scope.pseudo) {
            ("input", Some((input, _))) => Some(input),
            ("output", Some((_, output))) => Some(output),
            _ => None,
        };
        let class = lookup_class(&scope.classes, &name.name);
        let existing = pseudo.or_else(|| if class.is_none() { scope.names.get(&name.name).copied() } else { None });
        if let Some(index) = existing {
            if let Some(config) = config {
                self.error("configuration string ignored on element reference", &config.location);
            }
            return index;
        }
        if scope.pseudo.is_none() && (name.name == "input" || name.name == "output") {
            self.diagnostics.push(
                Diagnostic::error(
                    format!("'{}' used outside a compound element or group", name.name),
                    Some(name.location.clone()),
                )
                .with_hint("'input' and 'output' name the ports of the enclosing compound element or group"),
            );
        }
        let kind = match class {
            Some(ClassTarget::Compound(def)) => Kind::Compound(def),
            Some(ClassTarget::Primitive(class)) => Kind::Primitive(class),
            None => {
                scope.implicit_classes.push(name.clone());
                Kind::Primitive(name.name.clone())
            }
        };
        let element_name = scope.anonymous_name(&name.name);
        // Click checks generated names too: `12/0800` as a class gives `12/0800@1`.
        check_name(self, &element_name, &name.location);
        let config = config.map(|c| c.text.clone()).unwrap_or_default();
        scope.push(element_name, kind, config, name.location.clone(), true)
    }

    fn declaration(
        &mut self,
        scope: &mut ScopeBuilder,
        name: &Ident,
        class_ref: &ClassRef,
        class: ClassTarget,
        config: Option<&ConfigString>,
    ) -> usize {
        let pseudo = match (name.name.as_str(), scope.pseudo) {
            ("input", Some((input, _))) => Some(input),
            ("output", Some((_, output))) => Some(output),
            _ => None,
        };
        if let Some(index) = pseudo.or_else(|| scope.names.get(&name.name).copied()) {
            let previous = scope.elements[index].location.clone();
            let mut diagnostic =
                Diagnostic::error(format!("redeclaration of element '{}'", name.name), Some(name.location.clone()));
            if pseudo.is_none() {
                diagnostic =
                    diagnostic.with_note(format!("element '{}' previously declared here", name.name), Some(previous));
            }
            self.diagnostics.push(diagnostic);
            return index;
        }
        let same_as_class = matches!(class_ref, ClassRef::Named(c) if c.name == name.name);
        if same_as_class || lookup_class(&scope.classes, &name.name).is_some() {
            self.error(format!("class '{}' used as element name", name.name), &name.location);
        }
        check_name(self, &name.name, &name.location);
        let kind = match class {
            ClassTarget::Primitive(class) => Kind::Primitive(class),
            ClassTarget::Compound(def) => Kind::Compound(def),
        };
        let config = config.map(|c| c.text.clone()).unwrap_or_default();
        scope.push(name.name.clone(), kind, config, name.location.clone(), false)
    }

    /// Connects the output side of one list to the input side of the next, following Click's
    /// rules for port lists, expandable ports and `=>`.
    fn connect_all(
        &mut self,
        scope: &mut ScopeBuilder,
        outputs: &[ResolvedUse],
        inputs: &[ResolvedUse],
        arrow: &Arrow,
    ) {
        // Index 0: the input side (right of the arrow); 1: the output side (left).
        let side = |k: usize, r: &ResolvedUse| -> Ports { if k == 0 { r.inputs.clone() } else { r.outputs.clone() } };
        let sides: [Vec<Ports>; 2] =
            [inputs.iter().map(|r| side(0, r)).collect(), outputs.iter().map(|r| side(1, r)).collect()];
        let elements: [Vec<usize>; 2] =
            [inputs.iter().map(|r| r.index).collect(), outputs.iter().map(|r| r.index).collect()];
        let mut min_ports = [0usize; 2];
        let mut expandable = [0usize; 2];
        for k in 0..2 {
            for ports in &sides[k] {
                min_ports[k] += ports.min_ports();
                expandable[k] += usize::from(ports.expandable);
            }
        }
        if expandable[0] + expandable[1] > 1 {
            self.error("at most one expandable port allowed per connection", &arrow.location);
            expandable[usize::from(min_ports[0] < min_ports[1])] = 0;
        }
        if arrow.kind == ArrowKind::ManyToMany {
            // `=>` numbers the ports of a lone element without ports sequentially.
            for k in 0..2 {
                if min_ports[k] == 1 && min_ports[1 - k] > 1 && sides[k][0].is_empty() {
                    expandable[k] = 1;
                }
            }
        }
        let mut step = [false; 2];
        let mut remaining_expansion = [0usize; 2];
        for k in 0..2 {
            step[k] = min_ports[k] > 1 || expandable[k] > 0;
            remaining_expansion[k] = if expandable[k] > 0 { min_ports[1 - k].saturating_sub(min_ports[k]) } else { 0 };
        }
        if step[0] && step[1] {
            let (nin, nout) = (min_ports[0], min_ports[1]);
            if arrow.kind != ArrowKind::ManyToMany {
                self.diagnostics.push(
                    Diagnostic::error(
                        "syntax error: many-to-many connections require '=>'",
                        Some(arrow.location.clone()),
                    )
                    .with_hint("use '=>' to connect several outputs to several inputs in order"),
                );
            }
            if expandable[0] == 0 && expandable[1] == 0 && nin != nout {
                self.error(format!("connection mismatch: {nout} outputs connected to {nin} inputs"), &arrow.location);
            } else if expandable[0] == 0 && nin < nout {
                self.error(
                    format!("connection mismatch: {nout} or more outputs connected to {nin} inputs"),
                    &arrow.location,
                );
            } else if expandable[1] == 0 && nout < nin {
                self.error(
                    format!("connection mismatch: {nout} outputs connected to {nin} or more inputs"),
                    &arrow.location,
                );
            }
        } else if !step[0] && !step[1] {
            step[0] = true;
        }

        let mut cursor = [0usize; 2];
        let mut position = [0usize; 2];
        let mut port: [Option<usize>; 2] = [None, None];
        while cursor[0] < elements[0].len() && cursor[1] < elements[1].len() {
            for k in 0..2 {
                if port[k].is_none() {
                    port[k] = Some(sides[k][cursor[k]].list.first().map_or(0, |&p| p as usize));
                }
            }
            let (to_port, from_port) = (port[0].unwrap_or(0), port[1].unwrap_or(0));
            self.connections_made += 1;
            if self.connections_made > MAX_CONNECTIONS {
                if self.connections_made == MAX_CONNECTIONS + 1 {
                    self.error(format!("more than {MAX_CONNECTIONS} connections"), &arrow.location);
                }
                return;
            }
            scope.connect(elements[1][cursor[1]], from_port, elements[0][cursor[0]], to_port, &arrow.location);
            for k in 0..2 {
                if !step[k] {
                    continue;
                }
                let ports = &sides[k][cursor[k]];
                position[k] += 1;
                if position[k] < ports.list.len() {
                    port[k] = Some(ports.list[position[k]] as usize);
                } else if ports.expandable && remaining_expansion[k] > 0 {
                    let last = *ports.list.last().expect("expandable lists start at a port") as usize;
                    port[k] = Some(last + position[k] - (ports.list.len() - 1));
                    remaining_expansion[k] -= 1;
                } else if ports.is_empty() && min_ports[k] == 1 && remaining_expansion[k] > 0 {
                    port[k] = Some(position[k]);
                    remaining_expansion[k] -= 1;
                } else {
                    port[k] = None;
                    position[k] = 0;
                    cursor[k] += 1;
                }
            }
        }
    }
}

/// Element names may not have a component made only of digits (`1/x`).
fn check_name(elaborator: &mut Elaborator, name: &str, location: &Location) {
    if name.split('/').any(|part| part.bytes().all(|c| c.is_ascii_digit())) {
        elaborator.error(format!("element name '{name}' has all-digit component"), location);
    }
}

/// The empty environment of a flat configuration read back.
struct NoVariables;

impl Variables for NoVariables {
    fn lookup(&self, _name: &str) -> Option<&str> {
        None
    }
}

/// A variable scope during expansion.
struct Env {
    vars: Vec<(String, String)>,
    parent: Option<Rc<Env>>,
    depth: usize,
}

impl Variables for Env {
    fn lookup(&self, name: &str) -> Option<&str> {
        let mut env = Some(self);
        while let Some(e) = env {
            if let Some((_, value)) = e.vars.iter().find(|(n, _)| n == name) {
                return Some(value);
            }
            env = e.parent.as_deref();
        }
        None
    }
}

/// A node of the pre-flat graph: a real element or a tunnel (compound or group boundary).
#[derive(Clone, Copy)]
enum Node {
    Real(ElementId),
    Tunnel,
}

struct Edge {
    from: usize,
    from_port: usize,
    to: usize,
    to_port: usize,
    location: Location,
}

struct Expander {
    graph: FlatGraph,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    diagnostics: Vec<Diagnostic>,
    too_many_reported: bool,
}

/// Where connections to and from a scope element attach in the pre-flat graph.
#[derive(Clone, Copy, Default)]
struct Attach {
    /// Node that connections *to* the element go to.
    to: Option<usize>,
    /// Node that connections *from* the element come from.
    from: Option<usize>,
}

enum Resolution<'a> {
    Body(&'a Body, Vec<String>, usize),
    Primitive(String),
    None,
}

impl Expander {
    fn tunnel(&mut self) -> usize {
        self.nodes.push(Node::Tunnel);
        self.nodes.len() - 1
    }

    fn instantiate(
        &mut self,
        scope: &ScopeTemplate,
        prefix: &str,
        env: &Rc<Env>,
        interface: Option<(usize, usize)>,
        depth: usize,
    ) {
        let mut attach = vec![Attach::default(); scope.elements.len()];
        // Click's element order: a scope's own elements first, in declaration order, then
        // the contents of each compound element in turn (so `list` and element numbers come
        // out as Click's do).
        for (index, element) in scope.elements.iter().enumerate() {
            attach[index] = match &element.kind {
                Kind::CompoundInput => Attach { to: None, from: interface.map(|(input, _)| input) },
                Kind::CompoundOutput => Attach { to: interface.map(|(_, output)| output), from: None },
                Kind::Group => {
                    let (input, output) = (self.tunnel(), self.tunnel());
                    Attach { to: Some(input), from: Some(output) }
                }
                Kind::GroupInput(group) => Attach { to: None, from: attach[*group].to },
                Kind::GroupOutput(group) => Attach { to: attach[*group].from, from: None },
                Kind::Primitive(class) => self.add_real(prefix, element, class, env),
                Kind::Compound(_) => continue,
            };
        }
        for (index, element) in scope.elements.iter().enumerate() {
            if let Kind::Compound(def) = &element.kind {
                attach[index] = self.expand_compound(prefix, element, def, env, depth);
            }
        }
        for c in &scope.connections {
            if let (Some(from), Some(to)) = (attach[c.from].from, attach[c.to].to) {
                self.edges.push(Edge {
                    from,
                    from_port: c.from_port,
                    to,
                    to_port: c.to_port,
                    location: c.location.clone(),
                });
            }
        }
    }

    /// Substitutes variables in a configuration string, reporting runaway definitions.
    fn expand(&mut self, config: &str, env: &Rc<Env>, element: &TemplateElement) -> String {
        let expanded = expand_variables(config, env.as_ref());
        if let Some(text) = &expanded
            && text != config
            && text.contains('$')
            && expand_variables(text, &NoVariables).as_ref() != Some(text)
        {
            // A value glued to the text around it formed a new `${x-y}`: the result would
            // change again when the flat configuration is read back.
            self.diagnostics.push(
                Diagnostic::error(
                    "variable substitution produced a new variable reference",
                    Some(element.location.clone()),
                )
                .with_note(format!("after substitution: ({text})"), None),
            );
        } else if let Some(text) = &expanded
            && text != config
            && !crate::lexer::is_self_contained_config(text)
        {
            self.diagnostics.push(
                Diagnostic::error(
                    "configuration string has unbalanced quotes or parentheses after variable substitution",
                    Some(element.location.clone()),
                )
                .with_note(format!("after substitution: ({text})"), None),
            );
        }
        expanded.unwrap_or_else(|| {
            self.diagnostics.push(
                Diagnostic::error("variable substitution too deep or too large", Some(element.location.clone()))
                    .with_hint("a variable's value probably refers to itself"),
            );
            config.to_string()
        })
    }

    /// True (after reporting once) if the expansion has grown too large to continue.
    fn too_large(&mut self, element: &TemplateElement) -> bool {
        if self.graph.element_count() >= MAX_ELEMENTS || self.nodes.len() >= 2 * MAX_ELEMENTS {
            if !self.too_many_reported {
                self.diagnostics.push(Diagnostic::error(
                    format!("configuration expands to more than {MAX_ELEMENTS} elements"),
                    Some(element.location.clone()),
                ));
                self.too_many_reported = true;
            }
            return true;
        }
        false
    }

    fn add_real(&mut self, prefix: &str, element: &TemplateElement, class: &str, env: &Rc<Env>) -> Attach {
        if self.too_large(element) {
            return Attach::default();
        }
        let name = format!("{prefix}{}", element.name);
        let config = self.expand(&element.config, env, element);
        match self.graph.add_element(FlatElement {
            name: name.clone(),
            class: class.to_string(),
            config,
            location: Some(element.location.clone()),
        }) {
            Ok(id) => {
                self.nodes.push(Node::Real(id));
                let node = self.nodes.len() - 1;
                Attach { to: Some(node), from: Some(node) }
            }
            Err(_) => {
                let previous =
                    self.graph.find(&name).and_then(|id| self.graph.element(id)).and_then(|e| e.location.clone());
                self.diagnostics.push(
                    Diagnostic::error(format!("redeclaration of element '{name}'"), Some(element.location.clone()))
                        .with_note(format!("element '{name}' previously declared here"), previous),
                );
                Attach::default()
            }
        }
    }

    fn expand_compound(
        &mut self,
        prefix: &str,
        element: &TemplateElement,
        def: &Rc<CompoundDef>,
        env: &Rc<Env>,
        depth: usize,
    ) -> Attach {
        if self.too_large(element) {
            return Attach::default();
        }
        if depth >= MAX_EXPANSION_DEPTH {
            self.diagnostics.push(Diagnostic::error(
                format!("compound elements nested too deeply (limit {MAX_EXPANSION_DEPTH})"),
                Some(element.location.clone()),
            ));
            return Attach::default();
        }
        let config = self.expand(&element.config, env, element);
        let args = split_arguments(&config);
        let [ninputs, noutputs] = element.nports;
        match self.resolve(def, ninputs, noutputs, &args, element) {
            Resolution::Primitive(class) => {
                let primitive = TemplateElement {
                    name: element.name.clone(),
                    kind: Kind::Primitive(class.clone()),
                    config: element.config.clone(),
                    location: element.location.clone(),
                    nports: element.nports,
                };
                self.add_real(prefix, &primitive, &class, env)
            }
            Resolution::None => Attach::default(),
            Resolution::Body(body, values, body_depth) => {
                for (side, used, has) in [("input", ninputs, body.ninputs), ("output", noutputs, body.noutputs)] {
                    if used > has {
                        self.diagnostics.push(
                            Diagnostic::error(
                                format!(
                                    "'{prefix}{}' uses {side} port {} of compound class '{}', which has {has} {side}{}",
                                    element.name,
                                    used - 1,
                                    def.printable_name(),
                                    if has == 1 { "" } else { "s" }
                                ),
                                Some(element.location.clone()),
                            )
                            .with_note("compound defined here", Some(body.location.clone())),
                        );
                    }
                }
                let (input, output) = (self.tunnel(), self.tunnel());
                let mut parent = Some(env.clone());
                while let Some(p) = &parent {
                    if p.depth < body_depth {
                        break;
                    }
                    parent = p.parent.clone();
                }
                let mut vars: Vec<(String, String)> = body.formals.iter().map(|f| f.name.clone()).zip(values).collect();
                vars.extend(body.scope.defines.iter().cloned());
                let inner_env = Rc::new(Env { vars, parent, depth: body_depth });
                let inner_prefix = format!("{prefix}{}/", element.name);
                self.instantiate(&body.scope, &inner_prefix, &inner_env, Some((input, output)), depth + 1);
                Attach { to: Some(input), from: Some(output) }
            }
        }
    }

    /// Chooses the overload of `def` for a use with these port counts and arguments.
    fn resolve<'a>(
        &mut self,
        def: &'a Rc<CompoundDef>,
        ninputs: usize,
        noutputs: usize,
        args: &[String],
        element: &TemplateElement,
    ) -> Resolution<'a> {
        let mut candidates: Vec<(&'a Body, usize)> = Vec::new();
        let mut current: &'a CompoundDef = def;
        let mut primitive = None;
        // Follow `...` extensions; the chain is finite because each extends an earlier class.
        loop {
            candidates.extend(current.overloads.iter().map(|b| (b, current.env_depth)));
            match &current.fallback {
                Some(ClassTarget::Compound(next)) => current = next,
                Some(ClassTarget::Primitive(class)) => {
                    primitive = Some(class.clone());
                    break;
                }
                None => break,
            }
        }
        let mut closest = None;
        for &(body, depth) in &candidates {
            let formals: Vec<Option<&str>> = body.formals.iter().map(|f| f.keyword.as_deref()).collect();
            if let Some(values) = assign_arguments(args, &formals) {
                if body.ninputs == ninputs && body.noutputs == noutputs {
                    return Resolution::Body(body, values, depth);
                }
                closest = Some((body, values, depth));
            }
        }
        if let Some(class) = primitive {
            return Resolution::Primitive(class);
        }
        if candidates.len() == 1
            && let Some((body, values, depth)) = closest
        {
            // With a single definition Click accepts port counts that differ from its use.
            return Resolution::Body(body, values, depth);
        }
        let mut diagnostic = Diagnostic::error(
            format!("no match for '{}'", use_signature(def.printable_name(), args.len(), ninputs, noutputs)),
            Some(element.location.clone()),
        );
        for (body, _) in &candidates {
            diagnostic = diagnostic.with_note(
                format!("candidate: {}", body_signature(def.printable_name(), body)),
                Some(body.location.clone()),
            );
        }
        self.diagnostics.push(diagnostic);
        match closest {
            Some((body, values, depth)) => Resolution::Body(body, values, depth),
            None => Resolution::None,
        }
    }

    /// Follows every connection from a real element through tunnels to real elements.
    fn resolve_tunnels(&mut self) -> FlatGraph {
        let mut out_of: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
        for (index, edge) in self.edges.iter().enumerate() {
            if matches!(self.nodes[edge.from], Node::Tunnel) {
                out_of.entry((edge.from, edge.from_port)).or_default().push(index);
            }
        }
        let mut graph = std::mem::take(&mut self.graph);
        let mut visited = HashSet::new();
        let mut stack = Vec::new();
        for edge in &self.edges {
            let Node::Real(from) = self.nodes[edge.from] else {
                continue;
            };
            visited.clear();
            stack.push((edge.to, edge.to_port));
            while let Some((node, port)) = stack.pop() {
                match self.nodes[node] {
                    Node::Real(to) => {
                        if graph.connection_count() >= MAX_CONNECTIONS {
                            if !self.too_many_reported {
                                self.diagnostics.push(Diagnostic::error(
                                    format!("configuration expands to more than {MAX_CONNECTIONS} connections"),
                                    Some(edge.location.clone()),
                                ));
                                self.too_many_reported = true;
                            }
                            return graph;
                        }
                        graph
                            .connect(from, edge.from_port, to, port, Some(edge.location.clone()))
                            .expect("both elements are in the graph");
                    }
                    Node::Tunnel => {
                        if visited.insert((node, port))
                            && let Some(next) = out_of.get(&(node, port))
                        {
                            stack.extend(next.iter().map(|&e| (self.edges[e].to, self.edges[e].to_port)));
                        }
                    }
                }
            }
        }
        graph
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `Name[2 arguments, 1 input, 1 output]`.
fn use_signature(name: &str, nargs: usize, ninputs: usize, noutputs: usize) -> String {
    let args = if nargs > 0 { format!("{}, ", plural(nargs, "argument")) } else { String::new() };
    format!("{name}[{args}{}, {}]", plural(ninputs, "input"), plural(noutputs, "output"))
}

/// `Name(<arg>, COUNT, ...)[1 input, 1 output]`.
fn body_signature(name: &str, body: &Body) -> String {
    let mut out = name.to_string();
    if !body.formals.is_empty() {
        let formals: Vec<&str> = body
            .formals
            .iter()
            .map(|f| match f.keyword.as_deref() {
                None => "<arg>",
                Some("__REST__") => "...",
                Some(k) => k,
            })
            .collect();
        out.push_str(&format!("({})", formals.join(", ")));
    }
    out.push_str(&format!("[{}, {}]", plural(body.ninputs, "input"), plural(body.noutputs, "output")));
    out
}
