//! The flat graph: what elaboration produces and what the runtime instantiates.
//!
//! Every compound element has been expanded, every variable substituted: what is left is
//! element instances with Click classes (`Counter`, `Queue`, ...) and connections between
//! numbered ports. Each instance and connection remembers where in the source it came from,
//! so that errors found later (by the runtime's checks) can still point at file:line:column.

use std::fmt;
use std::sync::Arc;

use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;

/// Index of an element in a [`FlatGraph`]. Stable across removals.
pub type ElementId = NodeIndex<u32>;

/// A place in a configuration source: file name (or `config` for `-e` text, `<builder>`), 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file name as the user gave it, or a pseudo-name such as `config`.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
}

impl Location {
    /// A location in `file` at `line`:`column`.
    pub fn new(file: impl Into<Arc<str>>, line: u32, column: u32) -> Self {
        Location { file: file.into(), line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One element instance of the flat configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlatElement {
    /// Fully qualified name, e.g. `rt`, `r1/queue`, `Counter@3`.
    pub name: String,
    /// Element class, e.g. `Counter`.
    pub class: String,
    /// Configuration string exactly as written between the parentheses (variables substituted),
    /// not yet split into arguments.
    pub config: String,
    /// Where the element was declared.
    pub location: Option<Location>,
}

/// A connection from an output port to an input port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// Source element.
    pub from: ElementId,
    /// Output port of `from`.
    pub from_port: usize,
    /// Destination element.
    pub to: ElementId,
    /// Input port of `to`.
    pub to_port: usize,
    /// Where the connection was written.
    pub location: Option<Location>,
}

/// Edge weight stored in the petgraph graph.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Edge {
    from_port: usize,
    to_port: usize,
    location: Option<Location>,
}

/// Errors from building a flat graph by hand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlatGraphError {
    /// Two elements with one name.
    #[error("redeclaration of element '{0}'")]
    DuplicateName(String),
    /// A connection names an element id that is not in the graph.
    #[error("no element with id {0}")]
    NoSuchElement(usize),
}

/// A flat router configuration: element instances and port-to-port connections.
///
/// Elements and connections iterate in insertion order, which is the order the
/// configuration declared them (Click's element indexes follow declaration order).
#[derive(Clone, Debug, Default)]
pub struct FlatGraph {
    graph: StableDiGraph<FlatElement, Edge, u32>,
    order: Vec<ElementId>,
    names: std::collections::HashMap<String, ElementId>,
    /// Every connection as (from, from_port, to, to_port), to find duplicates in constant
    /// time (an element with thousands of ports made the linear scan quadratic).
    connection_set: std::collections::HashSet<(ElementId, usize, ElementId, usize)>,
    /// `require(...)` clauses, in order, each as its raw text (e.g. `package "foo"`).
    pub requirements: Vec<String>,
}

