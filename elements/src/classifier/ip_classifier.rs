use std::net::Ipv4Addr;

use click_core::args::{AddressTable, AddressValue};
use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, EtherAddress, HandlerError, InitContext};

use super::ip_expr::{self, NameResolver, Program, Target};
use super::ip_program;
use super::wordwise::{self, Compressed};

click_core::documented! {
    /// Classifies IP packets with tcpdump-like patterns: `IPClassifier` (one pattern per
    /// output) and `IPFilter` (ACTION PATTERN rules).
    ///
    /// # Synopsis
    /// `IPClassifier(PATTERN_1, ..., PATTERN_N)`, `IPFilter(ACTION_1 PATTERN_1, ...)`
    ///
    /// # Ports and processing
    /// One push input taking IP packets with the network header annotation set
    /// (CheckIPHeader or MarkIPHeader); push outputs. IPClassifier sends a packet to the
    /// output of the first pattern it matches; IPFilter does what the first matching rule's
    /// ACTION says: `allow` (output 0), `deny` or `drop`, or an output number. Packets that
    /// match nothing, or have no usable IP header, are dropped and counted.
    ///
    /// Primitives: `[src|dst|src or dst|src and dst] host ADDR`, `... net ADDR/LEN` (or
    /// `ADDR mask MASK`), `... [tcp|udp] port PORT`, `ip proto P`, `ip vers`, `ip hl`,
    /// `ip id`, `ip tos`, `ip dscp`, `ip ttl`, `ip len`, `ip ect`, `ip ce`, `ip frag`,
    /// `ip unfrag`, `tcp opt syn|fin|ack|rst|psh|urg`, `tcp win W`, `icmp type T`,
    /// `ip[POS:LEN] V`, `transp[POS:LEN] V` (also `tcp[...]`, `udp[...]`),
    /// `[src|dst] ether host ETH`, `true`, `false`; `-`, `any` and `all` match everything.
    /// Values may be preceded by `==`, `!=`, `<`, `>`, `<=`, `>=` and a mask `& MASK`.
    /// Combine with `and`/`&&`, `or`/`||`, `not`/`!`, `C ? A : B` and parentheses; adjacent
    /// primitives mean `and`; the short forms `tcp`, `www`, `syn`, `10.0.0.0/8`, `unfrag`
    /// work as in Click, and `src port 80 or 81` repeats qualifiers. Ports, ICMP types and
    /// TCP options match first fragments only. AddressInfo names work as addresses.
    ///
    /// Patterns compile, at configuration, as Click compiles them: into one program of
    /// tests of 32-bit words at offsets 256 + N in the IP header and 512 + N in the
    /// transport header (which starts where the transport header annotation says), joined
    /// and optimized as Click does; `push` runs that program. As in Click, a packet counts
    /// as 512 + its transport length bytes long (256 + its IP length without transport
    /// bytes), and a test of bytes beyond that takes the branch Click's program gives short
    /// packets. Packets without a network header annotation fail every test.
    ///
    /// # Handlers
    /// - `program` (read): Click's program, as the original Click prints it (see
    ///   Classifier's `program`; a step with several values is printed as one line each).
    /// - `config` (read/write): writing it configures the element again.
    /// - `pattern0`, `pattern1`... (read/write, IPClassifier): each pattern; writing one
    ///   configures the element again with it.
    ///
    /// # Example
    /// ```click
    /// src :: InfiniteSource(LIMIT 1, STOP true) -> CheckIPHeader
    ///   -> c :: IPClassifier(10.0.0.0/24 and syn, 10.0.0.0/24 and fin ack, 10.0.0.0/24 and tcp, -);
    /// c[0] -> Discard; c[1] -> Discard; c[2] -> Discard; c[3] -> Discard;
    /// f :: IPFilter(allow src port www, deny all);
    /// Idle -> f -> Discard;
    /// ```
    pub struct IpClassifier {
        filter: bool,
        /// Our own graph of field tests, kept for packets without a network header (for
        /// which Click's program has no defined meaning).
        program: Option<Program>,
        /// Click's program, which runs.
        click_run: Option<wordwise::Program>,
        /// Click's program compressed, which the `program` handler prints.
        click_program: Option<Compressed>,
        max_output: Option<usize>,
        /// The patterns as given (IPClassifier's `patternN` handlers).
        patterns: Vec<String>,
        /// Outputs, once initialized (a `config` write cannot use more).
        noutputs: Option<usize>,
    }
}

struct Names<'a>(Option<&'a AddressTable>);

impl NameResolver for Names<'_> {
    fn ip(&self, name: &str) -> Option<(Ipv4Addr, u8)> {
        self.0?.get(name).iter().find_map(|v| match v {
            AddressValue::Ipv4(a) => Some((*a, 32)),
            AddressValue::Ipv4Prefix(p) => Some((p.network(), p.prefix_len()?)),
            _ => None,
        })
    }

    fn ether(&self, name: &str) -> Option<EtherAddress> {
        self.0?.get(name).iter().find_map(|v| match v {
            AddressValue::Ether(e) => Some(*e),
            _ => None,
        })
    }
}

