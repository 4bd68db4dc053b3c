//! The tcpdump-like language of IPClassifier and IPFilter, and its compiled form.
//!
//! A pattern is parsed into an [`Expr`] tree of field tests joined by `and`, `or`, `not` and
//! `?:`; juxtaposed primitives mean `and` (`fin ack`), and a bare value after a connective
//! repeats the previous primitive's qualifiers (`src port 80 or 81`). All patterns of an
//! element are then compiled together into a [`Program`]: a decision DAG whose nodes each test
//! one field and jump to another node or to an output. Matching a packet walks the DAG; no
//! text is looked at after configuration.

use std::fmt;
use std::net::Ipv4Addr;

use click_core::EtherAddress;

/// A packet field a test reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    IpVers,
    IpHl,
    IpTos,
    IpLen,
    IpId,
    IpTtl,
    IpProto,
    /// Fragment offset and MF bit (nonzero for any fragment).
    IpFrag,
    IpSrc,
    IpDst,
    /// `ip[pos:len]`.
    IpBytes(u16, u8),
    /// `transp[pos:len]` (first fragments only).
    TranspBytes(u16, u8),
    SrcPort,
    DstPort,
    IcmpType,
    TcpFlags,
    TcpWin,
    EtherSrc,
    EtherDst,
}

/// Which protocols a transport test needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Needs {
    Nothing,
    TcpOrUdp,
    Proto(u8),
}

/// Comparison of a masked field with a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

/// One field test: `(field & mask) OP value`, false when the packet lacks the field or
/// fails `needs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Test {
    pub field: Field,
    pub needs: Needs,
    pub mask: u64,
    pub op: Op,
    pub value: u64,
}

/// A pattern as a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expr {
    True,
    False,
    Test(Test),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// Where a program step goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Step(u32),
    Output(u32),
    Drop,
}

/// A compiled classifier: steps of a decision DAG and where to start.
#[derive(Clone, Debug)]
pub(crate) struct Program {
    steps: Vec<(Test, Target, Target)>,
    start: Target,
}

/// The values of one packet that tests read, extracted once per packet.
pub(crate) struct PacketFields<'a> {
    ip: &'a [u8],
    transport: Option<&'a [u8]>,
    mac: Option<&'a [u8]>,
}

impl<'a> PacketFields<'a> {
    /// Reads a packet given its IP header bytes (to the end of the data) and its MAC header.
    /// As in Click, nothing is validated: a field the packet is too short for fails its
    /// test, and the transport header (at the IP header length, whatever it says) exists
    /// when bytes follow it and the packet is a first fragment.
    pub(crate) fn new(ip: &'a [u8], mac: Option<&'a [u8]>) -> Option<PacketFields<'a>> {
        let hl = usize::from(*ip.first()? & 0xf) * 4;
        let first_fragment = ip.get(6..8).is_some_and(|f| u16::from_be_bytes([f[0], f[1]]) & 0x1fff == 0);
        let transport = ip.get(hl..).filter(|t| first_fragment && !t.is_empty());
        Some(PacketFields { ip, transport, mac })
    }

    fn be(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0u64, |v, &b| (v << 8) | u64::from(b))
    }

    fn read(&self, f: Field) -> Option<u64> {
        let ip = self.ip;
        Some(match f {
            Field::IpVers => u64::from(*ip.first()? >> 4),
            Field::IpHl => u64::from(*ip.first()? & 0xf),
            Field::IpTos => u64::from(*ip.get(1)?),
            Field::IpLen => Self::be(ip.get(2..4)?),
            Field::IpId => Self::be(ip.get(4..6)?),
            Field::IpTtl => u64::from(*ip.get(8)?),
            Field::IpProto => u64::from(*ip.get(9)?),
            Field::IpFrag => Self::be(ip.get(6..8)?) & 0x3fff,
            Field::IpSrc => Self::be(ip.get(12..16)?),
            Field::IpDst => Self::be(ip.get(16..20)?),
            Field::IpBytes(pos, len) => Self::be(ip.get(usize::from(pos)..usize::from(pos) + usize::from(len))?),
            Field::TranspBytes(pos, len) => {
                Self::be(self.transport?.get(usize::from(pos)..usize::from(pos) + usize::from(len))?)
            }
            Field::SrcPort => Self::be(self.transport?.get(0..2)?),
            Field::DstPort => Self::be(self.transport?.get(2..4)?),
            Field::IcmpType => u64::from(*self.transport?.first()?),
            Field::TcpFlags => u64::from(*self.transport?.get(13)?),
            Field::TcpWin => Self::be(self.transport?.get(14..16)?),
            Field::EtherSrc => Self::be(self.mac?.get(6..12)?),
            Field::EtherDst => Self::be(self.mac?.get(0..6)?),
        })
    }

    fn proto(&self) -> Option<u8> {
        self.ip.get(9).copied()
    }

    /// Evaluates one test.
    #[inline]
    pub(crate) fn test(&self, t: &Test) -> bool {
        let ok = match t.needs {
            Needs::Nothing => true,
            Needs::TcpOrUdp => matches!(self.proto(), Some(6 | 17)),
            Needs::Proto(p) => self.proto() == Some(p),
        };
        if !ok {
            return false;
        }
        let Some(v) = self.read(t.field) else { return false };
        let v = v & t.mask;
        match t.op {
            Op::Eq => v == t.value,
            Op::Ne => v != t.value,
            Op::Lt => v < t.value,
            Op::Gt => v > t.value,
            Op::Le => v <= t.value,
            Op::Ge => v >= t.value,
        }
    }
}

