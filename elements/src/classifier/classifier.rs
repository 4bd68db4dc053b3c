use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext};

use super::pattern::parse_all;
use super::wordwise::{Combiner, J_FAILURE, J_NEVER, Program};

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
    /// matches every packet. Bytes beyond the end of a packet never match.
    ///
    /// Patterns are compiled once, at configuration, into Click's decision tree of tests of
    /// aligned 32-bit words (`(word & mask) == value`), optimized as Click optimizes it
    /// (shared tests, tests already decided on every path skipped); `push` runs that tree.
    ///
    /// # Handlers
    /// - `program` (read): the tree, as the original Click prints it: one line per step
    ///   (`OFFSET/VALUE%MASK  yes->TARGET  no->TARGET`, targets `step N` or `[OUTPUT]`,
    ///   `[X]` for drop, `short->yes` when packets too short for the word take the yes
    ///   branch), or `all->[OUTPUT]`, then the `safe length` (packets at least this long
    ///   need no length checks) and `alignment offset` (always 0 here).
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
        /// Patterns (one per output).
        npatterns: usize,
        /// Outputs, once initialized (a `config` write cannot change their number).
        noutputs: Option<usize>,
        /// The optimized decision tree, which `push` runs and `program` prints.
        program: Program,
    }
}

impl Classifier {
    /// The output for packet bytes `data`, if any pattern matches.
    #[inline]
    pub fn classify(&self, data: &[u8]) -> Option<usize> {
        self.program.run(data)
    }
}

fn is_space(c: u8) -> bool {
    // C's isspace.
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn nibble(c: u8) -> (u8, u8) {
    // (value, mask); `?` matches anything.
    match c {
        b'?' => (0, 0),
        _ => ((c as char).to_digit(16).unwrap_or(0) as u8, 0xf),
    }
}

/// Builds Click's word program for already validated patterns: each clause's bytes go into
/// the aligned words they fall in (a clause starts a word of its own even when it does not
/// start at a word boundary), a clause's words are and-ed, `!` negates a clause, a
/// pattern's clauses are and-ed and lead to its output, and the patterns are tried in
/// order. The program is then optimized as Click optimizes it.
pub(crate) fn click_program(texts: &[String]) -> Program {
    let mut prog = Program::default();
    let mut tree = prog.init_subtree();
    prog.start_subtree(&mut tree);
    for (slot, text) in texts.iter().enumerate() {
        let s = text.as_bytes();
        let len = s.len();
        let mut i = if s == b"-" { 1 } else { 0 };
        let mut empty = true;
        prog.start_subtree(&mut tree);
        while i < len {
            while i < len && is_space(s[i]) {
                i += 1;
            }
            if i >= len {
                break;
            }
            let negated = s[i] == b'!';
            if negated {
                i += 1;
                while i < len && is_space(s[i]) {
                    i += 1;
                }
            }
            let mut offset = 0usize;
            while i < len && s[i].is_ascii_digit() {
                offset = offset * 10 + usize::from(s[i] - b'0');
                i += 1;
            }
            i += 1; // '/'
            let hexish = |c: u8| c.is_ascii_hexdigit() || c == b'?';
            let value_pos = i;
            while i < len && hexish(s[i]) {
                i += 1;
            }
            let value = &s[value_pos.min(len)..i.min(len)];
            let mut mask: Option<&[u8]> = None;
            if i < len && s[i] == b'%' {
                i += 1;
                let mask_pos = i;
                while i < len && hexish(s[i]) {
                    i += 1;
                }
                mask = Some(&s[mask_pos..i]);
            }
            prog.start_subtree(&mut tree);
            let mut first = true;
            for (b, pair) in value.chunks_exact(2).enumerate() {
                let (vh, mh) = nibble(pair[0]);
                let (vl, ml) = nibble(pair[1]);
                let mut m = (mh << 4) | ml;
                if let Some(mask) = mask {
                    let (a, am) = nibble(mask[2 * b]);
                    let (c, cm) = nibble(mask[2 * b + 1]);
                    m &= ((a << 4) | c) & ((am << 4) | cm);
                }
                let v = (vh << 4) | vl;
                if first || offset.is_multiple_of(4) {
                    prog.add_insn(&mut tree, (offset / 4 * 4) as u16, 0, 0);
                    first = false;
                    empty = false;
                }
                let shift = 24 - 8 * (offset % 4) as u32;
                let insn = prog.last_mut();
                insn.mask = (insn.mask & !(0xff << shift)) | (u32::from(m) << shift);
                insn.value = (insn.value & !(0xff << shift)) | (u32::from(v & m) << shift);
                offset += 1;
            }
            prog.finish(&mut tree, Combiner::And);
            if negated {
                prog.negate_subtree(&tree, false);
            }
        }
        if empty {
            prog.add_insn(&mut tree, 0, 0, 0);
        }
        prog.finish_subtree(&mut tree, Combiner::And, -(slot as i32), J_FAILURE);
    }
    prog.finish_subtree(&mut tree, Combiner::Or, J_NEVER, J_NEVER);
    prog.optimize(&[]);
    prog
}

impl Element for Classifier {
    fn class_name(&self) -> &'static str {
        "Classifier"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn may_originate_packets(&self) -> bool {
        false
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
        let program = click_program(&rest);
        if self.noutputs.is_none() {
            for i in program.unused_outputs(patterns.len()) {
                args.warn(format!("output {i} matches no packets"));
            }
        }
        self.program = program;
        self.npatterns = patterns.len();
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        if cx.noutputs() != self.npatterns {
            return Err(format!(
                "{} patterns but {} outputs: connect one output per pattern",
                self.npatterns,
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
            "program" => Ok(self.program.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
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
        /// Click's optimized tree sorts packets as the patterns say, for packets long
        /// enough for every test (see `short_packets_follow_clicks_tree` for the others).
        #[test]
        fn click_tree_agrees_with_the_patterns(
            texts in proptest::collection::vec(pattern(), 1..5),
            data in proptest::collection::vec(0u8..4, 0..40),
        ) {
            // Small byte values so that tests match often.
            let patterns = parse_all(&texts).unwrap();
            let program = click_program(&texts);
            if data.len() >= program.safe_length as usize {
                let want = patterns.iter().position(|p| p.matches(&data));
                prop_assert_eq!(program.run(&data), want, "patterns {:?}\n{}", texts, program);
            }
        }
    }

    /// Click's optimizer may merge a test that sends short packets one way into one that
    /// sends them the other way: for `!20/00%10 21/00` a 21-byte packet (too short for
    /// `21/00`) still goes to output 0 in the original Click, and so here.
    #[test]
    fn short_packets_follow_clicks_tree() {
        let texts = vec!["!20/00%10 21/00".to_string(), "-".to_string()];
        let program = click_program(&texts);
        assert_eq!(program.run(&[0u8; 21]), Some(0));
        let mut long = [0u8; 22];
        assert_eq!(program.run(&long), Some(1));
        long[20] = 0x10;
        assert_eq!(program.run(&long), Some(0));
    }
}
