//! Click's ControlSocket protocol: a line-based text protocol through which other programs
//! call a running router's read and write handlers.
//!
//! On connection the server sends its version line, `Click::ControlSocket/1.3`. Each command
//! is one line (ended by CR, LF or CRLF); each answer is one or more message lines with a
//! three-digit code, `2xy` for success and `5xy` for failure, all but the last written
//! `CODE-text`, the last `CODE text`, each ended by CRLF. Handler results follow a
//! `DATA n` line as exactly `n` bytes. Commands: `READ handler [params]`, `READDATA handler
//! n`, `READUNTIL handler [terminator]`, `WRITE handler [value]`, `WRITEDATA handler n`,
//! `WRITEUNTIL handler [terminator]`, `CHECKREAD handler`, `CHECKWRITE handler`, `HELP`,
//! `QUIT` (`LLRPC` is answered 501). Codes: 200 OK, 500 syntax error, 501 unimplemented, 510
//! no such element, 511 no such handler, 520 handler error, 521 data too large, 530
//! permission denied, 540 no router, 590 read handler error.
//!
//! [`serve`] runs the server side on any byte stream against any [`HandlerAccess`] (a
//! [`RouterHandle`], or a proxy that forwards to other routers); [`ControlClient`] is the
//! other side.

use crate::element::HandlerError;
use crate::router::RouterHandle;
use std::io::{self, BufRead, BufReader, Read, Write};

/// The line a server sends first.
pub const GREETING: &str = "Click::ControlSocket/1.3";

/// Longest command line accepted.
const MAX_LINE: usize = 64 * 1024;
/// Largest READDATA/WRITEDATA argument or `...UNTIL` block accepted.
const MAX_DATA: usize = 16 * 1024 * 1024;

/// Response codes.
pub mod code {
    /// Success.
    pub const OK: u16 = 200;
    /// Malformed command.
    pub const SYNTAX: u16 = 500;
    /// Unknown command.
    pub const UNIMPLEMENTED: u16 = 501;
    /// The element does not exist.
    pub const NO_SUCH_ELEMENT: u16 = 510;
    /// The handler does not exist (or lacks the asked-for direction).
    pub const NO_SUCH_HANDLER: u16 = 511;
    /// A write handler failed.
    pub const HANDLER_ERROR: u16 = 520;
    /// The data is larger than the server takes.
    pub const DATA_TOO_BIG: u16 = 521;
    /// Not allowed: read-only server, or a handler used in the other direction.
    pub const PERMISSION: u16 = 530;
    /// No router is running.
    pub const NO_ROUTER: u16 = 540;
    /// A read handler failed.
    pub const UNSPECIFIED: u16 = 590;
}

/// What a control server calls: the handlers of one router, or of several behind a proxy.
pub trait HandlerAccess: Send + Sync {
    /// Reads handler `name`, which may be followed by parameters after a space.
    fn read(&self, name: &str) -> Result<String, HandlerError>;
    /// Writes `value` to handler `name`.
    fn write(&self, name: &str, value: &str) -> Result<(), HandlerError>;
    /// Whether `name` exists and is readable (or writable, with `write`).
    fn check(&self, name: &str, write: bool) -> Result<(), HandlerError>;
}

impl HandlerAccess for RouterHandle {
    fn read(&self, name: &str) -> Result<String, HandlerError> {
        RouterHandle::read(self, name)
    }
    fn write(&self, name: &str, value: &str) -> Result<(), HandlerError> {
        RouterHandle::write(self, name, value)
    }
    fn check(&self, name: &str, write: bool) -> Result<(), HandlerError> {
        RouterHandle::check(self, name, write)
    }
}

/// Reads lines ended by CR, LF or CRLF, and byte counts, from a stream.
struct LineReader<R> {
    inner: BufReader<R>,
    /// The last line ended with CR: a LF that follows belongs to it.
    skip_lf: bool,
}

