//! `cargo run -p config-lang --example flatten -- [--dot] FILE [NAME=value...]`: prints the
//! flat configuration (like `click-flatten`) or, with `--dot`, a Graphviz drawing; or the
//! diagnostics.

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let dot = args.next_if(|a| a == "--dot").is_some();
    let Some(file) = args.next() else {
        eprintln!("usage: flatten FILE [NAME=value...]");
        std::process::exit(2);
    };
    let vars: Vec<(String, String)> =
        args.filter_map(|a| a.split_once('=').map(|(n, v)| (n.to_string(), v.to_string()))).collect();
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        eprintln!("{file}: {e}");
        std::process::exit(1);
    });
    match config_lang::compile(&text, &file, &vars) {
        Ok(compiled) => {
            eprint!("{}", config_lang::render_diagnostics(&compiled.warnings, &[(&file, &text)]));
            if dot {
                print!("{}", config_lang::to_dot(&compiled.graph, None));
            } else {
                print!("{}", config_lang::print_flat(&compiled.graph));
            }
        }
        Err(diagnostics) => {
            eprint!("{}", config_lang::render_diagnostics(&diagnostics, &[(&file, &text)]));
            std::process::exit(1);
        }
    }
}
