//! Click's Classifier pattern language and its compiled form.
//!
//! A pattern is clauses separated by spaces: `OFFSET/VALUE` or `OFFSET/VALUE%MASK`, offset in
//! decimal, value and mask in hex (an even number of digits; `?` is a don't-care nibble),
//! optionally preceded by `!`. The pattern `-` matches everything. Compilation turns each
//! clause into tests of aligned 32-bit words (`(word & mask) == value`), so matching a packet
//! costs a few loads and compares, never a look at the text.

use std::fmt;

/// One test of a 4-byte aligned word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WordTest {
    /// Byte offset of the word (a multiple of 4).
    pub offset: usize,
    pub value: u32,
    pub mask: u32,
}

/// A clause: all its word tests must hold (or, negated, not all).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Clause {
    pub tests: Vec<WordTest>,
    pub negated: bool,
}

/// A compiled pattern: all clauses must hold.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Pattern {
    pub clauses: Vec<Clause>,
}

/// What was wrong with a pattern.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("pattern {index}: {message}")]
pub(crate) struct PatternError {
    pub index: usize,
    pub message: String,
}

#[inline]
fn load_word(data: &[u8], offset: usize) -> Option<u32> {
    let b = data.get(offset..offset + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads a word that may run past the end: bytes beyond are zero, and the returned mask
/// says which bytes exist.
#[inline]
fn load_partial(data: &[u8], offset: usize) -> (u32, u32) {
    let mut w = [0u8; 4];
    let mut have = 0u32;
    for (i, slot) in w.iter_mut().enumerate() {
        if let Some(&b) = data.get(offset + i) {
            *slot = b;
            have |= 0xff00_0000 >> (8 * i);
        }
    }
    (u32::from_be_bytes(w), have)
}

impl Clause {
    #[inline]
    fn holds(&self, data: &[u8]) -> bool {
        let all = self.tests.iter().all(|t| match load_word(data, t.offset) {
            Some(w) => w & t.mask == t.value,
            None => {
                // Short packet: the test holds only if every byte it looks at exists.
                let (w, have) = load_partial(data, t.offset);
                t.mask & !have == 0 && w & t.mask == t.value
            }
        });
        all != self.negated
    }
}

impl Pattern {
    /// True when the packet bytes match.
    #[inline]
    pub fn matches(&self, data: &[u8]) -> bool {
        self.clauses.iter().all(|c| c.holds(data))
    }

    /// Parses one pattern.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let text = text.trim();
        if text == "-" {
            return Ok(Pattern::default());
        }
        if text.is_empty() {
            return Err("empty pattern".into());
        }
        let mut clauses = Vec::new();
        for word in text.split_whitespace() {
            clauses.push(parse_clause(word)?);
        }
        Ok(Pattern { clauses })
    }
}

fn hex_nibble(c: char) -> Option<(u8, u8)> {
    // (value, mask)
    if c == '?' {
        return Some((0, 0));
    }
    c.to_digit(16).map(|v| (v as u8, 0xf))
}

fn parse_clause(word: &str) -> Result<Clause, String> {
    let (negated, body) = match word.strip_prefix('!') {
        Some(b) => (true, b),
        None => (false, word),
    };
    let (off, rest) = body.split_once('/').ok_or_else(|| format!("expected 'OFFSET/VALUE', got '{word}'"))?;
    let offset: usize = off.parse().map_err(|_| format!("bad offset in '{word}'"))?;
    if offset > 65535 {
        return Err(format!("offset too large in '{word}'"));
    }
    let (val, mask) = match rest.split_once('%') {
        Some((v, m)) => (v, Some(m)),
        None => (rest, None),
    };
    if val.is_empty() || val.len() % 2 != 0 {
        return Err(format!("value in '{word}' needs an even number of hex digits"));
    }
    if let Some(m) = mask
        && m.len() != val.len()
    {
        return Err(format!("mask in '{word}' must have as many digits as the value"));
    }
    let mut bytes = Vec::new();
    let mut masks = Vec::new();
    let vchars: Vec<char> = val.chars().collect();
    let mchars: Option<Vec<char>> = mask.map(|m| m.chars().collect());
    for i in (0..vchars.len()).step_by(2) {
        let (h, hm) = hex_nibble(vchars[i]).ok_or_else(|| format!("bad hex digit in '{word}'"))?;
        let (l, lm) = hex_nibble(vchars[i + 1]).ok_or_else(|| format!("bad hex digit in '{word}'"))?;
        let mut m = (hm << 4) | lm;
        if let Some(mc) = &mchars {
            let mh = mc[i].to_digit(16).ok_or_else(|| format!("bad mask digit in '{word}'"))? as u8;
            let ml = mc[i + 1].to_digit(16).ok_or_else(|| format!("bad mask digit in '{word}'"))? as u8;
            m &= (mh << 4) | ml;
        }
        bytes.push(((h << 4) | l) & m);
        masks.push(m);
    }
    // Split into aligned words.
    let mut tests: Vec<WordTest> = Vec::new();
    for (i, (&b, &m)) in bytes.iter().zip(&masks).enumerate() {
        let pos = offset + i;
        let word = pos & !3;
        let shift = 24 - 8 * (pos & 3) as u32;
        match tests.last_mut() {
            Some(t) if t.offset == word => {
                t.value |= u32::from(b) << shift;
                t.mask |= u32::from(m) << shift;
            }
            _ => tests.push(WordTest { offset: word, value: u32::from(b) << shift, mask: u32::from(m) << shift }),
        }
    }
    tests.retain(|t| t.mask != 0);
    Ok(Clause { tests, negated })
}

impl fmt::Display for WordTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:08x}%{:08x}", self.offset, self.value, self.mask)
    }
}

