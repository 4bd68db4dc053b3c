//! Command-line interface: `vrouter SUBCOMMAND ...`.

mod elements;

use clap::{Parser, Subcommand};

/// A Click-style modular router.
#[derive(Parser, Debug)]
#[command(name = "vrouter", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List element classes with their ports, processing and documentation.
    Elements {
        /// Show only this class, with its whole documentation.
        class: Option<String>,
        /// One line per class.
        #[arg(long)]
        brief: bool,
    },
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

/// Runs the command line; returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Elements { class, brief } => elements::run(class.as_deref(), brief),
        Command::Xen { command: XenCommand::Abi } => {
            print!("{}", vrouter::xen::abi_table());
            0
        }
    }
}
