//! Output forms of a [`FlatGraph`]: Click's flat configuration text and Graphviz.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use crate::graph::{Connection, ElementId, FlatGraph};

/// Prints the flat configuration as Click's `click-flatten` does: `require(...)`, then one
/// declaration `name :: Class(config);` per element in declaration order, then the
/// connections as chains `a [1] -> [2] b -> c;` (port 0 is not written).
///
/// Element and class names must be Click identifiers (letters, digits, `_`, `@`, single `/`
/// between words), which everything [`compile`](crate::compile) produces is; `Counter@3` and
/// `outer/inner` are identifiers and print as they are. The text parses back to the same
/// graph ([`FlatGraph::same_as`]).
pub fn print_flat(graph: &FlatGraph) -> String {
    let mut out = String::new();
    if !graph.requirements.is_empty() {
        let _ = writeln!(out, "require({});\n", graph.requirements.join(", "));
    }
    for (_, element) in graph.elements() {
        let _ = write!(out, "{} :: {}", element.name, element.class);
        if !element.config.is_empty() {
            let _ = write!(out, "({})", element.config);
        }
        out.push_str(";\n");
    }
    // Canonical order (by declaration order of the ends, then ports) so that printing the
    // reparsed text gives the same text.
    let position: HashMap<ElementId, usize> = graph.elements().enumerate().map(|(i, (id, _))| (id, i)).collect();
    let mut connections: Vec<Connection> = graph.connections().collect();
    connections.sort_by_key(|c| (position[&c.from], c.from_port, position[&c.to], c.to_port));
    if !connections.is_empty() && graph.element_count() > 0 {
        out.push('\n');
    }
    print_connections(&mut out, graph, &connections);
    out
}

/// Prints connections as chains: a connection to input 0 of `b` continues with a connection
/// from output 0 of `b`, as Click's unparser does.
fn print_connections(out: &mut String, graph: &FlatGraph, connections: &[Connection]) {
    let name = |id: ElementId| graph.element(id).map_or("?", |e| e.name.as_str());
    let count = connections.len();
    // Connections from each element's output 0, in order, for chaining: those into an
    // input 0 first (so that chains stay long), then the others. Each list is claimed in
    // order, so a cursor per list keeps this linear.
    let mut from_port0: HashMap<ElementId, [(Vec<usize>, usize); 2]> = HashMap::new();
    for (i, c) in connections.iter().enumerate() {
        if c.from_port == 0 {
            let lists = from_port0.entry(c.from).or_default();
            lists[usize::from(c.to_port != 0)].0.push(i);
        }
    }
    let mut next = vec![None; count];
    let mut starts_chain = vec![true; count];
    for (i, c) in connections.iter().enumerate() {
        if c.to_port != 0 {
            continue;
        }
        let Some(lists) = from_port0.get_mut(&c.to) else {
            continue;
        };
        for (list, cursor) in lists.iter_mut() {
            // A self-loop cannot continue itself; leave it for later.
            if list.get(*cursor) == Some(&i) {
                *cursor += 1;
            }
            if let Some(&d) = list.get(*cursor) {
                *cursor += 1;
                next[i] = Some(d);
                starts_chain[d] = false;
                break;
            }
        }
    }
    let mut printed = vec![false; count];
    let print_chain = |start: usize, out: &mut String, printed: &mut Vec<bool>| {
        let first = &connections[start];
        out.push_str(name(first.from));
        if first.from_port != 0 {
            let _ = write!(out, " [{}]", first.from_port);
        }
        let mut current = Some(start);
        let mut first_link = true;
        while let Some(i) = current {
            if printed[i] {
                break;
            }
            printed[i] = true;
            out.push_str(if first_link { " -> " } else { "\n    -> " });
            first_link = false;
            let c = &connections[i];
            if c.to_port != 0 {
                let _ = write!(out, "[{}] ", c.to_port);
            }
            out.push_str(name(c.to));
            current = next[i];
        }
        out.push_str(";\n");
    };
    for start in 0..count {
        if starts_chain[start] && !printed[start] {
            print_chain(start, out, &mut printed);
        }
    }
    // What is left lies on cycles: start anywhere.
    for start in 0..count {
        if !printed[start] {
            print_chain(start, out, &mut printed);
        }
    }
}

/// Processing codes of one element: input codes and output codes, one character per port
/// (`h` push, `l` pull, `a` agnostic), e.g. `("h", "l")` for a Queue.
pub type PortCodes = (String, String);