impl<R: Read> LineReader<R> {
    /// The next line without its terminator; `None` at end of stream.
    fn line(&mut self) -> io::Result<Option<String>> {
        let mut line = Vec::new();
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                return Ok(if line.is_empty() { None } else { Some(String::from_utf8_lossy(&line).into_owned()) });
            }
            let mut used = 0;
            let mut done = false;
            for &b in buf {
                used += 1;
                if self.skip_lf {
                    self.skip_lf = false;
                    if b == b'\n' {
                        continue;
                    }
                }
                match b {
                    b'\n' => done = true,
                    b'\r' => {
                        self.skip_lf = true;
                        done = true;
                    }
                    _ => line.push(b),
                }
                if done {
                    break;
                }
            }
            self.inner.consume(used);
            if done {
                return Ok(Some(String::from_utf8_lossy(&line).into_owned()));
            }
            if line.len() > MAX_LINE {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "command line too long"));
            }
        }
    }

    /// Exactly `n` bytes (after a line: a LF left from its CRLF is skipped first).
    fn bytes(&mut self, n: usize) -> io::Result<Vec<u8>> {
        if self.skip_lf {
            let buf = self.inner.fill_buf()?;
            if buf.first() == Some(&b'\n') {
                self.inner.consume(1);
            }
            self.skip_lf = false;
        }
        let mut data = vec![0; n];
        self.inner.read_exact(&mut data)?;
        Ok(data)
    }

    /// Lines up to one that equals `terminator` (trailing spaces ignored on both sides),
    /// joined with LF.
    fn until(&mut self, terminator: &str) -> io::Result<String> {
        let terminator = terminator.trim_end();
        let mut out = String::new();
        while let Some(line) = self.line()? {
            if line.trim_end() == terminator {
                return Ok(out);
            }
            out.push_str(&line);
            out.push('\n');
            if out.len() > MAX_DATA {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "data too large"));
            }
        }
        Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed before the terminator"))
    }
}

fn message(out: &mut impl Write, code: u16, lines: &[String]) -> io::Result<()> {
    for (i, l) in lines.iter().enumerate() {
        let sep = if i + 1 < lines.len() { '-' } else { ' ' };
        write!(out, "{code}{sep}{l}\r\n")?;
    }
    Ok(())
}

/// The code and message lines for a failed handler call.
fn failure(e: &HandlerError, name: &str, write: bool) -> (u16, Vec<String>) {
    match e {
        HandlerError::NoSuchElement(el) => (code::NO_SUCH_ELEMENT, vec![format!("No element named '{el}'")]),
        HandlerError::NoSuchHandler(_) => (code::NO_SUCH_HANDLER, vec![format!("No handler named '{name}'")]),
        HandlerError::NotReadable(_) => (code::PERMISSION, vec![format!("Handler '{name}' write-only")]),
        HandlerError::NotWritable(_) => (code::PERMISSION, vec![format!("Handler '{name}' read-only")]),
        HandlerError::NotRunning => (code::NO_ROUTER, vec!["No router installed".into()]),
        HandlerError::Failed(msg) => {
            let (c, what) = if write { (code::HANDLER_ERROR, "Write") } else { (code::UNSPECIFIED, "Read") };
            let mut lines = vec![format!("{what} handler '{name}' error:")];
            lines.extend(msg.lines().map(str::to_string));
            (c, lines)
        }
    }
}

/// Serves one connection until the peer quits or closes it: greets, then answers commands
/// with `access`. With `readonly`, write handlers are refused (530).
pub fn serve<S: Read + Write>(stream: S, access: &dyn HandlerAccess, readonly: bool) -> io::Result<()> {
    let mut r = LineReader { inner: BufReader::new(stream), skip_lf: false };
    write!(r.inner.get_mut(), "{GREETING}\r\n")?;
    r.inner.get_mut().flush()?;
    while let Some(line) = r.line()? {
        let mut words = line.split_whitespace();
        let Some(cmd) = words.next() else { continue };
        let cmd = cmd.to_ascii_uppercase();
        let args: Vec<&str> = words.collect();
        let mut out = Vec::new();
        let quit = answer(&mut r, &mut out, &cmd, &line, &args, access, readonly)?;
        let w = r.inner.get_mut();
        w.write_all(&out)?;
        w.flush()?;
        if quit {
            break;
        }
    }
    Ok(())
}

/// The text after the command word and `skip` further words, as written.
fn rest_of_line(line: &str, skip: usize) -> &str {
    let mut s = line.trim_start();
    for _ in 0..=skip {
        s = s.trim_start();
        s = &s[s.find(char::is_whitespace).unwrap_or(s.len())..];
    }
    s.trim_start()
}

/// A handler command's handler name and argument, or the error already answered.
enum Argument<'a> {
    Got(&'a str, String),
    /// An error was answered; `close` when the connection cannot go on (unread data).
    Answered {
        close: bool,
    },
}

