//! Replays the fuzzing seed corpus (and any crashes found and fixed since) through compile:
//! nothing may panic, and what compiles must round-trip through the flat form.

use std::path::Path;

#[test]
fn fuzz_corpus_replays_without_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/parse_config");
    let mut count = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let data = std::fs::read(&path).expect("readable corpus file");
        let text = String::from_utf8_lossy(&data);
        let vars = [("DEV".to_string(), "eth0".to_string())];
        match config_lang::compile(&text, "fuzz.click", &vars) {
            Ok(compiled) => {
                let flat = config_lang::print_flat(&compiled.graph);
                let again = config_lang::compile(&flat, "flat.click", &[])
                    .unwrap_or_else(|d| panic!("{}: flat output does not compile: {d:?}", path.display()));
                assert!(again.graph.same_as(&compiled.graph), "{}: flat output differs", path.display());
                let _ = config_lang::to_dot(&compiled.graph, None);
            }
            Err(diagnostics) => {
                let _ = config_lang::render_diagnostics(&diagnostics, &[("fuzz.click", &text)]);
            }
        }
        count += 1;
    }
    assert!(count >= 50, "only {count} corpus files");
}
