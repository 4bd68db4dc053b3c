//! `vrouter host HOST.toml`: virtual networks, each a router in its own domain process, on
//! one physical side; and `vrouter domain`, the process each network's router runs in.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use vrouter_xen::host::{DomainSpec, Host, HostConfig, Role, definitions};
use vrouter_xen::port::{empty_slot, lock_slot, publish_slot};
use vrouter_xen::remote::RemoteDomain;
use vrouter_xen::vif::connect_frontend;

use super::config::{self, Input};

/// Options of `vrouter host`.
#[derive(clap::Args, Debug)]
pub(crate) struct HostArgs {
    /// The host file.
    file: PathBuf,
    /// Stop after this many seconds (overrides the file's `seconds`).
    #[arg(long)]
    seconds: Option<f64>,
    /// Serve the handlers of every router (`NET/ELEMENT.HANDLER` for a network's, plain
    /// `ELEMENT.HANDLER` for the physical side's) on this Unix-domain socket, in Click's
    /// ControlSocket protocol (overrides the file's `control`); see `vrouter control`.
    #[arg(long)]
    control: Option<PathBuf>,
}

/// Options of `vrouter domain`.
#[derive(clap::Args, Debug)]
pub(crate) struct DomainArgs {
    /// The back end's domain.
    #[arg(long, default_value_t = 0)]
    backend: u16,
    /// Be the driver domain for these networks (comma-separated); the configuration is the
    /// bridge.
    #[arg(long, value_delimiter = ',')]
    driver_domain: Option<Vec<String>>,
    /// The router configuration, then NAME=value definitions.
    words: Vec<String>,
}

/// The command that runs a network's domain: this program's `domain` subcommand.
fn launcher(exe: PathBuf) -> vrouter_xen::host::Launcher {
    Box::new(move |spec: &DomainSpec<'_>| {
        let mut cmd = Command::new(&exe);
        cmd.arg("domain").arg("--backend").arg(spec.backend.to_string());
        match spec.role {
            Role::Network(net) => cmd.arg(spec.config).args(definitions(net)),
            Role::DriverDomain(names) => cmd.arg("--driver-domain").arg(names.join(",")).arg(spec.config),
        };
        cmd.stdin(Stdio::null()).stdout(Stdio::null());
        cmd
    })
}

pub(crate) fn host(args: HostArgs) -> i32 {
    let cfg = match HostConfig::load(&args.file) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vrouter host: {e}");
            return 1;
        }
    };
    let mut cfg = cfg;
    if args.control.is_some() {
        cfg.control = args.control;
    }
    let seconds = args.seconds.or(cfg.seconds);
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("vrouter host: cannot find this program: {e}");
            return 1;
        }
    };
    let mut host = match Host::start(cfg, launcher(exe)) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("vrouter host: {e}");
            return 1;
        }
    };
    // Ctrl-C ends the run cleanly (domains stopped, sockets removed); a second one kills.
    if let Some(handle) = host.physical_handle() {
        let _ = ctrlc::set_handler(move || {
            if handle.is_running() {
                handle.stop();
            } else {
                std::process::exit(130);
            }
        });
    }
    let stdout = std::io::stdout();
    let tty = stdout.is_terminal();
    let r = host.run(seconds, &mut stdout.lock(), tty);
    host.shutdown();
    match r {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("vrouter host: {e}");
            1
        }
    }
}

/// Runs inside a domain process spawned by the host: connects the vif, then runs the router.
pub(crate) fn domain(args: DomainArgs) -> i32 {
    // The domain must not outlive its host.
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes an integer signal number and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
    let plat = match RemoteDomain::from_env() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("vrouter domain: {e} (domains are started by `vrouter host`)");
            return 1;
        }
    };
    if let Some(names) = args.driver_domain {
        let [file] = &args.words[..] else {
            eprintln!("vrouter domain: a driver domain takes one configuration file");
            return 1;
        };
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("vrouter domain: {file}: {e}");
                return 1;
            }
        };
        return match vrouter_xen::driver::run_driver_domain(plat, names, &text, &super::registry()) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("vrouter domain: driver domain: {e}");
                1
            }
        };
    }
    // Build the router first (its vif elements find the empty slot), then connect the vif,
    // so that no frame waits on a router still being set up.
    let slot = empty_slot();
    publish_slot("vif0", slot.clone());
    let input = Input { words: args.words, ..Default::default() };
    let loaded = match config::load(&input) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let registry = super::registry();
    let mut router = match config::builder(&loaded, &registry, 1).build() {
        Ok(r) => r,
        Err(errors) => {
            let d = config::diagnostics(&errors);
            eprint!("{}", click_core::config_lang::render_diagnostics(&d, &loaded.source_refs()));
            return 1;
        }
    };
    match connect_frontend(plat, args.backend, 0, 0, Duration::from_secs(20)) {
        Ok(nf) => *lock_slot(&slot) = Some(Box::new(nf)),
        Err(e) => {
            eprintln!("vrouter domain: vif: {e}");
            return 1;
        }
    }
    // The host reaches this router's handlers through a control socket it names.
    let _control = match vrouter_xen::host::serve_domain_control(&router) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vrouter domain: control socket: {e}");
            return 1;
        }
    };
    router.set_spin_rounds(vrouter_xen::host::domain_spin_rounds());
    router.run();
    // Frames still on the TX ring would be lost with the domain: let the back end take them.
    vrouter_xen::port::drain(&slot, Duration::from_secs(2));
    0
}