/// The handler and argument of `READ`/`WRITE` (`form` ""), `...DATA` (the n bytes after the
/// line) or `...UNTIL` (the lines up to the terminator).
fn argument<'a, R: Read>(
    r: &mut LineReader<R>,
    out: &mut Vec<u8>,
    form: &str,
    line: &str,
    args: &[&'a str],
    what: &str,
) -> io::Result<Argument<'a>> {
    let wrong = |out: &mut Vec<u8>| message(out, code::SYNTAX, &["Wrong number of arguments".into()]);
    let Some(&name) = args.first() else {
        wrong(out)?;
        return Ok(Argument::Answered { close: false });
    };
    let text = match form {
        "DATA" => {
            let Some(n) = args.get(1).and_then(|n| n.parse::<usize>().ok()).filter(|_| args.len() == 2) else {
                wrong(out)?;
                return Ok(Argument::Answered { close: false });
            };
            if n > MAX_DATA {
                message(out, code::DATA_TOO_BIG, &[format!("Data too large for {what} handler '{name}'")])?;
                return Ok(Argument::Answered { close: true });
            }
            String::from_utf8_lossy(&r.bytes(n)?).into_owned()
        }
        "UNTIL" => r.until(args.get(1).copied().unwrap_or(""))?,
        _ => rest_of_line(line, 1).to_string(),
    };
    Ok(Argument::Got(name, text))
}

fn answer<R: Read>(
    r: &mut LineReader<R>,
    out: &mut Vec<u8>,
    cmd: &str,
    line: &str,
    args: &[&str],
    access: &dyn HandlerAccess,
    readonly: bool,
) -> io::Result<bool> {
    let wrong = |out: &mut Vec<u8>| message(out, code::SYNTAX, &["Wrong number of arguments".into()]);
    match cmd {
        "READ" | "READDATA" | "READUNTIL" => {
            let (name, params) = match argument(r, out, &cmd[4..], line, args, "read")? {
                Argument::Got(name, params) => (name, params),
                Argument::Answered { close } => return Ok(close),
            };
            let full = if params.is_empty() { name.to_string() } else { format!("{name} {params}") };
            match access.read(&full) {
                Ok(v) => {
                    message(out, code::OK, &[format!("Read handler '{name}' OK")])?;
                    write!(out, "DATA {}\r\n", v.len())?;
                    out.extend_from_slice(v.as_bytes());
                }
                Err(e) => {
                    let (c, lines) = failure(&e, name, false);
                    message(out, c, &lines)?;
                }
            }
        }
        "WRITE" | "WRITEDATA" | "WRITEUNTIL" => {
            let (name, value) = match argument(r, out, &cmd[5..], line, args, "write")? {
                Argument::Got(name, value) => (name, value),
                Argument::Answered { close } => return Ok(close),
            };
            if readonly {
                message(out, code::PERMISSION, &[format!("Permission denied for '{name}'")])?;
                return Ok(false);
            }
            match access.write(name, &value) {
                Ok(()) => message(out, code::OK, &[format!("Write handler '{name}' OK")])?,
                Err(e) => {
                    let (c, lines) = failure(&e, name, true);
                    message(out, c, &lines)?;
                }
            }
        }
        "CHECKREAD" | "CHECKWRITE" => {
            let [name] = args else {
                wrong(out)?;
                return Ok(false);
            };
            let write = cmd == "CHECKWRITE";
            if write && readonly {
                message(out, code::PERMISSION, &[format!("Permission denied for '{name}'")])?;
                return Ok(false);
            }
            match access.check(name, write) {
                Ok(()) => {
                    let what = if write { "Write" } else { "Read" };
                    message(out, code::OK, &[format!("{what} handler '{name}' OK")])?;
                }
                Err(HandlerError::NotReadable(_) | HandlerError::NotWritable(_)) => {
                    let what = if write { "not writable" } else { "not readable" };
                    message(out, code::NO_SUCH_HANDLER, &[format!("Handler '{name}' {what}")])?;
                }
                Err(e) => {
                    let (c, lines) = failure(&e, name, write);
                    message(out, c, &lines)?;
                }
            }
        }
        "LLRPC" => {
            let name = args.first().copied().unwrap_or("");
            message(out, code::UNIMPLEMENTED, &[format!("Cannot call LLRPC '{name}' remotely")])?;
        }
        "QUIT" => {
            message(out, code::OK, &["Goodbye!".into()])?;
            return Ok(true);
        }
        "HELP" => {
            let lines = [
                "Commands supported:",
                "READ handler [arg...]   call read handler, return DATA",
                "READDATA handler len    call read handler with len data bytes, return DATA",
                "READUNTIL handler term  call read handler, take data until term, return DATA",
                "WRITE handler [arg...]  call write handler",
                "WRITEDATA handler len   call write handler, pass len data bytes",
                "WRITEUNTIL handler term call write handler, take data until term",
                "CHECKREAD handler       check if read handler is valid",
                "CHECKWRITE handler      check if write handler is valid",
                "QUIT                    close connection",
            ];
            message(out, code::OK, &lines.map(str::to_string))?;
        }
        other => message(out, code::UNIMPLEMENTED, &[format!("Command '{other}' unimplemented")])?,
    }
    Ok(false)
}