impl IpClassifier {
    /// An IPClassifier (`filter == false`) or IPFilter.
    pub fn new(filter: bool) -> IpClassifier {
        IpClassifier {
            filter,
            program: None,
            click_run: None,
            click_program: None,
            max_output: None,
            patterns: Vec::new(),
            noutputs: None,
        }
    }
}

impl Element for IpClassifier {
    fn class_name(&self) -> &'static str {
        if self.filter { "IPFilter" } else { "IPClassifier" }
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn may_originate_packets(&self) -> bool {
        false
    }

    fn port_count(&self) -> &'static str {
        if self.filter { "1/1-" } else { ports::P1_ANY }
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let cx = args.context();
        let names = Names(cx.addresses);
        let mut rules = Vec::new();
        let mut click_rules: Vec<(Option<u32>, String)> = Vec::new();
        let mut max_output = None;
        let rest = args.take_rest();
        for (i, arg) in rest.iter().enumerate() {
            let (target, pattern) = if self.filter {
                let (action, rest) = arg.trim().split_once(char::is_whitespace).unwrap_or((arg.trim(), ""));
                let target = match action {
                    "allow" => Target::Output(0),
                    "deny" | "drop" => Target::Drop,
                    n => Target::Output(n.parse().map_err(|_| {
                        ArgError::new(
                            None,
                            format!("rule {i}: expected 'allow', 'deny', 'drop' or an output, got '{n}'"),
                        )
                    })?),
                };
                (target, rest.to_string())
            } else {
                (Target::Output(i as u32), arg.clone())
            };
            if let Target::Output(o) = target {
                max_output = Some(max_output.unwrap_or(0).max(o as usize));
            }
            let pattern = if self.filter && pattern.trim().is_empty() { "true".to_string() } else { pattern };
            let (expr, warnings) = ip_expr::parse_with_warnings(&pattern, &names)
                .map_err(|m| ArgError::new(None, format!("pattern {i} '{}': {m}", pattern.trim())))?;
            for w in warnings {
                args.warn_in(&format!("pattern {i}"), w);
            }
            click_rules.push((
                match target {
                    Target::Output(o) => Some(o),
                    _ => None,
                },
                pattern.trim().to_string(),
            ));
            rules.push((expr, target));
        }
        if rules.is_empty() && !self.filter {
            return Err(ArgError::new(None, "expected at least one pattern"));
        }
        if let (Some(m), Some(n)) = (max_output, self.noutputs)
            && m >= n
        {
            return Err(ArgError::new(
                None,
                format!("a pattern sends packets to output {m}, but there are {n} outputs"),
            ));
        }
        let program = Program::compile(&rules);
        let click_rules: Vec<(Option<u32>, &str)> = click_rules.iter().map(|(o, t)| (*o, t.as_str())).collect();
        let (click_run, click_program) = ip_program::compile(&click_rules, &names);
        // As Click's IPClassifier, at the first configuration: outputs no packet can reach.
        if !self.filter && self.noutputs.is_none() {
            for i in click_program.unused_outputs(rules.len()) {
                args.warn(format!("output {i} matches no packets"));
            }
        }
        self.click_program = Some(click_program);
        self.click_run = Some(click_run);
        self.max_output = max_output;
        self.patterns = rest;
        self.program = Some(program);
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        if let Some(m) = self.max_output
            && m >= cx.noutputs()
        {
            return Err(format!("a pattern sends packets to output {m}, but there are {} outputs", cx.noutputs()));
        }
        self.noutputs = Some(cx.noutputs());
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let program = self.program.as_ref().expect("configured");
        let click = self.click_run.as_ref().expect("configured");
        cx.output_classified(batch, |p| match p.network_header() {
            Some(ip) => {
                // The IP header ends where the transport header starts, or as its length
                // field says when the transport header is not marked.
                let nhl =
                    p.network_header_length().unwrap_or_else(|| usize::from(ip.first().map_or(0, |b| b & 0xf)) * 4);
                click.run_ip(p.mac_header(), ip, nhl)
            }
            None => program.run(None),
        });
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const FILTER: &[HandlerInfo] = &[HandlerInfo::read_write("config").calm(), HandlerInfo::read("program")];
        if self.filter {
            FILTER
        } else {
            let n = self.noutputs.unwrap_or(self.patterns.len());
            crate::numbered_handlers(
                FILTER,
                "pattern",
                n,
                |name, position| HandlerInfo::read_write(name).reconfigures(position),
                &[],
            )
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "program" => Ok(self.click_program.as_ref().map(|p| p.to_string()).unwrap_or_default()),
            _ if !self.filter && name.starts_with("pattern") => name["pattern".len()..]
                .parse::<usize>()
                .ok()
                .map(|i| self.patterns.get(i).cloned().unwrap_or_default())
                .ok_or_else(|| HandlerError::NoSuchHandler(name.into())),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
