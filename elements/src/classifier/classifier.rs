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
    /// - `config` (read/write): writing it configures the element again (as many patterns as
    ///   outputs).
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
        /// Outputs, once initialized (a `config` write cannot change their number).
        noutputs: Option<usize>,
        flat: Flat,
    }
}

/// The patterns as one straight program for the common case (no negated clause): a list of
/// steps, each a word test that goes on to the next step when it holds and jumps to the
/// next pattern's first step when it does not, or the acceptance of a pattern. Used for
/// packets long enough for every test.
#[derive(Default)]
struct Flat {
    /// False when some clause is negated: then only `Pattern::matches` applies.
    usable: bool,
    /// Packets at least this long have every word a test reads.
    min_len: usize,
    /// `[offset, mask, value, next pattern's step]`, or `[ACCEPT, 0, pattern, 0]`.
    steps: Vec<[u32; 4]>,
}

const ACCEPT: u32 = u32::MAX;

impl Flat {
    fn new(patterns: &[Pattern]) -> Flat {
        let mut f = Flat { usable: true, ..Flat::default() };
        for (i, p) in patterns.iter().enumerate() {
            let tests: Vec<_> = p.clauses.iter().flat_map(|c| &c.tests).collect();
            f.usable &= p.clauses.iter().all(|c| !c.negated);
            let next = (f.steps.len() + tests.len() + 1) as u32;
            for t in tests {
                f.steps.push([t.offset as u32, t.mask, t.value, next]);
                f.min_len = f.min_len.max(t.offset + 4);
            }
            f.steps.push([ACCEPT, 0, i as u32, 0]);
        }
        f
    }

    /// The first pattern all of whose tests hold (`data` has at least `min_len` bytes).
    #[inline]
    fn classify(&self, data: &[u8]) -> Option<usize> {
        let mut pc = 0;
        while let Some(&[off, mask, value, next]) = self.steps.get(pc) {
            if off == ACCEPT {
                return Some(value as usize);
            }
            let off = off as usize;
            let w = data.get(off..off + 4)?;
            pc = if u32::from_be_bytes([w[0], w[1], w[2], w[3]]) & mask == value { pc + 1 } else { next as usize };
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
        let patterns = parse_all(&rest).map_err(|e| ArgError::new(None, e.to_string()))?;
        if let Some(n) = self.noutputs.filter(|&n| n != patterns.len()) {
            return Err(ArgError::new(None, format!("need {n} arguments, one per output port")));
        }
        if self.noutputs.is_none() {
            for i in unreachable_outputs(&patterns) {
                args.warn(format!("output {i} matches no packets"));
            }
        }
        self.flat = Flat::new(&patterns);
        self.patterns = patterns;
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
        self.noutputs = Some(cx.noutputs());
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let this = &*self;
        cx.output_classified(batch, |p| this.classify(p.data()));
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read_write("config").calm(), HandlerInfo::read("program").calm()];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
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

/// Outputs whose pattern can match no packet because earlier patterns match every packet it
/// matches (an earlier `-`, an earlier pattern whose tests are all among its own, or two
/// earlier one-test patterns `X` and `!X`), as Click warns at configuration. Click's
/// optimizer may find more.
fn unreachable_outputs(patterns: &[Pattern]) -> Vec<usize> {
    let text = |p: &Pattern| -> Vec<String> {
        p.clauses
            .iter()
            .map(|c| {
                let t: Vec<String> = c.tests.iter().map(|t| t.to_string()).collect();
                format!("{}{}", if c.negated { "!" } else { "" }, t.join("&"))
            })
            .collect()
    };
    let texts: Vec<Vec<String>> = patterns.iter().map(text).collect();
    // Two earlier one-test patterns that are each other's negation match every packet.
    let complements = |j: usize, k: usize| match (texts[j].as_slice(), texts[k].as_slice()) {
        ([a], [b]) => a.strip_prefix('!') == Some(b.as_str()),
        _ => false,
    };
    (0..patterns.len())
        .filter(|&i| {
            (0..i).any(|j| patterns[j].matches_all() || texts[j].iter().all(|c| texts[i].contains(c)))
                || (0..i).any(|j| (0..i).any(|k| complements(j, k)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn clause() -> impl Strategy<Value = String> {
        (any::<bool>(), 0usize..28, proptest::collection::vec(0u8..17, 1..4), proptest::option::of(any::<u32>()))
            .prop_map(|(neg, off, nibbles, mask)| {
                let hex = |v: u8| if v == 16 { '?' } else { char::from_digit(u32::from(v), 16).unwrap() };
                let val: String = nibbles.iter().flat_map(|&n| [hex(n), hex(n.wrapping_mul(7) % 17)]).collect();
                let mut s = format!("{}{off}/{val}", if neg { "!" } else { "" });
                if let Some(m) = mask {
                    s.push('%');
                    s.extend((0..val.len()).map(|i| char::from_digit((m >> (i % 8 * 4)) & 0xf, 16).unwrap()));
                }
                s
            })
    }

    fn pattern() -> impl Strategy<Value = String> {
        proptest::collection::vec(clause(), 0..3).prop_map(|c| if c.is_empty() { "-".into() } else { c.join(" ") })
    }

    proptest! {
        #[test]
        fn flat_program_agrees_with_the_patterns(
            texts in proptest::collection::vec(pattern(), 1..5),
            data in proptest::collection::vec(0u8..4, 0..40),
            negations in any::<bool>(),
        ) {
            // Small byte values so that tests match often; drop negations in half the cases so
            // that the flat program is used.
            let texts: Vec<String> =
                texts.into_iter().map(|t| if negations { t } else { t.replace('!', "") }).collect();
            let patterns = parse_all(&texts).unwrap();
            let c = Classifier { flat: Flat::new(&patterns), patterns, noutputs: None };
            let want = c.patterns.iter().position(|p| p.matches(&data));
            prop_assert_eq!(c.classify(&data), want, "patterns {:?}", texts);
        }
    }
}