#[cfg(test)]
impl Expr {
    /// Direct evaluation: the reference the compiled program is tested against.
    pub(crate) fn eval(&self, f: &PacketFields<'_>) -> bool {
        match self {
            Expr::True => true,
            Expr::False => false,
            Expr::Test(t) => f.test(t),
            Expr::Not(e) => !e.eval(f),
            Expr::And(a, b) => a.eval(f) && b.eval(f),
            Expr::Or(a, b) => a.eval(f) || b.eval(f),
            Expr::Cond(c, a, b) => {
                if c.eval(f) {
                    a.eval(f)
                } else {
                    b.eval(f)
                }
            }
        }
    }
}

impl Program {
    /// Compiles patterns, each with the target a match leads to, tried in order.
    pub(crate) fn compile(patterns: &[(Expr, Target)]) -> Program {
        let mut p = Program { steps: Vec::new(), start: Target::Drop };
        let mut next = Target::Drop;
        for (expr, yes) in patterns.iter().rev() {
            next = p.emit(expr, *yes, next);
        }
        p.start = next;
        p
    }

    /// Emits steps for `e` that go to `yes` when it holds and `no` otherwise; returns the
    /// entry point.
    fn emit(&mut self, e: &Expr, yes: Target, no: Target) -> Target {
        match e {
            Expr::True => yes,
            Expr::False => no,
            Expr::Test(t) => {
                self.steps.push((*t, yes, no));
                Target::Step((self.steps.len() - 1) as u32)
            }
            Expr::Not(inner) => self.emit(inner, no, yes),
            Expr::And(a, b) => {
                let b_entry = self.emit(b, yes, no);
                self.emit(a, b_entry, no)
            }
            Expr::Or(a, b) => {
                let b_entry = self.emit(b, yes, no);
                self.emit(a, yes, b_entry)
            }
            Expr::Cond(c, a, b) => {
                let a_entry = self.emit(a, yes, no);
                let b_entry = self.emit(b, yes, no);
                self.emit(c, a_entry, b_entry)
            }
        }
    }

    /// Runs the program on a packet's fields: the output, or `None` to drop.
    #[inline]
    pub(crate) fn run(&self, f: Option<&PacketFields<'_>>) -> Option<usize> {
        let mut at = self.start;
        loop {
            match at {
                Target::Output(o) => return Some(o as usize),
                Target::Drop => return None,
                Target::Step(i) => {
                    let (t, yes, no) = &self.steps[i as usize];
                    at = if f.is_some_and(|f| f.test(t)) { *yes } else { *no };
                }
            }
        }
    }
}

impl fmt::Display for Program {
    /// One line per step: `N  FIELD & MASK OP VALUE  yes->X  no->Y`, then the start.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = |x: &Target| match x {
            Target::Step(i) => format!("step {i}"),
            Target::Output(o) => format!("[{o}]"),
            Target::Drop => "[X]".to_string(),
        };
        for (i, (test, yes, no)) in self.steps.iter().enumerate() {
            writeln!(
                f,
                "{i:3}  {:?} & {:#x} {:?} {:#x} ({:?})  yes->{}  no->{}",
                test.field,
                test.mask,
                test.op,
                test.value,
                test.needs,
                t(yes),
                t(no)
            )?;
        }
        writeln!(f, "start {}", t(&self.start))
    }
}

// ---- parsing ----

/// Resolves names (AddressInfo) to addresses while parsing.
pub(crate) trait NameResolver {
    /// An IPv4 address or prefix (address, prefix length).
    fn ip(&self, name: &str) -> Option<(Ipv4Addr, u8)>;
    /// An Ethernet address.
    fn ether(&self, name: &str) -> Option<EtherAddress>;
}

/// No names.
#[cfg(test)]
pub(crate) struct NoNames;

#[cfg(test)]
impl NameResolver for NoNames {
    fn ip(&self, _: &str) -> Option<(Ipv4Addr, u8)> {
        None
    }
    fn ether(&self, _: &str) -> Option<EtherAddress> {
        None
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Colon,
    Question,
    Not,
    And,
    Or,
    Amp,
    Rel(Op),
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        let two = s.get(i..i + 2).unwrap_or("");
        let (tok, width) = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '[' => {
                depth += 1;
                (Tok::LBracket, 1)
            }
            ']' => {
                depth = depth.saturating_sub(1);
                (Tok::RBracket, 1)
            }
            '?' => (Tok::Question, 1),
            ':' => (Tok::Colon, 1),
            _ if two == "&&" => (Tok::And, 2),
            _ if two == "||" => (Tok::Or, 2),
            _ if two == "==" => (Tok::Rel(Op::Eq), 2),
            _ if two == "!=" => (Tok::Rel(Op::Ne), 2),
            _ if two == "<=" => (Tok::Rel(Op::Le), 2),
            _ if two == ">=" => (Tok::Rel(Op::Ge), 2),
            '<' => (Tok::Rel(Op::Lt), 1),
            '>' => (Tok::Rel(Op::Gt), 1),
            '=' => (Tok::Rel(Op::Eq), 1),
            '!' => (Tok::Not, 1),
            // A single '&' is the mask operator.
            '&' => (Tok::Amp, 1),
            c if c.is_ascii_alphanumeric() || "._-/*".contains(c) => {
                let start = i;
                // Outside brackets a ':' inside a word belongs to it (Ethernet addresses);
                // inside brackets it separates POS:LEN.
                while i < b.len() {
                    let d = b[i] as char;
                    if d.is_ascii_alphanumeric() || "._-/*".contains(d) || (d == ':' && depth == 0) {
                        i += 1;
                    } else {
                        break;
                    }
                }
                out.push(Tok::Word(s[start..i].to_string()));
                continue;
            }
            other => return Err(format!("unexpected character '{other}'")),
        };
        out.push(tok);
        i += width;
    }
    Ok(out)
}

