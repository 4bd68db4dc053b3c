//! Port-count, processing and flow codes, as Click spells them.
//!
//! * Port counts: `1/1`, `1/1-2`, `1-/=`, `-/-`, `0/=+`; each side is `N`, `N-M`, `N-` or
//!   `-`; the output side may be `=` (as many outputs as inputs) with one `+` per extra
//!   output. A spec without a slash applies to both sides.
//! * Processing: one letter per port, `h` push, `l` pull, `a` agnostic; the last letter
//!   repeats. `a/ah` is agnostic inputs, agnostic output 0 and push outputs after it.
//! * Flow codes: which inputs reach which outputs (`x/x`: all to all; `#/#`: input i to
//!   output i only; `[^x]` complements; letters match letters).

use std::fmt;

/// Push and pull.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Processing {
    /// The upstream element calls downstream (`h`).
    Push,
    /// The downstream element asks upstream (`l`).
    Pull,
    /// Either, decided by the neighbours (`a`).
    Agnostic,
}

impl Processing {
    /// The word Click uses in messages.
    pub fn name(self) -> &'static str {
        match self {
            Processing::Push => "push",
            Processing::Pull => "pull",
            Processing::Agnostic => "agnostic",
        }
    }

    /// The one-letter code.
    pub fn code(self) -> char {
        match self {
            Processing::Push => 'h',
            Processing::Pull => 'l',
            Processing::Agnostic => 'a',
        }
    }
}

impl fmt::Display for Processing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Common port-count codes.
pub mod ports {
    /// No ports.
    pub const P0_0: &str = "0/0";
    /// A source.
    pub const P0_1: &str = "0/1";
    /// A sink.
    pub const P1_0: &str = "1/0";
    /// One in, one out.
    pub const P1_1: &str = "1/1";
    /// One in, one output plus an optional second (often an error output).
    pub const P1_1_2: &str = "1/1-2";
    /// One in, any number out.
    pub const P1_ANY: &str = "1/-";
    /// Any number in, one out.
    pub const ANY_1: &str = "-/1";
}

/// Common processing codes.
pub mod processing {
    /// All ports agnostic.
    pub const AGNOSTIC: &str = "a/a";
    /// All ports push.
    pub const PUSH: &str = "h/h";
    /// All ports pull.
    pub const PULL: &str = "l/l";
    /// Push inputs, pull outputs (a queue).
    pub const PUSH_TO_PULL: &str = "h/l";
    /// Pull inputs, push outputs (an unqueue).
    pub const PULL_TO_PUSH: &str = "l/h";
    /// Agnostic inputs, agnostic output 0, push outputs from 1 on (CheckIPHeader).
    pub const A_AH: &str = "a/ah";
}

/// Flow code for "every input reaches every output".
pub const COMPLETE_FLOW: &str = "x/x";

/// A bad code string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad {kind} code '{code}'")]
pub struct SpecError {
    /// `port count`, `processing` or `flow`.
    pub kind: &'static str,
    /// The code.
    pub code: String,
}

/// An inclusive range of port counts; `hi == usize::MAX` means unbounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    /// Least.
    pub lo: usize,
    /// Most.
    pub hi: usize,
}

impl PortRange {
    fn clamp(self, n: usize) -> usize {
        n.clamp(self.lo, self.hi)
    }