/// Renders the graph for Graphviz `dot`. Elements of compounds (names with `/`) are drawn in
/// nested clusters named by their prefixes. Each element is a box with its input ports on top
/// and output ports below; when `port_info` gives processing codes, push ports (`h`) are
/// drawn filled and pull ports (`l`) hollow, as in Click's diagrams.
pub fn to_dot(graph: &FlatGraph, port_info: Option<&dyn Fn(ElementId) -> Option<PortCodes>>) -> String {
    let mut port_counts: BTreeMap<ElementId, [usize; 2]> = BTreeMap::new();
    for c in graph.connections() {
        let to = port_counts.entry(c.to).or_default();
        to[0] = to[0].max(c.to_port + 1);
        let from = port_counts.entry(c.from).or_default();
        from[1] = from[1].max(c.from_port + 1);
    }

    // Build the cluster tree from name prefixes.
    #[derive(Default)]
    struct Cluster {
        children: BTreeMap<String, Cluster>,
        elements: Vec<ElementId>,
    }
    let mut root = Cluster::default();
    for (id, element) in graph.elements() {
        let mut cluster = &mut root;
        let parts: Vec<&str> = element.name.split('/').collect();
        let mut prefix = String::new();
        for part in &parts[..parts.len() - 1] {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            cluster = cluster.children.entry(prefix.clone()).or_default();
        }
        cluster.elements.push(id);
    }

    let mut out = String::from(
        "digraph click {\n  graph [fontname=\"Helvetica\"];\n  node [shape=plaintext, fontname=\"Helvetica\"];\n  edge [arrowsize=0.6];\n",
    );
    fn write_cluster(
        out: &mut String,
        graph: &FlatGraph,
        cluster: &Cluster,
        indent: usize,
        port_counts: &BTreeMap<ElementId, [usize; 2]>,
        port_info: Option<&dyn Fn(ElementId) -> Option<PortCodes>>,
    ) {
        let pad = "  ".repeat(indent);
        for &id in &cluster.elements {
            let element = graph.element(id).expect("listed element");
            let codes = port_info.and_then(|f| f(id));
            let used = port_counts.get(&id).copied().unwrap_or_default();
            let ninputs = used[0].max(codes.as_ref().map_or(0, |c| c.0.chars().count()));
            let noutputs = used[1].max(codes.as_ref().map_or(0, |c| c.1.chars().count()));
            let short = element.name.rsplit('/').next().unwrap_or(&element.name);
            let _ = writeln!(
                out,
                "{pad}{} [label=<{}>];",
                quote(&element.name),
                node_label(short, &element.class, ninputs, noutputs, codes.as_ref())
            );
        }
        for (prefix, child) in &cluster.children {
            let _ = writeln!(out, "{pad}subgraph {} {{", quote(&format!("cluster_{prefix}")));
            let _ = writeln!(out, "{pad}  label={};", quote(prefix));
            let _ = writeln!(out, "{pad}  style=rounded; color=gray50;");
            write_cluster(out, graph, child, indent + 1, port_counts, port_info);
            let _ = writeln!(out, "{pad}}}");
        }
    }
    write_cluster(&mut out, graph, &root, 1, &port_counts, port_info);
    for c in graph.connections() {
        let (Some(from), Some(to)) = (graph.element(c.from), graph.element(c.to)) else {
            continue;
        };
        let _ = writeln!(out, "  {}:o{}:s -> {}:i{}:n;", quote(&from.name), c.from_port, quote(&to.name), c.to_port);
    }
    out.push_str("}\n");
    out
}

/// A quoted Graphviz ID.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An HTML-like label: a row of input port cells, the name and class, a row of output cells.
fn node_label(name: &str, class: &str, ninputs: usize, noutputs: usize, codes: Option<&PortCodes>) -> String {
    let columns = ninputs.max(noutputs).max(1);
    let port_row = |count: usize, prefix: char, codes: Option<&str>| -> String {
        if count == 0 {
            return String::new();
        }
        let mut row = String::from("<TR>");
        for port in 0..count {
            // Click repeats the last code for further ports.
            let code = codes.and_then(|c| c.chars().nth(port).or_else(|| c.chars().last()));
            let (fill, title) = match code {
                Some('h') => ("black", "push"),
                Some('l') => ("white", "pull"),
                Some('a') => ("gray70", "agnostic"),
                _ => ("gray90", "port"),
            };
            let _ = write!(
                row,
                "<TD PORT=\"{prefix}{port}\" BGCOLOR=\"{fill}\" HEIGHT=\"6\" WIDTH=\"10\" TITLE=\"{title} {port}\"></TD>"
            );
        }
        row.push_str("</TR>");
        row
    };
    let inputs = port_row(ninputs, 'i', codes.map(|c| c.0.as_str()));
    let outputs = port_row(noutputs, 'o', codes.map(|c| c.1.as_str()));
    let name_row = format!(
        "<TR><TD COLSPAN=\"{}\" BORDER=\"0\">{}<BR/><FONT POINT-SIZE=\"9\">{}</FONT></TD></TR>",
        ninputs.max(noutputs).max(1),
        html_escape(name),
        html_escape(class)
    );
    // Rows of different lengths: each port row is its own nested table spanning the width.
    let wrap = |row: String| -> String {
        if row.is_empty() {
            String::new()
        } else {
            format!(
                "<TR><TD COLSPAN=\"{columns}\" BORDER=\"0\" CELLPADDING=\"0\"><TABLE BORDER=\"0\" CELLSPACING=\"2\">{row}</TABLE></TD></TR>"
            )
        }
    };
    format!(
        "<TABLE BORDER=\"1\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"2\">{}{}{}</TABLE>",
        wrap(inputs),
        name_row,
        wrap(outputs)
    )
}
