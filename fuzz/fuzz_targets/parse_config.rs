//! Compiles arbitrary input as a Click configuration: it must never panic, and whatever
//! compiles must flatten to text that compiles to the same graph.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let vars = [("DEV".to_string(), "eth0".to_string())];
    if let Ok(compiled) = config_lang::compile(&text, "fuzz.click", &vars) {
        let flat = config_lang::print_flat(&compiled.graph);
        let again = config_lang::compile(&flat, "flat.click", &[])
            .unwrap_or_else(|d| panic!("flat output does not compile: {d:?}\n{flat}"));
        assert!(again.graph.same_as(&compiled.graph), "flat output differs:\n{flat}");
        let _ = config_lang::to_dot(&compiled.graph, None);
    } else if let Err(diagnostics) = config_lang::compile(&text, "fuzz.click", &vars) {
        let _ = config_lang::render_diagnostics(&diagnostics, &[("fuzz.click", &text)]);
    }
});
