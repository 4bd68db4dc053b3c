//! `cargo run -p config-lang --example flatten -- FILE [NAME=value...]`: prints the flat
//! configuration (like `click-flatten`), or the diagnostics.

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(file) = args.next() else {
        eprintln!("usage: flatten FILE [NAME=value...]");
        std::process::exit(2);
    };
    let vars: Vec<(String, String)> = args
        .filter_map(|a| {
            a.split_once('=')
                .map(|(n, v)| (n.to_string(), v.to_string()))
        })
        .collect();
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        eprintln!("{file}: {e}");
        std::process::exit(1);
    });
    match config_lang::compile(&text, &file, &vars) {
        Ok(compiled) => {
            eprint!(
                "{}",
                config_lang::render_diagnostics(&compiled.warnings, &[(&file, &text)])
            );
            print!("{}", config_lang::print_flat(&compiled.graph));
        }
        Err(diagnostics) => {
            eprint!(
                "{}",
                config_lang::render_diagnostics(&diagnostics, &[(&file, &text)])
            );
            std::process::exit(1);
        }
    }
}
