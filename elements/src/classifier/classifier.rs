use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext};

use super::pattern::{Pattern, parse_all};

click_core::documented! {
    /// Classifies packets by their bytes.
    ///
    /// # Synopsis
    /// `Classifier(PATTERN_1, ..., PATTERN_N)`
    ///
    /// # Ports and processing
    /// One push input; N push outputs, one per pattern. A packet leaves on the output of the
    /// first pattern it matches; a packet matching none is dropped and counted.
    ///
    /// A pattern is clauses separated by spaces, each `OFFSET/VALUE` or `OFFSET/VALUE%MASK`:
    /// the offset in decimal, the value and mask in hex with an even number of digits, `?`
    /// for a nibble that does not matter. `!` before a clause negates it. The pattern `-`
    /// matches every packet. Bytes beyond the end of a packet never match. Patterns are
    /// compiled once, at configuration, into tests of aligned 32-bit words.
    ///
    /// # Handlers
    /// - `program` (read): the compiled tests, one pattern per line.
    /// - `drops` (read): packets that matched no pattern.
    ///
    /// # Example
    /// ```click
    /// src :: InfiniteSource(LIMIT 1, STOP true);
    /// c :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
    /// src -> c;
    /// c[0] -> Discard; c[1] -> Discard; c[2] -> Discard; c[3] -> Discard;
    /// ```
    #[derive(Default)]
    pub struct Classifier {
        patterns: Vec<Pattern>,
        flat: Flat,
        drops: u64,
    }
}

/// The patterns as one list of word tests, for the common case: no negated clause, so a
/// pattern matches when all its tests hold. Used for packets long enough for every test.
#[derive(Default)]
struct Flat {
    /// False when some clause is negated: then only `Pattern::matches` applies.
    usable: bool,
    /// Packets at least this long have every word a test reads.
    min_len: usize,
    /// `[offset, mask, value]` of every test, pattern after pattern.
    tests: Vec<[u32; 3]>,
    /// Where each pattern's tests end in `tests`.
    ends: Vec<u32>,
}

impl Flat {
    fn new(patterns: &[Pattern]) -> Flat {
        let mut f = Flat { usable: true, ..Flat::default() };
        for p in patterns {
            for c in &p.clauses {
                f.usable &= !c.negated;
                for t in &c.tests {
                    f.tests.push([t.offset as u32, t.mask, t.value]);
                    f.min_len = f.min_len.max(t.offset + 4);
                }
            }
            f.ends.push(f.tests.len() as u32);
        }
        f
    }

    /// The first pattern all of whose tests hold (`data` has at least `min_len` bytes).
    #[inline]
    fn classify(&self, data: &[u8]) -> Option<usize> {
        let mut start = 0;
        for (i, &end) in self.ends.iter().enumerate() {
            let tests = self.tests.get(start..end as usize)?;
            let holds = |&[off, mask, value]: &[u32; 3]| {
                let off = off as usize;
                data.get(off..off + 4).is_some_and(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]) & mask == value)
            };
            if tests.iter().all(holds) {
                return Some(i);
            }
            start = end as usize;
        }
        None
    }
}

impl Classifier {
    /// The output for packet bytes `data`, if any pattern matches.
    #[inline]
    pub fn classify(&self, data: &[u8]) -> Option<usize> {
        if self.flat.usable && data.len() >= self.flat.min_len {
            return self.flat.classify(data);
        }
        self.patterns.iter().position(|p| p.matches(data))
    }
}

impl Element for Classifier {
    fn class_name(&self) -> &'static str {
        "Classifier"
    }

    fn port_count(&self) -> &'static str {
        ports::P1_ANY
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let rest = args.take_rest();
        if rest.is_empty() {
            return Err(ArgError::new(None, "expected at least one pattern"));
        }
        self.patterns = parse_all(&rest).map_err(|e| ArgError::new(None, e.to_string()))?;
        self.flat = Flat::new(&self.patterns);
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        if cx.noutputs() != self.patterns.len() {
            return Err(format!(
                "{} patterns but {} outputs: connect one output per pattern",
                self.patterns.len(),
                cx.noutputs()
            ));
        }
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let this = &*self;
        let dropped = cx.output_classified(batch, |p| this.classify(p.data()));
        self.drops += dropped as u64;
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read("program"), HandlerInfo::read("drops")];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            "program" => Ok(self
                .patterns
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let tests: Vec<String> = p
                        .clauses
                        .iter()
                        .map(|c| {
                            let t: Vec<String> = c.tests.iter().map(|t| t.to_string()).collect();
                            format!("{}{}", if c.negated { "!" } else { "" }, t.join("&"))
                        })
                        .collect();
                    let body = if p.matches_all() { "-".to_string() } else { tests.join(" ") };
                    format!("[{i}] {body}\n")
                })
                .collect()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
