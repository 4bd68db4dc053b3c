//! Command-line interface: `vrouter SUBCOMMAND ...`.

mod check;
mod config;
mod control;
mod elements;
mod host;
mod run;

use clap::{Parser, Subcommand};

/// A Click-style modular router.
#[derive(Parser, Debug)]
#[command(name = "vrouter", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// A configuration given as a file or `-e`.
#[derive(clap::Args, Debug)]
struct ConfigArgs {
    /// Read the configuration from FILE.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<String>,
    /// Use EXPR as (more of) the configuration.
    #[arg(short = 'e', long = "expression", value_name = "EXPR")]
    expr: Option<String>,
    /// The configuration file (if no -f), then NAME=value definitions.
    words: Vec<String>,
}

impl ConfigArgs {
    fn input(self) -> config::Input {
        config::Input { file: self.file, expr: self.expr, words: self.words }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a configuration (accepts the click driver's -f, -e, -h, -x, -q, -o, -j options).
    Run(run::RunArgs),
    /// Check a configuration against the element library; exit 1 with diagnostics if it fails.
    Check(ConfigArgs),
    /// Print the flat configuration (declarations, then connections).
    Flatten(ConfigArgs),
    /// Print the configuration as a Graphviz graph.
    Dot(ConfigArgs),
    /// List element classes with their ports, processing and documentation.
    Elements {
        /// Show only this class, with its whole documentation.
        class: Option<String>,
        /// One line per class.
        #[arg(long)]
        brief: bool,
    },
    /// Call handlers of a running router through its control socket (Click's ControlSocket
    /// protocol).
    Control(control::ControlArgs),
    /// Run virtual networks, each router in its own domain process, on one physical side.
    Host(host::HostArgs),
    /// Run a router inside a domain process (started by `vrouter host`).
    #[command(hide = true)]
    Domain(host::DomainArgs),
    /// Xen tools.
    Xen {
        #[command(subcommand)]
        command: XenCommand,
    },
}

#[derive(Subcommand, Debug)]
enum XenCommand {
    /// Print the netif ring ABI as `sizeof(TYPE) N` and `offsetof(TYPE,FIELD) N` lines, with
    /// Xen's C names, to compare with your Xen's headers.
    Abi,
}

/// Every element class the command knows: the standard library and the Xen elements.
pub(crate) fn registry() -> click_core::Registry {
    vrouter_xen::host::registry()
}

/// Runs the command line; returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::check(&args.input()),
        Command::Flatten(args) => check::flatten(&args.input()),
        Command::Dot(args) => check::dot(&args.input()),
        Command::Elements { class, brief } => elements::run(class.as_deref(), brief),
        Command::Control(args) => control::control(args),
        Command::Host(args) => host::host(args),
        Command::Domain(args) => host::domain(args),
        Command::Xen { command: XenCommand::Abi } => {
            print!("{}", vrouter::xen::abi_table());
            0
        }
    }
}