impl FlatGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an element; its name must be unique.
    pub fn add_element(&mut self, element: FlatElement) -> Result<ElementId, FlatGraphError> {
        if self.names.contains_key(&element.name) {
            return Err(FlatGraphError::DuplicateName(element.name));
        }
        let name = element.name.clone();
        let id = self.graph.add_node(element);
        self.names.insert(name, id);
        self.order.push(id);
        Ok(id)
    }

    /// Connects `from[from_port] -> [to_port]to`. Duplicate connections are kept once.
    pub fn connect(
        &mut self,
        from: ElementId,
        from_port: usize,
        to: ElementId,
        to_port: usize,
        location: Option<Location>,
    ) -> Result<(), FlatGraphError> {
        for id in [from, to] {
            if !self.graph.contains_node(id) {
                return Err(FlatGraphError::NoSuchElement(id.index()));
            }
        }
        if self.connection_set.insert((from, from_port, to, to_port)) {
            self.graph.add_edge(from, to, Edge { from_port, to_port, location });
        }
        Ok(())
    }

    /// Removes an element and every connection touching it.
    pub fn remove_element(&mut self, id: ElementId) -> Option<FlatElement> {
        // Node indices are reused after removal: forget this element's connections.
        let touching: Vec<EdgeIndex<u32>> = self
            .graph
            .edges_directed(id, petgraph::Direction::Outgoing)
            .chain(self.graph.edges_directed(id, petgraph::Direction::Incoming))
            .map(|e| e.id())
            .collect();
        for edge in touching {
            if let (Some((from, to)), Some(w)) = (self.graph.edge_endpoints(edge), self.graph.edge_weight(edge)) {
                self.connection_set.remove(&(from, w.from_port, to, w.to_port));
            }
        }
        let element = self.graph.remove_node(id)?;
        self.names.remove(&element.name);
        self.order.retain(|&x| x != id);
        Some(element)
    }

    /// Number of elements.
    pub fn element_count(&self) -> usize {
        self.order.len()
    }

    /// Number of connections.
    pub fn connection_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The element with this id.
    pub fn element(&self, id: ElementId) -> Option<&FlatElement> {
        self.graph.node_weight(id)
    }

    /// Mutable access to an element (to change its configuration, for example).
    pub fn element_mut(&mut self, id: ElementId) -> Option<&mut FlatElement> {
        self.graph.node_weight_mut(id)
    }

    /// Finds an element by its full name.
    pub fn find(&self, name: &str) -> Option<ElementId> {
        self.names.get(name).copied()
    }

    /// Elements in declaration order.
    pub fn elements(&self) -> impl Iterator<Item = (ElementId, &FlatElement)> + '_ {
        self.order.iter().map(move |&id| (id, &self.graph[id]))
    }

    /// Connections in the order they were added.
    pub fn connections(&self) -> impl Iterator<Item = Connection> + '_ {
        let mut edges: Vec<EdgeIndex<u32>> = self.graph.edge_indices().collect();
        edges.sort_unstable();
        edges.into_iter().map(move |e| {
            let (from, to) = self.graph.edge_endpoints(e).expect("edge index from this graph");
            let w = &self.graph[e];
            Connection { from, from_port: w.from_port, to, to_port: w.to_port, location: w.location.clone() }
        })
    }

    /// The underlying petgraph graph, for graph algorithms (edge weights are private;
    /// use [`FlatGraph::connections`] for port numbers).
    pub fn petgraph(&self) -> &StableDiGraph<FlatElement, impl Sized, u32> {
        &self.graph
    }

    /// Two graphs are the same configuration: the same elements (name, class, config) and the
    /// same set of connections by name and port, ignoring locations and order.
    pub fn same_as(&self, other: &FlatGraph) -> bool {
        /// Elements as (name, class, config) and connections as (from, port, to, port).
        type Key = (Vec<(String, String, String)>, Vec<(String, usize, String, usize)>);
        fn key(g: &FlatGraph) -> Key {
            let mut els: Vec<_> =
                g.elements().map(|(_, e)| (e.name.clone(), e.class.clone(), e.config.clone())).collect();
            els.sort();
            let mut conns: Vec<_> = g
                .connections()
                .map(|c| (g.graph[c.from].name.clone(), c.from_port, g.graph[c.to].name.clone(), c.to_port))
                .collect();
            conns.sort();
            (els, conns)
        }
        key(self) == key(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(name: &str, class: &str) -> FlatElement {
        FlatElement { name: name.into(), class: class.into(), config: String::new(), location: None }
    }

    #[test]
    fn builds_and_iterates_in_order() {
        let mut g = FlatGraph::new();
        let a = g.add_element(el("a", "InfiniteSource")).unwrap();
        let b = g.add_element(el("b", "Discard")).unwrap();
        g.connect(a, 0, b, 0, None).unwrap();
        g.connect(a, 0, b, 0, None).unwrap();
        assert_eq!(g.connection_count(), 1);
        let names: Vec<_> = g.elements().map(|(_, e)| e.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(g.find("b"), Some(b));
        assert_eq!(g.add_element(el("a", "X")), Err(FlatGraphError::DuplicateName("a".into())));
    }

    #[test]
    fn removal_forgets_connections_even_when_indices_are_reused() {
        let mut g = FlatGraph::new();
        let a = g.add_element(el("a", "A")).unwrap();
        let b = g.add_element(el("b", "B")).unwrap();
        g.connect(a, 0, b, 0, None).unwrap();
        g.remove_element(b);
        let c = g.add_element(el("c", "C")).unwrap();
        g.connect(a, 0, c, 0, None).unwrap();
        assert_eq!(g.connection_count(), 1);
        assert_eq!(g.connections().next().unwrap().to, c);
    }

    #[test]
    fn same_as_ignores_order() {
        let mut g1 = FlatGraph::new();
        let a = g1.add_element(el("a", "A")).unwrap();
        let b = g1.add_element(el("b", "B")).unwrap();
        g1.connect(a, 0, b, 0, None).unwrap();
        let mut g2 = FlatGraph::new();
        let b2 = g2.add_element(el("b", "B")).unwrap();
        let a2 = g2.add_element(el("a", "A")).unwrap();
        g2.connect(a2, 0, b2, 0, Some(Location::new("x", 1, 1))).unwrap();
        assert!(g1.same_as(&g2));
        g2.connect(a2, 1, b2, 0, None).unwrap();
        assert!(!g1.same_as(&g2));
    }
}