const PORT_NAMES: &[(&str, u64)] = &[
    ("echo", 7),
    ("discard", 9),
    ("daytime", 13),
    ("chargen", 19),
    ("ftp-data", 20),
    ("ftp", 21),
    ("ssh", 22),
    ("telnet", 23),
    ("smtp", 25),
    ("domain", 53),
    ("dns", 53),
    ("bootps", 67),
    ("bootpc", 68),
    ("tftp", 69),
    ("finger", 79),
    ("www", 80),
    ("http", 80),
    ("pop3", 110),
    ("sunrpc", 111),
    ("auth", 113),
    ("nntp", 119),
    ("ntp", 123),
    ("netbios-ns", 137),
    ("netbios-dgm", 138),
    ("netbios-ssn", 139),
    ("snmp", 161),
    ("snmp-trap", 162),
    ("irc", 194),
    ("imap3", 220),
    ("https", 443),
    ("rip", 520),
    ("route", 520),
    ("imaps", 993),
    ("pop3s", 995),
];

const TCP_OPTS: &[(&str, u64)] = &[("fin", 1), ("syn", 2), ("rst", 4), ("psh", 8), ("ack", 16), ("urg", 32)];

const ICMP_TYPES: &[(&str, u64)] = &[
    ("echo-reply", 0),
    ("unreachable", 3),
    ("sourcequench", 4),
    ("redirect", 5),
    ("echo", 8),
    ("routeradvert", 9),
    ("routersolicit", 10),
    ("timeexceeded", 11),
    ("parameterproblem", 12),
    ("timestamp", 13),
    ("timestamp-reply", 14),
    ("inforeq", 15),
    ("inforeq-reply", 16),
    ("maskreq", 17),
    ("maskreq-reply", 18),
];

/// The protocol a transport qualifier names (`tcp`, `udp`, `icmp`).
fn transport_word(w: Option<&str>) -> Option<u8> {
    match w? {
        "tcp" => Some(6),
        "udp" => Some(17),
        "icmp" => Some(1),
        _ => None,
    }
}

/// A port name's number: Click's common names, then the system's service names
/// (`/etc/services`, TCP and UDP entries), as Click's user-level driver also looks there.
pub(crate) fn port_name(w: &str) -> Option<u64> {
    lookup(PORT_NAMES, w).or_else(|| system_services().get(w).copied())
}

/// `/etc/services` read once; empty where the file is missing.
fn system_services() -> &'static std::collections::HashMap<String, u64> {
    static SERVICES: std::sync::OnceLock<std::collections::HashMap<String, u64>> = std::sync::OnceLock::new();
    SERVICES.get_or_init(|| std::fs::read_to_string("/etc/services").map(|t| parse_services(&t)).unwrap_or_default())
}

/// The TCP and UDP service names (and aliases) of a services file and their ports; the
/// first entry of a name wins.
fn parse_services(text: &str) -> std::collections::HashMap<String, u64> {
    let mut names = std::collections::HashMap::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut fields = line.split_whitespace();
        let (Some(name), Some(port_proto)) = (fields.next(), fields.next()) else { continue };
        let Some((port, proto)) = port_proto.split_once('/') else { continue };
        let Ok(port) = port.parse::<u16>() else { continue };
        if proto != "tcp" && proto != "udp" {
            continue;
        }
        for n in std::iter::once(name).chain(fields) {
            names.entry(n.to_string()).or_insert(u64::from(port));
        }
    }
    names
}

/// A TCP flag name's bit.
pub(crate) fn tcp_opt_name(w: &str) -> Option<u64> {
    lookup(TCP_OPTS, w)
}

/// An ICMP type name's number.
pub(crate) fn icmp_type_name(w: &str) -> Option<u64> {
    lookup(ICMP_TYPES, w)
}

fn lookup(table: &[(&str, u64)], w: &str) -> Option<u64> {
    table.iter().find(|(n, _)| *n == w).map(|&(_, v)| v)
}

fn number(w: &str) -> Option<u64> {
    if let Some(h) = w.strip_prefix("0x") { u64::from_str_radix(h, 16).ok() } else { w.parse().ok() }
}

fn proto_number(w: &str) -> Option<u64> {
    match w {
        "icmp" => Some(1),
        "igmp" => Some(2),
        "ipip" => Some(4),
        "tcp" => Some(6),
        "udp" => Some(17),
        _ => number(w).filter(|&v| v < 256),
    }
}