    /// True when `n` is in the range.
    pub fn contains(self, n: usize) -> bool {
        self.lo <= n && n <= self.hi
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OutputCount {
    Range(PortRange),
    /// As many as the inputs plus this many.
    SameAsInputs(usize),
}

/// A parsed port-count code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortCount {
    inputs: PortRange,
    outputs: OutputCount,
}

fn parse_range(s: &str) -> Option<PortRange> {
    let (lo_s, hi_s) = match s.find('-') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let lo = if lo_s.is_empty() { 0 } else { lo_s.parse().ok()? };
    let hi = match hi_s {
        None if lo_s.is_empty() => return None,
        None => lo,
        Some("") => usize::MAX,
        Some(h) => h.parse().ok()?,
    };
    (lo <= hi).then_some(PortRange { lo, hi })
}

impl PortCount {
    /// Parses a port-count code.
    pub fn parse(code: &str) -> Result<PortCount, SpecError> {
        let err = || SpecError { kind: "port count", code: code.to_string() };
        let (i, o) = code.split_once('/').unwrap_or((code, code));
        let inputs = parse_range(i).ok_or_else(err)?;
        let outputs = if let Some(plus) = o.strip_prefix('=') {
            if !plus.bytes().all(|b| b == b'+') {
                return Err(err());
            }
            OutputCount::SameAsInputs(plus.len())
        } else {
            OutputCount::Range(parse_range(o).ok_or_else(err)?)
        };
        Ok(PortCount { inputs, outputs })
    }

    /// The allowed input counts.
    pub fn inputs(&self) -> PortRange {
        self.inputs
    }

    /// The allowed output counts, given the number of inputs.
    pub fn outputs(&self, ninputs: usize) -> PortRange {
        match self.outputs {
            OutputCount::Range(r) => r,
            OutputCount::SameAsInputs(plus) => PortRange { lo: ninputs + plus, hi: ninputs + plus },
        }
    }

    /// The port counts an element gets when its highest connected ports are
    /// `used_inputs - 1` and `used_outputs - 1`: clamped into the allowed ranges, as Click does.
    pub fn resolve(&self, used_inputs: usize, used_outputs: usize) -> (usize, usize) {
        let nin = self.inputs.clamp(used_inputs);
        let nout = self.outputs(nin).clamp(used_outputs);
        (nin, nout)
    }
}

/// A parsed processing code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessingCode {
    inputs: Vec<Processing>,
    outputs: Vec<Processing>,
}

fn parse_letters(s: &str) -> Option<Vec<Processing>> {
    let v: Option<Vec<_>> = s
        .chars()
        .map(|c| match c {
            'h' | 'H' => Some(Processing::Push),
            'l' | 'L' => Some(Processing::Pull),
            'a' => Some(Processing::Agnostic),
            _ => None,
        })
        .collect();
    v.filter(|v| !v.is_empty())
}

impl ProcessingCode {
    /// Parses a processing code.
    pub fn parse(code: &str) -> Result<ProcessingCode, SpecError> {
        let err = || SpecError { kind: "processing", code: code.to_string() };
        let (i, o) = code.split_once('/').unwrap_or((code, code));
        Ok(ProcessingCode { inputs: parse_letters(i).ok_or_else(err)?, outputs: parse_letters(o).ok_or_else(err)? })
    }

    /// Processing of input `port`.
    pub fn input(&self, port: usize) -> Processing {
        self.inputs[port.min(self.inputs.len() - 1)]
    }

    /// Processing of output `port`.
    pub fn output(&self, port: usize) -> Processing {
        self.outputs[port.min(self.outputs.len() - 1)]
    }
}

/// A set of flow-code tokens: 128 letters and 128 port numbers (`#`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct TokenSet([u128; 2]);

impl TokenSet {
    fn intersects(&self, o: &TokenSet) -> bool {
        self.0[0] & o.0[0] != 0 || self.0[1] & o.0[1] != 0
    }
}

/// A parsed flow code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowCode {
    inputs: Vec<String>,
    outputs: Vec<String>,
}

