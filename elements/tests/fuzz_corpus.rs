//! Replays the fuzz corpora of the element library's parsers (fuzz/corpus/*) so that every
//! input ever found, and every seed, is checked by `cargo test`.

use std::path::Path;

fn replay(target: &str, f: fn(&str)) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target);
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let data = std::fs::read(e.unwrap().path()).unwrap();
        f(&String::from_utf8_lossy(&data));
        n += 1;
    }
    assert!(n >= 3, "{target}: only {n} corpus files");
}

#[test]
fn classifier_patterns() {
    replay("classifier_patterns", elements::fuzzing::classifier_patterns);
}

#[test]
fn ip_filter() {
    replay("ip_filter", elements::fuzzing::ip_filter);
}

#[test]
fn element_arguments() {
    replay("element_arguments", elements::fuzzing::element_arguments);
}