/// Direction qualifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    Src,
    Dst,
    SrcOrDst,
    SrcAndDst,
}

/// What a primitive tests, remembered so that bare values can repeat it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Host,
    Net,
    Port,
    Proto,
    IcmpType,
    TcpOpt,
    IpField(Field, u64),
    EtherHost,
}

#[derive(Clone, Copy, Debug)]
struct Template {
    dir: Dir,
    proto: Option<u8>,
    kind: Kind,
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    names: &'a dyn NameResolver,
    last: Option<Template>,
    /// Click's configure-time warnings about the pattern (a relation always true or false).
    warnings: Vec<String>,
}

fn and(a: Expr, b: Expr) -> Expr {
    Expr::And(Box::new(a), Box::new(b))
}

fn or(a: Expr, b: Expr) -> Expr {
    Expr::Or(Box::new(a), Box::new(b))
}

fn test(field: Field, needs: Needs, mask: u64, op: Op, value: u64) -> Expr {
    Expr::Test(Test { field, needs, mask, op, value })
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn word(&self) -> Option<&str> {
        match self.peek() {
            Some(Tok::Word(w)) => Some(w.as_str()),
            _ => None,
        }
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if self.word() == Some(w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, what: &str) -> Result<String, String> {
        match self.bump() {
            Some(Tok::Word(w)) => Ok(w),
            other => Err(format!("expected {what}, got {}", describe(other.as_ref()))),
        }
    }

    fn parse_cond(&mut self) -> Result<Expr, String> {
        let c = self.parse_or()?;
        if self.peek() == Some(&Tok::Question) {
            self.pos += 1;
            let a = self.parse_cond()?;
            if self.bump() != Some(Tok::Colon) {
                return Err("expected ':' in '?:' (with spaces around it)".into());
            }
            let b = self.parse_cond()?;
            return Ok(Expr::Cond(Box::new(c), Box::new(a), Box::new(b)));
        }
        Ok(c)
    }

    fn parse_or(&mut self) -> Result<Expr, String> {
        let mut e = self.parse_and()?;
        while matches!(self.peek(), Some(Tok::Or)) || self.word() == Some("or") {
            self.pos += 1;
            e = or(e, self.parse_and()?);
        }
        Ok(e)
    }

    fn starts_term(&self) -> bool {
        match self.peek() {
            Some(Tok::Word(w)) => !matches!(w.as_str(), "and" | "or"),
            Some(Tok::LParen) | Some(Tok::Not) => true,
            _ => false,
        }
    }

    fn parse_and(&mut self) -> Result<Expr, String> {
        let mut e = self.parse_not()?;
        loop {
            if matches!(self.peek(), Some(Tok::And)) || self.word() == Some("and") {
                self.pos += 1;
                e = and(e, self.parse_not()?);
            } else if self.starts_term() {
                // Juxtaposition means "and": `fin ack`.
                e = and(e, self.parse_not()?);
            } else {
                return Ok(e);
            }
        }
    }

    fn parse_not(&mut self) -> Result<Expr, String> {
        if matches!(self.peek(), Some(Tok::Not)) || self.word() == Some("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.parse_not()?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.parse_cond()?;
            if self.bump() != Some(Tok::RParen) {
                return Err("missing ')'".into());
            }
            return Ok(e);
        }
        self.parse_primitive()
    }

    /// An optional relation (`== != < > <= >=`) and mask (`& MASK`).
    fn relation(&mut self) -> (u64, Op) {
        let mut mask = u64::MAX;
        if self.peek() == Some(&Tok::Amp)
            && let Some(Tok::Word(m)) = self.toks.get(self.pos + 1)
            && let Some(m) = number(m)
        {
            mask = m;
            self.pos += 2;
        }
        if let Some(Tok::Rel(op)) = self.peek() {
            let op = *op;
            self.pos += 1;
            return (mask, op);
        }
        (mask, Op::Eq)
    }

    fn parse_primitive(&mut self) -> Result<Expr, String> {
        let Some(first) = self.word().map(str::to_string) else {
            return Err(format!("expected a pattern, got {}", describe(self.peek())));
        };
        match first.as_str() {
            "true" | "any" | "all" | "-" => {
                self.pos += 1;
                return Ok(Expr::True);
            }
            "false" => {
                self.pos += 1;
                return Ok(Expr::False);
            }
            _ => {}
        }
        // Qualifiers.
        let mut dir = None;
        if self.eat_word("src") {
            dir = Some(Dir::Src);
            if self.word() == Some("or") && self.toks.get(self.pos + 1) == Some(&Tok::Word("dst".into())) {
                self.pos += 2;
                dir = Some(Dir::SrcOrDst);
            } else if self.word() == Some("and") && self.toks.get(self.pos + 1) == Some(&Tok::Word("dst".into())) {
                self.pos += 2;
                dir = Some(Dir::SrcAndDst);
            }
        } else if self.eat_word("dst") {
            dir = Some(Dir::Dst);
        }
        if dir.is_some() && matches!(self.word(), Some("src" | "dst")) {
            return Err("'src' or 'dst' specified twice".into());
        }
        let proto = transport_word(self.word());
        let explicit_ip = proto.is_none() && self.word() == Some("ip");
        if proto.is_some() || explicit_ip {
            self.pos += 1;
        }
        // As in Click, qualifiers name one transport protocol: `udp udp` is `udp`, `udp icmp`
        // an error (`udp and icmp` says what it means).
        if let (Some(p), Some(q)) = (proto, transport_word(self.word())) {
            if p != q {
                return Err("transport protocol specified twice".into());
            }
            self.pos += 1;
        }
        let kind_word = self.word().map(str::to_string);
        let kind = match kind_word.as_deref() {
            Some("host") => Some(Kind::Host),
            Some("net") => Some(Kind::Net),
            Some("port") => Some(Kind::Port),
            Some("proto") => Some(Kind::Proto),
            Some("type") if proto == Some(1) => Some(Kind::IcmpType),
            Some("opt") if proto == Some(6) => Some(Kind::TcpOpt),
            Some("win") if proto == Some(6) => Some(Kind::IpField(Field::TcpWin, u64::MAX)),
            Some("ether") => {
                self.pos += 1;
                if !self.eat_word("host") {
                    return Err("expected 'host' after 'ether'".into());
                }
                self.pos -= 1;
                Some(Kind::EtherHost)
            }
            Some("vers") => Some(Kind::IpField(Field::IpVers, 15)),
            Some("hl") => Some(Kind::IpField(Field::IpHl, 15)),
            Some("id") => Some(Kind::IpField(Field::IpId, 0xffff)),
            Some("tos") => Some(Kind::IpField(Field::IpTos, 255)),
            Some("ttl") => Some(Kind::IpField(Field::IpTtl, 255)),
            Some("len") => Some(Kind::IpField(Field::IpLen, 0xffff)),
            Some("dscp") => Some(Kind::IpField(Field::IpTos, 63)),
            _ => None,
        };
        if let Some(k) = kind {
            self.pos += 1;
            return self.primitive_value(Template { dir: dir.unwrap_or(Dir::SrcOrDst), proto, kind: k });
        }
        // `ip[...]`, `transp[...]`, `tcp[...]`, `udp[...]`.
        if self.peek() == Some(&Tok::LBracket) {
            let field = if explicit_ip { Field::IpBytes(0, 0) } else { Field::TranspBytes(0, 0) };
            return self.bytes_primitive(field, proto);
        }
        if self.word() == Some("transp") {
            self.pos += 1;
            return self.bytes_primitive(Field::TranspBytes(0, 0), proto);
        }
        // Keyword-less forms (Click takes them with or without `ip`).
        {
            match self.word() {
                Some("frag") => {
                    self.pos += 1;
                    return Ok(test(Field::IpFrag, Needs::Nothing, u64::MAX, Op::Ne, 0));
                }
                Some("unfrag") => {
                    self.pos += 1;
                    return Ok(test(Field::IpFrag, Needs::Nothing, u64::MAX, Op::Eq, 0));
                }
                Some("ect") => {
                    self.pos += 1;
                    return Ok(test(Field::IpTos, Needs::Nothing, 3, Op::Ne, 0));
                }
                Some("ce") => {
                    self.pos += 1;
                    return Ok(test(Field::IpTos, Needs::Nothing, 3, Op::Eq, 3));
                }
                _ => {}
            }
        }
        if let (Some(p), None) = (proto, dir)
            && !self.starts_value()
        {
            // A bare protocol: `tcp`.
            self.last = Some(Template { dir: Dir::SrcOrDst, proto: None, kind: Kind::Proto });
            return Ok(test(Field::IpProto, Needs::Nothing, u64::MAX, Op::Eq, u64::from(p)));
        }
        // A bare value: repeat the last primitive's qualifiers, or infer from the value.
        let word = self
            .word()
            .map(str::to_string)
            .ok_or_else(|| format!("expected a value, got {}", describe(self.peek())))?;
        match word.as_str() {
            "frag" => {
                self.pos += 1;
                return Ok(test(Field::IpFrag, Needs::Nothing, u64::MAX, Op::Ne, 0));
            }
            "unfrag" => {
                self.pos += 1;
                return Ok(test(Field::IpFrag, Needs::Nothing, u64::MAX, Op::Eq, 0));
            }
            _ => {}
        }
        if dir.is_none()
            && proto.is_none()
            && let Some(t) = self.last
            && self.fits(t.kind, &word)
        {
            return self.primitive_value(t);
        }
        let kind = if lookup(TCP_OPTS, &word).is_some() && dir.is_none() {
            Kind::TcpOpt
        } else if word.contains('/') || word.parse::<Ipv4Addr>().is_ok() || self.names.ip(&word).is_some() {
            if word.contains('/') || self.names.ip(&word).is_some_and(|(_, l)| l < 32) { Kind::Net } else { Kind::Host }
        } else if port_name(&word).is_some() || number(&word).is_some() {
            Kind::Port
        } else if proto_number(&word).is_some() {
            Kind::Proto
        } else {
            return Err(format!("unknown pattern word '{word}'"));
        };
        self.primitive_value(Template { dir: dir.unwrap_or(Dir::SrcOrDst), proto, kind })
    }

    /// True when `w` is a value of kind `k` (so a bare `w` may repeat a primitive of `k`).
    fn fits(&self, k: Kind, w: &str) -> bool {
        match k {
            Kind::Host | Kind::Net => parse_ip(w, self.names).is_some(),
            Kind::Port => port_name(w).is_some() || number(w).is_some_and(|p| p <= 0xffff),
            Kind::Proto => proto_number(w).is_some(),
            Kind::IcmpType => lookup(ICMP_TYPES, w).is_some() || number(w).is_some_and(|t| t < 256),
            Kind::TcpOpt => lookup(TCP_OPTS, w).is_some(),
            Kind::IpField(..) => number(w).is_some(),
            Kind::EtherHost => w.parse::<EtherAddress>().is_ok() || self.names.ether(w).is_some(),
        }
    }

    fn starts_value(&self) -> bool {
        match self.word() {
            Some(w) => {
                w.parse::<Ipv4Addr>().is_ok() || w.contains('/') || number(w).is_some() || port_name(w).is_some()
            }
            None => matches!(self.peek(), Some(Tok::Rel(_)) | Some(Tok::Amp)),
        }
    }

    fn bytes_primitive(&mut self, field: Field, proto: Option<u8>) -> Result<Expr, String> {
        if self.bump() != Some(Tok::LBracket) {
            return Err("expected '['".into());
        }
        let pos = number(&self.expect_word("a byte position")?).ok_or("bad byte position")?;
        let mut len = 1;
        if self.peek() == Some(&Tok::Colon) {
            self.pos += 1;
            len = number(&self.expect_word("a length")?).ok_or("bad length")?;
        }
        if self.bump() != Some(Tok::RBracket) {
            return Err("expected ']'".into());
        }
        if !(1..=4).contains(&len) || pos > 0xffff {
            return Err("byte fields are 1 to 4 bytes long".into());
        }
        let field = match field {
            Field::IpBytes(..) => Field::IpBytes(pos as u16, len as u8),
            _ => Field::TranspBytes(pos as u16, len as u8),
        };
        let (mask, op) = self.relation();
        let v = self.expect_word("a value")?;
        let value = number(&v).ok_or_else(|| format!("expected a number, got '{v}'"))?;
        let needs = proto.map_or(Needs::Nothing, Needs::Proto);
        Ok(test(field, needs, mask, op, value & mask))
    }

    /// Parses the value (and relation) of a primitive of the template's kind.
    fn primitive_value(&mut self, t: Template) -> Result<Expr, String> {
        self.last = Some(t);
        let (mask, op) = self.relation();
        let v = self.expect_word("a value")?;
        let needs_transport = |p: Option<u8>| p.map_or(Needs::TcpOrUdp, Needs::Proto);
        let pair = |src: Expr, dst: Expr, dir: Dir| match dir {
            Dir::Src => src,
            Dir::Dst => dst,
            Dir::SrcOrDst => or(src, dst),
            Dir::SrcAndDst => and(src, dst),
        };
        match t.kind {
            Kind::Host | Kind::Net => {
                let (addr, len) = if t.kind == Kind::Net && self.eat_word("mask") {
                    let a: Ipv4Addr = v.parse().map_err(|_| format!("bad network '{v}'"))?;
                    let m = self.expect_word("a mask")?;
                    let m: Ipv4Addr = m.parse().map_err(|_| format!("bad mask '{m}'"))?;
                    let l = click_core::net::mask_to_prefix_len(m).ok_or("non-contiguous mask")?;
                    (a, l)
                } else {
                    parse_ip(&v, self.names).ok_or_else(|| format!("expected an IP address, got '{v}'"))?
                };
                let net_mask = if len == 0 { 0 } else { (u64::from(u32::MAX) << (32 - u32::from(len))) & 0xffff_ffff };
                let m = net_mask & mask;
                let value = u64::from(u32::from(addr)) & m;
                Ok(pair(
                    test(Field::IpSrc, Needs::Nothing, m, op, value),
                    test(Field::IpDst, Needs::Nothing, m, op, value),
                    t.dir,
                ))
            }
            Kind::Port => {
                let port = port_name(&v)
                    .or_else(|| number(&v).filter(|&p| p <= 0xffff))
                    .ok_or_else(|| format!("expected a port, got '{v}'"))?;
                let needs = needs_transport(t.proto);
                Ok(pair(
                    test(Field::SrcPort, needs, mask, op, port & mask),
                    test(Field::DstPort, needs, mask, op, port & mask),
                    t.dir,
                ))
            }
            Kind::Proto => {
                let p = proto_number(&v).ok_or_else(|| format!("expected a protocol, got '{v}'"))?;
                Ok(test(Field::IpProto, Needs::Nothing, mask, op, p & mask))
            }
            Kind::IcmpType => {
                let ty = lookup(ICMP_TYPES, &v)
                    .or_else(|| number(&v).filter(|&x| x < 256))
                    .ok_or_else(|| format!("expected an ICMP type, got '{v}'"))?;
                Ok(test(Field::IcmpType, Needs::Proto(1), mask, op, ty & mask))
            }
            Kind::TcpOpt => {
                let bit = lookup(TCP_OPTS, &v).ok_or_else(|| format!("expected a TCP option, got '{v}'"))?;
                Ok(test(Field::TcpFlags, Needs::Proto(6), bit, Op::Eq, bit))
            }
            Kind::IpField(field, max) => {
                let x = number(&v).ok_or_else(|| format!("expected a number up to {max}, got '{v}'"))?;
                if x > max {
                    // As Click: a relation with a value beyond the field's range is allowed
                    // (and constant), an equality is not.
                    let (symbol, always) = match op {
                        Op::Lt => ("<", true),
                        Op::Le => ("<=", true),
                        Op::Gt => (">", false),
                        Op::Ge => (">=", false),
                        Op::Eq | Op::Ne => return Err(format!("expected a number up to {max}, got '{v}'")),
                    };
                    self.warnings.push(format!("relation '{symbol} {v}' is always {always} (range 0-{max})"));
                }
                let (field_mask, x) = if max == 63 && field == Field::IpTos { (0xfc, x << 2) } else { (u64::MAX, x) };
                // `tcp ttl 64`: Click tests the protocol too.
                let needs = match (field, t.proto) {
                    (Field::TcpWin, _) => Needs::Proto(6),
                    (_, Some(p)) => Needs::Proto(p),
                    (_, None) => Needs::Nothing,
                };
                Ok(test(field, needs, field_mask & mask, op, x & mask))
            }
            Kind::EtherHost => {
                let e: EtherAddress = v
                    .parse()
                    .ok()
                    .or_else(|| self.names.ether(&v))
                    .ok_or_else(|| format!("expected an Ethernet address, got '{v}'"))?;
                let value = e.0.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b));
                Ok(pair(
                    test(Field::EtherSrc, Needs::Nothing, mask, op, value & mask),
                    test(Field::EtherDst, Needs::Nothing, mask, op, value & mask),
                    t.dir,
                ))
            }
        }
    }
}

