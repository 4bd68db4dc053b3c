//! The `vrouter` command.

mod cli;

fn main() {
    restore_sigpipe();
    std::process::exit(cli::main());
}

/// Rust ignores SIGPIPE, so printing into a closed pipe (`vrouter elements | head`) panics.
/// A command-line tool should end quietly instead, as Unix tools (and Click) do.
#[allow(unsafe_code)]
fn restore_sigpipe() {
    // SAFETY: setting a signal's disposition to the default at the start of `main`, before any
    // thread exists, has no memory-safety preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
