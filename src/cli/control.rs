//! `vrouter control`: a client for Click's ControlSocket protocol, to call the handlers of a
//! running router (a ControlSocket element, or `vrouter host --control`).

use click_core::control::{ControlClient, ControlError};
use std::io::{Read, Write};

/// Options of `vrouter control`.
#[derive(clap::Args, Debug)]
pub(crate) struct ControlArgs {
    /// The server: a Unix-domain socket path, `HOST:PORT`, or a TCP port on this machine.
    socket: String,
    #[command(subcommand)]
    op: ControlOp,
}

#[derive(clap::Subcommand, Debug)]
enum ControlOp {
    /// Print a read handler's value (`ELEMENT.HANDLER`, a router handler such as `list`, or
    /// `NET/ELEMENT.HANDLER` through a host).
    Read {
        /// The handler.
        handler: String,
        /// Parameters passed to it.
        params: Vec<String>,
    },
    /// Call a write handler.
    Write {
        /// The handler.
        handler: String,
        /// The value (words joined by spaces).
        value: Vec<String>,
    },
    /// Check that a handler exists and is readable (writable, with --write).
    Check {
        /// The handler.
        handler: String,
        /// Check for a write handler.
        #[arg(long)]
        write: bool,
    },
}

fn call<S: Read + Write>(mut c: ControlClient<S>, op: &ControlOp) -> Result<Option<String>, ControlError> {
    let r = match op {
        ControlOp::Read { handler, params } => {
            let name = if params.is_empty() { handler.clone() } else { format!("{handler} {}", params.join(" ")) };
            c.read(&name).map(Some)
        }
        ControlOp::Write { handler, value } => c.write(handler, &value.join(" ")).map(|()| None),
        ControlOp::Check { handler, write } => c.check(handler, *write).map(|()| None),
    }?;
    let _ = c.quit();
    Ok(r)
}

pub(crate) fn control(args: ControlArgs) -> i32 {
    let s = args.socket.as_str();
    let is_tcp = s.parse::<u16>().is_ok() || (s.contains(':') && !std::path::Path::new(s).exists());
    let result = if is_tcp {
        let addr = if s.contains(':') { s.to_string() } else { format!("127.0.0.1:{s}") };
        ControlClient::connect_tcp(addr.as_str()).and_then(|c| call(c, &args.op))
    } else {
        ControlClient::connect_unix(s).and_then(|c| call(c, &args.op))
    };
    match result {
        Ok(Some(value)) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(value.as_bytes());
            if !value.is_empty() && !value.ends_with('\n') {
                let _ = out.write_all(b"\n");
            }
            0
        }
        Ok(None) => 0,
        Err(e) => {
            eprintln!("vrouter control: {s}: {e}");
            1
        }
    }
}