fn split_tokens(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '[' {
            let mut t = String::from("[");
            loop {
                let c = chars.next()?;
                t.push(c);
                if c == ']' {
                    break;
                }
            }
            out.push(t);
        } else if c.is_ascii_alphabetic() || c == '#' {
            out.push(c.to_string());
        } else {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

fn token_set(token: &str, port: usize) -> TokenSet {
    let mut set = TokenSet::default();
    let mut add = |c: char| {
        if c == '#' {
            let p = port.min(127);
            set.0[1] |= 1u128 << p;
        } else if c.is_ascii() {
            set.0[0] |= 1u128 << (c as u32);
        }
    };
    if let Some(inner) = token.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        let (negated, body) = match inner.strip_prefix('^') {
            Some(b) => (true, b),
            None => (false, inner),
        };
        body.chars().for_each(&mut add);
        if negated {
            set.0 = [!set.0[0], !set.0[1]];
        }
    } else {
        token.chars().for_each(add);
    }
    set
}

impl FlowCode {
    /// Parses a flow code.
    pub fn parse(code: &str) -> Result<FlowCode, SpecError> {
        let err = || SpecError { kind: "flow", code: code.to_string() };
        let (i, o) = code.split_once('/').unwrap_or((code, code));
        Ok(FlowCode { inputs: split_tokens(i).ok_or_else(err)?, outputs: split_tokens(o).ok_or_else(err)? })
    }

    /// True when packets arriving on `input` may leave on `output`.
    pub fn flows(&self, input: usize, output: usize) -> bool {
        let it = &self.inputs[input.min(self.inputs.len() - 1)];
        let ot = &self.outputs[output.min(self.outputs.len() - 1)];
        token_set(it, input).intersects(&token_set(ot, output))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_counts() {
        let c = PortCount::parse("1/1-2").unwrap();
        assert_eq!(c.resolve(1, 1), (1, 1));
        assert_eq!(c.resolve(0, 0), (1, 1));
        assert_eq!(c.resolve(1, 5), (1, 2));
        let eq = PortCount::parse("1-/=").unwrap();
        assert_eq!(eq.resolve(3, 0), (3, 3));
        let any = PortCount::parse("-/-").unwrap();
        assert_eq!(any.resolve(4, 7), (4, 7));
        let plus = PortCount::parse("1/=+").unwrap();
        assert_eq!(plus.resolve(1, 0), (1, 2));
        let both = PortCount::parse("1").unwrap();
        assert_eq!(both.resolve(0, 0), (1, 1));
        assert!(PortCount::parse("x/1").is_err());
        assert!(PortCount::parse("2-1/1").is_err());
        assert!(PortCount::parse("1/=x").is_err());
        assert!(PortCount::parse("1/").is_err());
    }

    #[test]
    fn processing_codes() {
        let p = ProcessingCode::parse("a/ah").unwrap();
        assert_eq!(p.input(3), Processing::Agnostic);
        assert_eq!(p.output(0), Processing::Agnostic);
        assert_eq!(p.output(1), Processing::Push);
        assert_eq!(p.output(9), Processing::Push);
        let q = ProcessingCode::parse("h/l").unwrap();
        assert_eq!(q.input(0), Processing::Push);
        assert_eq!(q.output(0), Processing::Pull);
        assert!(ProcessingCode::parse("q").is_err());
        assert!(ProcessingCode::parse("/h").is_err());
    }

    #[test]
    fn flow_codes() {
        let all = FlowCode::parse("x/x").unwrap();
        assert!(all.flows(0, 3));
        let hash = FlowCode::parse("#/#").unwrap();
        assert!(hash.flows(1, 1));
        assert!(!hash.flows(1, 2));
        let split = FlowCode::parse("xy/x").unwrap();
        assert!(split.flows(0, 0));
        assert!(!split.flows(1, 0));
        let neg = FlowCode::parse("x/[^x]y").unwrap();
        assert!(!neg.flows(0, 0));
        assert!(!neg.flows(0, 1));
        let neg2 = FlowCode::parse("xz/[^x]").unwrap();
        assert!(neg2.flows(1, 0));
        assert!(!neg2.flows(0, 0));
        assert!(FlowCode::parse("x/[x").is_err());
        assert!(FlowCode::parse("x/1").is_err());
    }
}