/// Where a control server listens.
#[derive(Debug)]
pub enum ControlListener {
    /// A Unix-domain socket (removed when the server stops).
    Unix(std::os::unix::net::UnixListener, std::path::PathBuf),
    /// A TCP socket.
    Tcp(std::net::TcpListener),
}

impl ControlListener {
    /// Listens on the Unix-domain socket `path`, replacing a stale socket file there.
    pub fn unix(path: impl Into<std::path::PathBuf>) -> io::Result<ControlListener> {
        use std::os::unix::fs::FileTypeExt;
        let path = path.into();
        if let Ok(m) = std::fs::symlink_metadata(&path)
            && m.file_type().is_socket()
        {
            std::fs::remove_file(&path)?;
        }
        Ok(ControlListener::Unix(std::os::unix::net::UnixListener::bind(&path)?, path))
    }

    fn set_nonblocking(&self) -> io::Result<()> {
        match self {
            ControlListener::Unix(l, _) => l.set_nonblocking(true),
            ControlListener::Tcp(l) => l.set_nonblocking(true),
        }
    }

    /// Accepts one connection if one is waiting.
    fn accept(&self) -> io::Result<Option<Box<dyn ReadWrite>>> {
        let r: io::Result<Box<dyn ReadWrite>> = match self {
            ControlListener::Unix(l, _) => l.accept().map(|(s, _)| Box::new(s) as Box<dyn ReadWrite>),
            ControlListener::Tcp(l) => l.accept().map(|(s, _)| Box::new(s) as Box<dyn ReadWrite>),
        };
        match r {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A connected byte stream, blocking.
trait ReadWrite: Read + Write + Send {
    fn set_blocking(&self) -> io::Result<()>;
}

impl ReadWrite for std::os::unix::net::UnixStream {
    fn set_blocking(&self) -> io::Result<()> {
        self.set_nonblocking(false)
    }
}

impl ReadWrite for std::net::TcpStream {
    fn set_blocking(&self) -> io::Result<()> {
        self.set_nonblocking(false)
    }
}

/// A control server running on its own thread, one more thread per connection; it stops
/// accepting when dropped (connections end when their peers close them).
#[derive(Debug)]
pub struct ControlServer {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    unix_path: Option<std::path::PathBuf>,
}

impl ControlServer {
    /// Serves `access` on `listener`.
    pub fn start(
        listener: ControlListener,
        access: std::sync::Arc<dyn HandlerAccess>,
        readonly: bool,
    ) -> io::Result<ControlServer> {
        use std::sync::atomic::{AtomicBool, Ordering};
        listener.set_nonblocking()?;
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let unix_path = match &listener {
            ControlListener::Unix(_, p) => Some(p.clone()),
            ControlListener::Tcp(_) => None,
        };
        let flag = stop.clone();
        let thread = std::thread::Builder::new().name("control".into()).spawn(move || {
            while !flag.load(Ordering::Acquire) {
                match listener.accept() {
                    Ok(Some(conn)) => {
                        let access = access.clone();
                        let _ = std::thread::Builder::new().name("control-conn".into()).spawn(move || {
                            if conn.set_blocking().is_ok() {
                                let _ = serve(conn, &*access, readonly);
                            }
                        });
                    }
                    // Nothing waiting (or a transient accept error): look again shortly.
                    Ok(None) | Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
                }
            }
        })?;
        Ok(ControlServer { stop, thread: Some(thread), unix_path })
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(p) = &self.unix_path {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A failed control command: the server's code and message, or a broken connection.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The server answered with a failure code.
    #[error("{code} {message}")]
    Server {
        /// The response code (5xy).
        code: u16,
        /// The message lines, joined with newlines.
        message: String,
    },
    /// The connection failed or the server broke the protocol.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl ControlError {
    /// The handler error a server's failure stands for (for proxies).
    pub fn to_handler_error(&self, name: &str) -> HandlerError {
        match self {
            ControlError::Server { code: code::NO_SUCH_ELEMENT, .. } => {
                HandlerError::NoSuchElement(name.split('.').next().unwrap_or(name).to_string())
            }
            ControlError::Server { code: code::NO_SUCH_HANDLER, .. } => HandlerError::NoSuchHandler(name.to_string()),
            ControlError::Server { code: code::NO_ROUTER, .. } => HandlerError::NotRunning,
            ControlError::Server { message, .. } => {
                // Drop the "... handler 'x' error:" line that wraps the handler's own words.
                let m = message.split_once(":\n").map_or(message.as_str(), |(_, rest)| rest);
                HandlerError::Failed(m.to_string())
            }
            ControlError::Io(e) => HandlerError::Failed(format!("control connection: {e}")),
        }
    }
}

/// The client side of the protocol, over any byte stream.
pub struct ControlClient<S: Read + Write> {
    r: LineReader<S>,
}

impl ControlClient<std::os::unix::net::UnixStream> {
    /// Connects to a server on a Unix-domain socket.
    pub fn connect_unix(path: impl AsRef<std::path::Path>) -> Result<Self, ControlError> {
        ControlClient::new(std::os::unix::net::UnixStream::connect(path)?)
    }
}

impl ControlClient<std::net::TcpStream> {
    /// Connects to a server on a TCP address.
    pub fn connect_tcp(addr: impl std::net::ToSocketAddrs) -> Result<Self, ControlError> {
        ControlClient::new(std::net::TcpStream::connect(addr)?)
    }
}

impl<S: Read + Write> ControlClient<S> {
    /// Starts a session on `stream`, checking the server's greeting.
    pub fn new(stream: S) -> Result<Self, ControlError> {
        let mut r = LineReader { inner: BufReader::new(stream), skip_lf: false };
        match r.line()? {
            Some(l) if l.starts_with("Click::ControlSocket/") => Ok(ControlClient { r }),
            other => Err(io::Error::new(io::ErrorKind::InvalidData, format!("not a control socket: {other:?}")).into()),
        }
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), ControlError> {
        let w = self.r.inner.get_mut();
        w.write_all(bytes)?;
        w.flush()?;
        Ok(())
    }

    /// Reads one response: its code and message lines.
    fn response(&mut self) -> Result<(u16, Vec<String>), ControlError> {
        let mut lines = Vec::new();
        loop {
            let line = self.r.line()?.ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
            let code = line.get(..3).and_then(|c| c.parse::<u16>().ok());
            let (Some(code), Some(sep)) = (code, line.as_bytes().get(3).copied()) else {
                return Err(io::Error::new(io::ErrorKind::InvalidData, format!("bad response line {line:?}")).into());
            };
            lines.push(line[4..].to_string());
            if sep != b'-' {
                return Ok((code, lines));
            }
        }
    }

    fn expect_ok(&mut self) -> Result<Vec<String>, ControlError> {
        let (code, lines) = self.response()?;
        if (200..300).contains(&code) {
            Ok(lines)
        } else {
            Err(ControlError::Server { code, message: lines.join("\n") })
        }
    }

    fn data(&mut self) -> Result<String, ControlError> {
        let line = self.r.line()?.ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        let n = line
            .strip_prefix("DATA ")
            .and_then(|n| n.trim().parse::<usize>().ok())
            .filter(|&n| n <= MAX_DATA)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("expected DATA, got {line:?}")))?;
        Ok(String::from_utf8_lossy(&self.r.bytes(n)?).into_owned())
    }

    /// Reads handler `name` (with parameters after a space, if any).
    pub fn read(&mut self, name: &str) -> Result<String, ControlError> {
        let (name, params) = name.trim().split_once(char::is_whitespace).unwrap_or((name.trim(), ""));
        self.send(format!("READDATA {name} {}\r\n", params.len()).as_bytes())?;
        self.send(params.as_bytes())?;
        self.expect_ok()?;
        self.data()
    }

    /// Writes `value` to handler `name`.
    pub fn write(&mut self, name: &str, value: &str) -> Result<(), ControlError> {
        self.send(format!("WRITEDATA {} {}\r\n", name.trim(), value.len()).as_bytes())?;
        self.send(value.as_bytes())?;
        self.expect_ok().map(drop)
    }

    /// Checks that handler `name` exists and is readable (writable, with `write`).
    pub fn check(&mut self, name: &str, write: bool) -> Result<(), ControlError> {
        let cmd = if write { "CHECKWRITE" } else { "CHECKREAD" };
        self.send(format!("{cmd} {}\r\n", name.trim()).as_bytes())?;
        self.expect_ok().map(drop)
    }

    /// Ends the session.
    pub fn quit(mut self) -> Result<(), ControlError> {
        self.send(b"QUIT\r\n")?;
        self.expect_ok().map(drop)
    }
}

/// A scripted connection for the fuzz helper and the tests: reads `.0`, collects writes in
/// `.1`.
struct Duplex<'a>(&'a [u8], Vec<u8>);

impl Read for Duplex<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for Duplex<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.1.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// For fuzzing (`fuzz/fuzz_targets/control_protocol.rs`) and its corpus replay: runs the
/// bytes `input` through a server whose handlers are a small in-memory table, and checks that
/// every answer is well formed (greeting, code lines, DATA lengths). Panics on a violation.
#[doc(hidden)]
pub fn fuzz_session(input: &[u8]) {
    struct Table(std::sync::Mutex<Vec<(String, String)>>);
    impl HandlerAccess for Table {
        fn read(&self, name: &str) -> Result<String, HandlerError> {
            let (h, params) = name.split_once(' ').unwrap_or((name, ""));
            match h {
                "fail.r" => Err(HandlerError::Failed(format!("bad\n{params}"))),
                "x.echo" => Ok(params.to_string()),
                _ => {
                    let t = self.0.lock().unwrap_or_else(|e| e.into_inner());
                    t.iter().find(|(k, _)| k == h).map(|(_, v)| v.clone()).ok_or(HandlerError::NoSuchHandler(h.into()))
                }
            }
        }
        fn write(&self, name: &str, value: &str) -> Result<(), HandlerError> {
            if !name.contains('.') {
                return Err(HandlerError::NoSuchElement(name.into()));
            }
            let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
            t.retain(|(k, _)| k != name);
            t.push((name.to_string(), value.to_string()));
            Ok(())
        }
        fn check(&self, name: &str, _write: bool) -> Result<(), HandlerError> {
            self.read(name).map(drop)
        }
    }
    let table = Table(std::sync::Mutex::new(vec![("a.x".into(), "1".into())]));
    let mut d = Duplex(input, Vec::new());
    // A stream that ends early is an I/O error, not a bug.
    let _ = serve(&mut d, &table, input.first().is_some_and(|b| b & 1 == 1));
    // Whatever was written must parse as the client reads it.
    let mut r = LineReader { inner: BufReader::new(&d.1[..]), skip_lf: false };
    assert_eq!(r.line().unwrap().as_deref(), Some(GREETING));
    // A READ's success line is followed by `DATA n` and n bytes; CHECKREAD's is not.
    while let Some(line) = r.line().unwrap() {
        if let Some(n) = line.strip_prefix("DATA ") {
            r.bytes(n.parse().expect("a DATA length")).expect("the data");
            continue;
        }
        let code: u16 = line.get(..3).and_then(|c| c.parse().ok()).expect("a response code");
        assert!((200..600).contains(&code) && matches!(line.as_bytes().get(3), Some(b' ' | b'-')), "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// Handlers `a.x` (read/write) and `a.r` (read-only, echoes its parameters).
    struct Fake(Mutex<HashMap<String, String>>);

    impl HandlerAccess for Fake {
        fn read(&self, name: &str) -> Result<String, HandlerError> {
            let (h, params) = name.split_once(' ').unwrap_or((name, ""));
            match h {
                "a.x" => Ok(self.0.lock().unwrap().get("a.x").cloned().unwrap_or_default()),
                "a.r" => Ok(format!("params={params}")),
                "a.fail" => Err(HandlerError::Failed("it broke".into())),
                _ if h.starts_with("b.") => Err(HandlerError::NoSuchElement("b".into())),
                _ => Err(HandlerError::NoSuchHandler(h.into())),
            }
        }
        fn write(&self, name: &str, value: &str) -> Result<(), HandlerError> {
            self.check(name, true)?;
            if value == "bad" {
                return Err(HandlerError::Failed("bad value\nsecond line".into()));
            }
            self.0.lock().unwrap().insert(name.into(), value.into());
            Ok(())
        }
        fn check(&self, name: &str, write: bool) -> Result<(), HandlerError> {
            match (name, write) {
                ("a.x", _) | ("a.r" | "a.fail", false) => Ok(()),
                ("a.r", true) => Err(HandlerError::NotWritable(name.into())),
                (n, _) if n.starts_with("b.") => Err(HandlerError::NoSuchElement("b".into())),
                _ => Err(HandlerError::NoSuchHandler(name.into())),
            }
        }
    }

    /// Runs `input` through a server and returns what it wrote.
    fn session(input: &[u8], readonly: bool) -> String {
        let fake = Fake(Mutex::new(HashMap::new()));
        let mut d = Duplex(input, Vec::new());
        serve(&mut d, &fake, readonly).unwrap();
        String::from_utf8(d.1).unwrap()
    }

    #[test]
    fn reads_writes_and_errors_in_clicks_format() {
        let out = session(
            b"WRITE a.x hello world\r\nREAD a.x\nread a.r 1.2.3.4\rREAD b.y\r\nREAD a.nope\r\n\
              WRITE a.r 1\r\nWRITE a.x bad\r\nREAD a.fail\r\nWRITEDATA a.x 5\r\nab\ncdREAD a.x\r\n\
              CHECKWRITE a.r\r\nCHECKREAD a.x\r\nFROB\r\nREAD\r\nQUIT\r\nREAD a.x\r\n",
            false,
        );
        let expected = "Click::ControlSocket/1.3\r\n\
            200 Write handler 'a.x' OK\r\n\
            200 Read handler 'a.x' OK\r\nDATA 11\r\nhello world\
            200 Read handler 'a.r' OK\r\nDATA 14\r\nparams=1.2.3.4\
            510 No element named 'b'\r\n\
            511 No handler named 'a.nope'\r\n\
            530 Handler 'a.r' read-only\r\n\
            520-Write handler 'a.x' error:\r\n520-bad value\r\n520 second line\r\n\
            590-Read handler 'a.fail' error:\r\n590 it broke\r\n\
            200 Write handler 'a.x' OK\r\n\
            200 Read handler 'a.x' OK\r\nDATA 5\r\nab\ncd\
            511 Handler 'a.r' not writable\r\n\
            200 Read handler 'a.x' OK\r\n\
            501 Command 'FROB' unimplemented\r\n\
            500 Wrong number of arguments\r\n\
            200 Goodbye!\r\n";
        assert_eq!(out, expected);
    }

    #[test]
    fn read_only_servers_refuse_writes() {
        let out = session(b"WRITE a.x 1\nCHECKWRITE a.x\n", true);
        assert!(out.ends_with("530 Permission denied for 'a.x'\r\n530 Permission denied for 'a.x'\r\n"), "{out}");
    }

    #[test]
    fn until_commands_take_lines_up_to_the_terminator() {
        let out = session(b"WRITEUNTIL a.x END\r\none\r\ntwo  \r\nEND  \r\nREAD a.x\r\n", false);
        assert!(out.ends_with("DATA 10\r\none\ntwo  \n"), "{out:?}");
    }

    #[test]
    fn client_and_server_over_a_socket_pair() {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let server = std::thread::spawn(move || {
            let fake = Fake(Mutex::new(HashMap::new()));
            serve(a, &fake, false).unwrap();
        });
        let mut c = ControlClient::new(b).unwrap();
        c.write("a.x", "multi\nline\r\nvalue").unwrap();
        assert_eq!(c.read("a.x").unwrap(), "multi\nline\r\nvalue");
        assert_eq!(c.read("a.r with  spaces").unwrap(), "params=with  spaces");
        let e = c.write("a.x", "bad").unwrap_err();
        assert!(matches!(e, ControlError::Server { code: 520, .. }), "{e}");
        assert_eq!(e.to_handler_error("a.x"), HandlerError::Failed("bad value\nsecond line".into()));
        assert_eq!(c.read("b.q").unwrap_err().to_handler_error("b.q"), HandlerError::NoSuchElement("b".into()));
        c.check("a.x", true).unwrap();
        assert!(c.check("a.r", true).is_err());
        c.quit().unwrap();
        server.join().unwrap();
    }
}