fn parse_ip(w: &str, names: &dyn NameResolver) -> Option<(Ipv4Addr, u8)> {
    if let Ok(a) = w.parse::<Ipv4Addr>() {
        return Some((a, 32));
    }
    if let Ok(p) = w.parse::<click_core::Ipv4Prefix>() {
        return Some((p.addr, p.prefix_len()?));
    }
    names.ip(w)
}

fn describe(t: Option<&Tok>) -> String {
    match t {
        None => "end of pattern".into(),
        Some(Tok::Word(w)) => format!("'{w}'"),
        Some(other) => format!("{other:?}"),
    }
}

/// Parses one pattern.
pub(crate) fn parse(text: &str, names: &dyn NameResolver) -> Result<Expr, String> {
    parse_with_warnings(text, names).map(|(e, _)| e)
}

/// [`parse`], with Click's warnings about the pattern (`relation '> 300' is always false
/// (range 0-255)`).
pub(crate) fn parse_with_warnings(text: &str, names: &dyn NameResolver) -> Result<(Expr, Vec<String>), String> {
    let toks = lex(text)?;
    if toks.is_empty() {
        return Err("empty pattern".into());
    }
    let mut p = Parser { toks, pos: 0, names, last: None, warnings: Vec::new() };
    let e = p.parse_cond()?;
    if p.pos < p.toks.len() {
        return Err(format!("unexpected {} in pattern", describe(p.peek())));
    }
    Ok((e, p.warnings))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn qualifiers_name_one_protocol_and_one_direction() {
        let err = |t: &str| parse(t, &NoNames).unwrap_err();
        assert!(err("udp icmp").contains("transport protocol specified twice"));
        assert!(err("tcp udp port 53").contains("transport protocol specified twice"));
        assert!(err("src dst host 10.0.0.1").contains("specified twice"));
        assert_eq!(parse("udp udp port 53", &NoNames).unwrap(), parse("udp port 53", &NoNames).unwrap());
        assert!(parse("udp and icmp", &NoNames).is_ok());
        // A relation beyond the field's range is allowed, with Click's warning; equality not.
        let (_, w) = parse_with_warnings("ip ttl > 300", &NoNames).unwrap();
        assert_eq!(w, ["relation '> 300' is always false (range 0-255)"]);
        assert!(err("ip ttl 300").contains("up to 255"));
    }

    #[test]
    fn service_names_come_from_a_services_file() {
        let text = "# comment\nxmpp-client\t5222/tcp\tjabber-client\nsyslog 514/udp\nweird 99/sctp\nbad x/tcp\n";
        let m = parse_services(text);
        assert_eq!(m.get("xmpp-client"), Some(&5222));
        assert_eq!(m.get("jabber-client"), Some(&5222));
        assert_eq!(m.get("syslog"), Some(&514));
        assert_eq!(m.get("weird"), None);
        assert_eq!(m.get("bad"), None);
        // Click's own names come first, whatever the file says.
        assert_eq!(port_name("http"), Some(80));
    }
    use crate::wire::ipv4::Ipv4Repr;
    use proptest::prelude::*;

    /// A 40-byte IPv4 + TCP-shaped packet (TTL 64); also ip_program's tests' packets.
    pub(crate) fn packet(src: [u8; 4], dst: [u8; 4], proto: u8, sport: u16, dport: u16, flags: u8) -> Vec<u8> {
        let mut b = vec![0u8; 40];
        Ipv4Repr {
            src: src.into(),
            dst: dst.into(),
            protocol: proto,
            payload_len: 20,
            ttl: 64,
            tos: 0,
            ident: 5,
            flags_offset: 0,
        }
        .emit(&mut b);
        b[20..22].copy_from_slice(&sport.to_be_bytes());
        b[22..24].copy_from_slice(&dport.to_be_bytes());
        b[32] = 0x50;
        b[33] = flags;
        b
    }

    fn matches(pattern: &str, pkt: &[u8]) -> bool {
        let e = parse(pattern, &NoNames).unwrap_or_else(|err| panic!("{pattern}: {err}"));
        let f = PacketFields::new(pkt, None).unwrap();
        let prog = Program::compile(&[(e.clone(), Target::Output(0))]);
        let compiled = prog.run(Some(&f)) == Some(0);
        assert_eq!(compiled, e.eval(&f), "{pattern}");
        compiled
    }

    #[test]
    fn primitives() {
        let syn = packet([10, 0, 0, 5], [18, 26, 4, 9], 6, 1025, 80, 2);
        assert!(matches("10.0.0.0/24 and syn", &syn));
        assert!(matches("tcp", &syn));
        assert!(!matches("udp", &syn));
        assert!(matches("src host 10.0.0.5", &syn));
        assert!(!matches("dst host 10.0.0.5", &syn));
        assert!(matches("host 10.0.0.5", &syn));
        assert!(matches("dst net 18.26.4.0 mask 255.255.255.0", &syn));
        assert!(matches("dst port www", &syn));
        assert!(matches("tcp dst port 80", &syn));
        assert!(!matches("udp dst port 80", &syn));
        assert!(matches("src port > 1023", &syn));
        assert!(!matches("src port < 1024", &syn));
        assert!(matches("dst port 79 or 80", &syn), "bare values repeat the qualifiers");
        assert!(!matches("fin ack", &syn));
        assert!(matches("syn && !ack", &syn));
        assert!(matches("ip ttl 64 and ip proto tcp and ip vers 4 and ip hl 5", &syn));
        assert!(matches("ip ttl > 4", &syn));
        assert!(matches("unfrag", &syn));
        assert!(!matches("ip frag", &syn));
        assert!(matches("ip[9] 6", &syn));
        assert!(matches("tcp[13] & 2 != 0", &syn));
        assert!(matches("transp[2:2] 80", &syn));
        assert!(matches("syn ? dst port 80 : false", &syn));
        assert!(matches("(dst port www or dst port ssh) and tcp opt syn", &syn));
        assert!(matches("src port & 1 == 1", &syn));
        assert!(matches("true", &syn));
        assert!(!matches("false", &syn));
        assert!(matches("-", &syn));
        assert!(matches("src and dst net 0.0.0.0/0", &syn));
        assert!(matches("ip dscp 0", &syn));
        let ping = packet([1, 1, 1, 1], [2, 2, 2, 2], 1, 0x0800, 0, 0);
        assert!(matches("icmp type echo", &ping));
        assert!(matches("icmp", &ping));
        assert!(!matches("icmp type != echo", &ping));
        assert!(!matches("port 2048", &ping), "ports only exist for TCP and UDP");
        assert!(!matches("src tcp port != 5", &ping), "!= still needs TCP");
        assert!(matches("!(src tcp port == 5)", &ping));
    }

    #[test]
    fn errors() {
        for bad in ["", "host", "host 300.1.1.1", "port 70000", "(tcp", "tcp )", "bogus", "ip[1:9] 0", "tcp ? udp"] {
            assert!(parse(bad, &NoNames).is_err(), "{bad:?} parsed");
        }
    }

    fn expr_strategy() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("tcp".to_string()),
            Just("udp".to_string()),
            Just("syn".to_string()),
            Just("ack".to_string()),
            (0u8..4).prop_map(|x| format!("src net 10.{x}.0.0/16")),
            (0u8..4).prop_map(|x| format!("dst host 10.0.0.{x}")),
            (78u16..82).prop_map(|p| format!("dst port {p}")),
            (1020u16..1030).prop_map(|p| format!("src port > {p}")),
            Just("ip ttl < 64".to_string()),
            Just("true".to_string()),
        ];
        leaf.prop_recursive(4, 24, 3, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
                inner.clone().prop_map(|a| format!("not ({a})")),
                (inner.clone(), inner.clone(), inner).prop_map(|(a, b, c)| format!("({a}) ? ({b}) : ({c})")),
            ]
        })
    }

    proptest! {
        #[test]
        fn compiled_program_agrees_with_the_tree(
            patterns in proptest::collection::vec(expr_strategy(), 1..4),
            src in (0u8..4, 0u8..4), dst in 0u8..4, proto in prop_oneof![Just(6u8), Just(17u8), Just(1u8)],
            sport in 1015u16..1035, dport in 76u16..84, flags in 0u8..32, ttl in 60u8..68,
        ) {
            let mut pkt = packet([10, src.0, 0, src.1], [10, 0, 0, dst], proto, sport, dport, flags);
            pkt[8] = ttl;
            let exprs: Vec<Expr> = patterns.iter().map(|p| parse(p, &NoNames).unwrap()).collect();
            let prog = Program::compile(
                &exprs.iter().enumerate().map(|(i, e)| (e.clone(), Target::Output(i as u32))).collect::<Vec<_>>(),
            );
            let f = PacketFields::new(&pkt, None).unwrap();
            let want = exprs.iter().position(|e| e.eval(&f));
            prop_assert_eq!(prog.run(Some(&f)), want);
        }
    }
}
