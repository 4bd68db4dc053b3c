use click_core::control::{ControlListener, ControlServer};
use click_core::element::HandlerInfo;
use click_core::spec::ports;
use click_core::{ArgError, Args, Element, HandlerError, InitContext, RouterHandle};
use std::sync::Arc;

/// How many ports above PORT a `PORT+` TCP socket tries.
const PORT_TRIES: u16 = 64;

click_core::documented! {
    /// Lets other programs call the router's handlers through a socket.
    ///
    /// # Synopsis
    /// `ControlSocket("TCP", PORT [, *keywords*])`, `ControlSocket("UNIX", FILENAME [, *keywords*])`
    ///
    /// # Ports and processing
    /// No ports. Listens on a TCP port or a Unix-domain socket and speaks Click's
    /// ControlSocket protocol (version 1.3): the server greets with
    /// `Click::ControlSocket/1.3`, then answers one-line commands such as `READ c.count`
    /// (answer `200 Read handler 'c.count' OK`, `DATA 3`, then the 3 bytes), `WRITE q.capacity
    /// 500`, `READDATA`/`WRITEDATA handler n` (n bytes follow), `READUNTIL`/`WRITEUNTIL`,
    /// `CHECKREAD`, `CHECKWRITE`, `HELP` and `QUIT`. Handlers run on their elements' own
    /// threads while the router runs. `PORT+` (e.g. `41930+`) takes the first free port from
    /// PORT on. A Unix socket file is replaced if stale and removed when the router ends.
    /// `vrouter control` is a client.
    ///
    /// # Keywords
    /// - `READONLY` (boolean): refuse write handlers, default false.
    /// - `LOCALHOST` (boolean): a TCP socket listens on 127.0.0.1 only, default false.
    /// - `VERBOSE` (boolean): report where it listens, default false.
    ///
    /// # Handlers
    /// - `port` (read): the TCP port listened on. `filename` (read): the Unix socket's path.
    ///
    /// # Example
    /// ```click
    /// ControlSocket(unix, /tmp/vrouter-example.sock);
    /// InfiniteSource(LIMIT 5, STOP true) -> c :: Counter -> Discard;
    /// ```
    #[derive(Default)]
    pub struct ControlSocket {
        unix: Option<String>,
        port: u16,
        port_plus: bool,
        readonly: bool,
        localhost: bool,
        verbose: bool,
        listener: Option<ControlListener>,
        server: Option<ControlServer>,
    }
}

impl Element for ControlSocket {
    fn class_name(&self) -> &'static str {
        "ControlSocket"
    }

    fn port_count(&self) -> &'static str {
        ports::P0_0
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let kind: String = args.read_mp("TYPE")?;
        let place: String = args.read_mp("PORT")?;
        self.readonly = args.read_or("READONLY", false)?;
        self.localhost = args.read_or("LOCALHOST", false)?;
        self.verbose = args.read_or("VERBOSE", false)?;
        args.complete()?;
        match kind.to_ascii_uppercase().as_str() {
            "TCP" => {
                let (digits, plus) = match place.strip_suffix('+') {
                    Some(d) => (d, true),
                    None => (place.as_str(), false),
                };
                self.port = digits
                    .parse()
                    .map_err(|_| ArgError::new(Some("PORT"), format!("expected a port number, got '{place}'")))?;
                self.port_plus = plus;
            }
            "UNIX" => self.unix = Some(place),
            other => {
                return Err(ArgError::new(
                    Some("TYPE"),
                    format!("unknown socket type '{other}' (expected TCP or UNIX)"),
                ));
            }
        }
        Ok(())
    }

    fn initialize(&mut self, _cx: &mut InitContext<'_>) -> Result<(), String> {
        // Bind now, so that a busy port or a bad path is a configuration error.
        let listener = match &self.unix {
            Some(path) => ControlListener::unix(path).map_err(|e| format!("{path}: {e}"))?,
            None => {
                let host = if self.localhost { "127.0.0.1" } else { "0.0.0.0" };
                let tries = if self.port_plus { PORT_TRIES } else { 1 };
                let mut last = None;
                let mut bound = None;
                for port in (0..tries).filter_map(|i| self.port.checked_add(i)) {
                    match std::net::TcpListener::bind((host, port)) {
                        Ok(l) => {
                            bound = Some(l);
                            break;
                        }
                        Err(e) => last = Some(e),
                    }
                }
                let l = bound.ok_or_else(|| {
                    format!("TCP port {}: {}", self.port, last.map_or_else(String::new, |e| e.to_string()))
                })?;
                self.port = l.local_addr().map_err(|e| e.to_string())?.port();
                ControlListener::Tcp(l)
            }
        };
        if self.verbose {
            let at = self.unix.clone().unwrap_or_else(|| format!("TCP port {}", self.port));
            click_core::chatter::chatter(&format!("ControlSocket: listening on {at}"));
        }
        self.listener = Some(listener);
        Ok(())
    }

    fn attach(&mut self, router: &RouterHandle) {
        if let Some(listener) = self.listener.take() {
            match ControlServer::start(listener, Arc::new(router.clone()), self.readonly) {
                Ok(server) => self.server = Some(server),
                Err(e) => click_core::chatter::chatter(&format!("ControlSocket: {e}")),
            }
        }
    }

    fn cleanup(&mut self) {
        self.server = None;
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read("port"), HandlerInfo::read("filename")];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match (name, &self.unix) {
            ("port", None) => Ok(self.port.to_string()),
            ("filename", Some(path)) => Ok(path.clone()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
