//! `vrouter elements`: the registered classes and their documentation.

use click_core::Registry;

/// Ports and processing of a class, as `1/1-2 a/ah`.
fn signature(registry: &Registry, class: &str) -> String {
    match registry.make(class) {
        Some(e) => format!("ports {}, processing {}", e.port_count(), e.processing()),
        None => String::new(),
    }
}

/// The first sentence of a documentation text.
fn summary(doc: &str) -> &str {
    doc.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("")
}

pub(crate) fn run(class: Option<&str>, brief: bool) -> i32 {
    let registry = super::registry();
    if let Some(name) = class {
        let Some(c) = registry.get(name) else {
            eprintln!("vrouter: no element class '{name}'");
            if let Some(s) = registry.suggest(name) {
                eprintln!("  hint: did you mean '{s}'?");
            }
            return 1;
        };
        println!("{}  ({})\n", c.name, signature(&registry, c.name));
        print!("{}", unindent(c.doc));
        return 0;
    }
    for c in registry.classes() {
        if brief {
            println!("{:<24} {}", c.name, summary(c.doc));
        } else {
            println!("== {}  ({})\n", c.name, signature(&registry, c.name));
            println!("{}", unindent(c.doc));
        }
    }
    0
}

/// Removes the single leading space rustdoc leaves on each line of a `///` comment.
fn unindent(doc: &str) -> String {
    doc.lines().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect::<Vec<_>>().join("\n") + "\n"
}
