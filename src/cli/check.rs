//! `vrouter check`, `vrouter flatten`, `vrouter dot`.

use click_core::config_lang;

use super::config::{self, Input};

/// Parses, elaborates and checks against the registry: exit 0 when clean, 1 otherwise.
pub(crate) fn check(input: &Input) -> i32 {
    let loaded = match config::load(input) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let registry = super::registry();
    match config::builder(&loaded, &registry, 1).check() {
        Ok(checked) => {
            let n = checked.element_names().count();
            eprintln!("{}: ok, {n} elements", loaded.sources[0].0);
            0
        }
        Err(errors) => {
            let d = config::diagnostics(&errors);
            eprint!("{}", config_lang::render_diagnostics(&d, &loaded.source_refs()));
            1
        }
    }
}

/// Prints the flat configuration.
pub(crate) fn flatten(input: &Input) -> i32 {
    match config::load(input) {
        Ok(loaded) => {
            print!("{}", config_lang::print_flat(&loaded.graph));
            0
        }
        Err(code) => code,
    }
}

/// Prints Graphviz; push and pull ports are drawn differently when the router checks clean.
pub(crate) fn dot(input: &Input) -> i32 {
    let loaded = match config::load(input) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let registry = super::registry();
    let checked = config::builder(&loaded, &registry, 1).check();
    let ids: Vec<_> = loaded.graph.elements().map(|(id, _)| id).collect();
    let out = match &checked {
        Ok(c) => {
            let info = |id| ids.iter().position(|&x| x == id).map(|i| c.port_processing(i));
            config_lang::to_dot(&loaded.graph, Some(&info))
        }
        Err(errors) => {
            eprintln!(
                "vrouter: the configuration does not check ({} errors); drawing without push/pull",
                errors.0.len()
            );
            config_lang::to_dot(&loaded.graph, None)
        }
    };
    print!("{out}");
    0
}