/// Parses every pattern of a configuration.
pub(crate) fn parse_all(args: &[String]) -> Result<Vec<Pattern>, PatternError> {
    args.iter()
        .enumerate()
        .map(|(index, a)| Pattern::parse(a).map_err(|message| PatternError { index, message }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A naive interpreter of the pattern text, byte by byte and nibble by nibble.
    fn naive(text: &str, data: &[u8]) -> bool {
        if text.trim() == "-" {
            return true;
        }
        text.split_whitespace().all(|clause| {
            let (neg, body) = match clause.strip_prefix('!') {
                Some(b) => (true, b),
                None => (false, clause),
            };
            let (off, rest) = body.split_once('/').unwrap();
            let off: usize = off.parse().unwrap();
            let (val, mask) = rest.split_once('%').map_or((rest, None), |(v, m)| (v, Some(m)));
            let vc: Vec<char> = val.chars().collect();
            let mc: Option<Vec<char>> = mask.map(|m| m.chars().collect());
            let mut ok = true;
            for n in 0..vc.len() {
                let nib_mask = match &mc {
                    Some(m) => m[n].to_digit(16).unwrap() as u8,
                    None => 0xf,
                } & if vc[n] == '?' { 0 } else { 0xf };
                if nib_mask == 0 {
                    continue;
                }
                let Some(&byte) = data.get(off + n / 2) else {
                    ok = false;
                    break;
                };
                let nib = if n % 2 == 0 { byte >> 4 } else { byte & 0xf };
                let want = if vc[n] == '?' { 0 } else { vc[n].to_digit(16).unwrap() as u8 };
                if nib & nib_mask != want & nib_mask {
                    ok = false;
                    break;
                }
            }
            ok != neg
        })
    }

    #[test]
    fn ethernet_patterns() {
        let arp_req = Pattern::parse("12/0806 20/0001").unwrap();
        let ip = Pattern::parse("12/0800").unwrap();
        let mut frame = [0u8; 42];
        frame[12..14].copy_from_slice(&[0x08, 0x06]);
        frame[20..22].copy_from_slice(&[0x00, 0x01]);
        assert!(arp_req.matches(&frame));
        assert!(!ip.matches(&frame));
        assert!(Pattern::parse("-").unwrap().matches(&[]));
        assert!(!ip.matches(&frame[..13]), "short packets do not match");
        assert!(Pattern::parse("!12/0800").unwrap().matches(&frame));
        assert!(Pattern::parse("12/08??").unwrap().matches(&frame));
        assert!(Pattern::parse("13/00%0f").unwrap().matches(&[0u8; 14]));
        assert!(!Pattern::parse("13/01%0f").unwrap().matches(&[0u8; 14]));
    }

    #[test]
    fn errors() {
        assert!(Pattern::parse("12/080").unwrap_err().contains("even number"));
        assert!(Pattern::parse("12/0800%ff").unwrap_err().contains("as many digits"));
        assert!(Pattern::parse("x/08").unwrap_err().contains("bad offset"));
        assert!(Pattern::parse("12/zz").unwrap_err().contains("bad hex"));
        assert!(Pattern::parse("12").unwrap_err().contains("OFFSET/VALUE"));
        assert!(Pattern::parse("").is_err());
    }

    fn clause_strategy() -> impl Strategy<Value = String> {
        (any::<bool>(), 0usize..24, proptest::collection::vec(0u8..17, 1..4), any::<bool>(), any::<u32>()).prop_map(
            |(neg, off, nibble_pairs, with_mask, mask_bits)| {
                let hex = |v: u8| if v == 16 { '?' } else { char::from_digit(u32::from(v), 16).unwrap() };
                let mut val = String::new();
                for (i, &n) in nibble_pairs.iter().enumerate() {
                    val.push(hex(n));
                    val.push(hex((n + i as u8 * 7) % 17));
                }
                let mut s = format!("{}{off}/{val}", if neg { "!" } else { "" });
                if with_mask {
                    s.push('%');
                    for i in 0..val.len() {
                        s.push(char::from_digit((mask_bits >> (i % 8 * 4)) & 0xf, 16).unwrap());
                    }
                }
                s
            },
        )
    }

    proptest! {
        #[test]
        fn compiled_matches_naive(
            clauses in proptest::collection::vec(clause_strategy(), 1..4),
            data in proptest::collection::vec(any::<u8>(), 0..32),
        ) {
            let text = clauses.join(" ");
            let p = Pattern::parse(&text).unwrap();
            prop_assert_eq!(p.matches(&data), naive(&text, &data), "pattern {}", text);
        }

        #[test]
        fn compiled_matches_naive_on_matching_data(
            off in 0usize..20, value in proptest::collection::vec(any::<u8>(), 1..6), len in 0usize..30,
        ) {
            let text = format!("{off}/{}", value.iter().map(|b| format!("{b:02x}")).collect::<String>());
            let mut data = vec![0u8; len];
            for (i, b) in value.iter().enumerate() {
                if let Some(slot) = data.get_mut(off + i) { *slot = *b; }
            }
            let p = Pattern::parse(&text).unwrap();
            prop_assert_eq!(p.matches(&data), naive(&text, &data));
        }
    }
}
