//! Reading element arguments the way Click does.
//!
//! A configuration string is split at top-level commas (quotes and `\<hex>` protect commas;
//! comments vanish). Each argument is either positional or `KEYWORD value`, where the keyword
//! is the first word when more text follows it. Elements ask for arguments in order:
//!
//! ```
//! # use click_core::args::Args;
//! let mut args = Args::new("64, BURST 8");
//! let length: u32 = args.read_mp("LENGTH").unwrap();
//! let burst: u32 = args.read_or("BURST", 1).unwrap();
//! let stop: bool = args.read_or("STOP", false).unwrap();
//! args.complete().unwrap();
//! assert_eq!((length, burst, stop), (64, 8, false));
//! ```
//!
//! Typed readers implement [`FromArg`]: integers (with `k`/`M`/`G` multipliers), booleans,
//! reals, [`Seconds`], [`Bandwidth`], IPv4/IPv6 addresses and prefixes, Ethernet addresses,
//! strings with Click quoting, and binary [`Data`].

use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use crate::net::{EtherAddress, Ipv4Prefix, Ipv6Prefix};

/// An argument that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ArgError {
    /// The keyword being read, if any.
    pub keyword: Option<String>,
    /// What went wrong, e.g. `expected unsigned integer, got 'abc'`.
    pub message: String,
}

impl ArgError {
    /// An error about the argument `keyword`.
    pub fn new(keyword: Option<&str>, message: impl Into<String>) -> ArgError {
        ArgError { keyword: keyword.map(str::to_string), message: message.into() }
    }
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.keyword {
            Some(k) => write!(f, "{k}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A value named by `AddressInfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressValue {
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv4 address with a mask.
    Ipv4Prefix(Ipv4Prefix),
    /// An IPv6 address.
    Ipv6(Ipv6Addr),
    /// An IPv6 prefix.
    Ipv6Prefix(Ipv6Prefix),
    /// An Ethernet address.
    Ether(EtherAddress),
}

/// Names defined by `AddressInfo` elements, usable in other elements' arguments
/// (`eth0`, `eth0:ip`, `eth0:eth`, `eth0:ipnet`).
#[derive(Clone, Debug, Default)]
pub struct AddressTable {
    names: HashMap<String, Vec<AddressValue>>,
}

impl AddressTable {
    /// Defines `name` as `value` (a name may have several values of different kinds).
    pub fn define(&mut self, name: &str, value: AddressValue) {
        self.names.entry(name.to_string()).or_default().push(value);
    }

    /// The values of `name`.
    pub fn get(&self, name: &str) -> &[AddressValue] {
        self.names.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Resolves `name` or `name:kind` with `pick` choosing among the values.
    fn resolve<T>(&self, text: &str, kind: &str, pick: impl Fn(&AddressValue) -> Option<T>) -> Option<T> {
        let (name, suffix) = match text.rsplit_once(':') {
            Some((n, s)) if !n.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()) => (n, Some(s)),
            _ => (text, None),
        };
        if let Some(s) = suffix {
            if s != kind && !(kind == "ip" && s == "ipnet") {
                return None;
            }
            return self.get(name).iter().find_map(pick);
        }
        self.get(text).iter().find_map(pick)
    }
}

/// Splits a configuration string into arguments (Click's `cp_argvec`).
pub fn split_args(config: &str) -> Vec<String> {
    let bytes = config.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let (arg, next, at_comma) = one_arg(config, bytes, pos);
        // Keep an empty argument only when a comma follows it ("a,,b"), not at the end.
        if !arg.is_empty() || at_comma {
            out.push(arg);
        }
        pos = next + 1;
    }
    out
}

/// The bytes that end a run of ordinary characters in an argument: ASCII whitespace (as
/// `u8::is_ascii_whitespace` has it) and what may start a separator, a comment, a quote or
/// hex data. One table look-up a byte.
static STOPS_RUN: [bool; 256] = {
    let mut t = [false; 256];
    let stops = b" \t\n\x0c\r,/\"'\\";
    let mut i = 0;
    while i < stops.len() {
        t[stops[i] as usize] = true;
        i += 1;
    }
    t
};

/// Reads one argument starting at `pos`: returns the uncommented text, the index where it
/// stopped, and whether it stopped at a comma.
fn one_arg(config: &str, b: &[u8], mut pos: usize) -> (String, usize, bool) {
    // Room for a typical argument (a route is about 20 bytes) at once, instead of growing
    // the string piece by piece.
    let mut text = String::with_capacity(32);
    let mut pending_space = false;
    while pos < b.len() {
        let c = b[pos];
        if c.is_ascii_whitespace() {
            pending_space = !text.is_empty();
            pos += 1;
        } else if c == b'/' && pos + 1 < b.len() && (b[pos + 1] == b'/' || b[pos + 1] == b'*') {
            pos = skip_comment(b, pos);
            pending_space = !text.is_empty();
        } else if c == b',' {
            return (text, pos, true);
        } else {
            if pending_space {
                text.push(' ');
                pending_space = false;
            }
            let start = pos;
            pos = match c {
                b'"' => skip_double_quote(b, pos),
                b'\'' => skip_single_quote(b, pos),
                b'\\' if b.get(pos + 1) == Some(&b'<') => skip_hex(b, pos),
                // A run of ordinary characters at once (a 100,000-route table is megabytes of
                // them): up to the next byte that could start something else. It ends on an
                // ASCII byte or the end, so on a character boundary.
                _ => b[pos + 1..].iter().position(|&c| STOPS_RUN[usize::from(c)]).map_or(b.len(), |i| pos + 1 + i),
            };
            text.push_str(&config[start..pos]);
        }
    }
    (text, pos, false)
}

fn skip_comment(b: &[u8], pos: usize) -> usize {
    if b[pos + 1] == b'/' {
        b[pos..].iter().position(|&c| c == b'\n' || c == b'\r').map_or(b.len(), |i| pos + i)
    } else {
        b[pos + 2..].windows(2).position(|w| w == b"*/").map_or(b.len(), |i| pos + 2 + i + 2)
    }
}

fn skip_double_quote(b: &[u8], mut pos: usize) -> usize {
    pos += 1;
    while pos < b.len() {
        match b[pos] {
            b'\\' => pos += 2,
            b'"' => return pos + 1,
            _ => pos += 1,
        }
    }
    b.len()
}

fn skip_single_quote(b: &[u8], pos: usize) -> usize {
    b[pos + 1..].iter().position(|&c| c == b'\'').map_or(b.len(), |i| pos + 1 + i + 1)
}

fn skip_hex(b: &[u8], pos: usize) -> usize {
    b[pos..].iter().position(|&c| c == b'>').map_or(b.len(), |i| pos + i + 1)
}

/// Click's keyword rule: a word (letters, digits, `_ : . ? !`, starting with a letter or
/// `_`) followed by white space and more text. Returns the keyword's length, 0 if none.
pub(crate) fn keyword_length(arg: &str) -> usize {
    let b = arg.as_bytes();
    if b.is_empty() || !(b[0].is_ascii_alphabetic() || b[0] == b'_') {
        return 0;
    }
    let mut s = 1;
    while s < b.len() && (b[s].is_ascii_alphanumeric() || matches!(b[s], b'_' | b':' | b'.' | b'?' | b'!')) {
        s += 1;
    }
    let mut t = s;
    while t < b.len() && b[t].is_ascii_whitespace() {
        t += 1;
    }
    if s == t || t == b.len() { 0 } else { s }
}

/// State of one argument while reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// Unread, positional-looking.
    Positional,
    /// Unread, looks like `KEYWORD value` with this keyword length.
    Keyword(usize),
    /// Read.
    Used,
}

/// Reads an element's arguments.
pub struct Args<'a> {
    args: Vec<String>,
    slots: Vec<Slot>,
    addresses: Option<&'a AddressTable>,
    warnings: Vec<String>,
}

/// Context for [`FromArg`] parsers.
#[derive(Clone, Copy, Default)]
pub struct ArgContext<'a> {
    /// Names defined by `AddressInfo`.
    pub addresses: Option<&'a AddressTable>,
}

/// A type that can be read from one argument.
pub trait FromArg: Sized {
    /// Parses `text` (already split, not yet unquoted). `Err` says what was expected.
    fn from_arg(text: &str, cx: &ArgContext<'_>) -> Result<Self, String>;
}

impl<'a> Args<'a> {
    /// Arguments from a configuration string.
    pub fn new(config: &str) -> Args<'a> {
        Self::from_vec(split_args(config))
    }

    /// Arguments already split.
    pub fn from_vec(args: Vec<String>) -> Args<'a> {
        let slots = args
            .iter()
            .map(|a| match keyword_length(a) {
                0 => Slot::Positional,
                n => Slot::Keyword(n),
            })
            .collect();
        Args { args, slots, addresses: None, warnings: Vec::new() }
    }

    /// Lets readers resolve `AddressInfo` names.
    pub fn with_addresses(mut self, table: &'a AddressTable) -> Args<'a> {
        self.addresses = Some(table);
        self
    }

    /// Records a configure-time warning (Click's `errh->warning`): the router builder prints
    /// it as Click does, `FILE:LINE: While configuring 'NAME :: CLASS':` then
    /// `  warning: MESSAGE`, and the configuration goes on.
    pub fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(format!("warning: {}", message.into()));
    }

    /// Records a warning about one part of the configuration, printed as Click prints those:
    /// `  CONTEXT: warning: MESSAGE` (IPClassifier's `pattern 0: warning: relation '> 300' is
    /// always false (range 0-255)`).
    pub fn warn_in(&mut self, context: &str, message: impl Into<String>) {
        self.warnings.push(format!("{context}: warning: {}", message.into()));
    }

    /// Takes the warnings recorded so far, each as the line Click prints (without its
    /// indentation): `warning: MESSAGE` or `CONTEXT: warning: MESSAGE`.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// The context handed to [`FromArg`] parsers.
    pub fn context(&self) -> ArgContext<'a> {
        ArgContext { addresses: self.addresses }
    }

    /// Number of arguments.
    pub fn len(&self) -> usize {
        self.args.len()
    }

    /// True when there are no arguments.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// Finds the text of `keyword` (last occurrence wins), or the next positional argument
    /// when `positional`. A mandatory positional argument takes the next argument even if it
    /// looks like a keyword.
    fn find(&mut self, keyword: &str, positional: bool, mandatory: bool) -> Option<String> {
        let kl = keyword.len();
        let mut got: Option<usize> = None;
        let mut position: Option<usize> = None;
        let mut position_blocked = false;
        for (i, slot) in self.slots.iter().enumerate() {
            if position.is_none() && !position_blocked && *slot != Slot::Used {
                // The first unread argument is the next positional one, if it looks positional.
                position = Some(i);
            }
            if *slot == Slot::Used && position.is_none() {
                continue;
            }
            position_blocked |= position.is_some();
            if *slot == Slot::Keyword(kl) && &self.args[i][..kl] == keyword {
                got = Some(i);
            }
        }
        let mut from_position = false;
        if positional && let Some(p) = position {
            let take = match self.slots[p] {
                Slot::Positional => true,
                Slot::Keyword(_) => got.is_none() && mandatory,
                Slot::Used => false,
            };
            if take && got.is_none_or(|g| p > g) {
                got = Some(p);
                from_position = true;
            }
        }
        let i = got?;
        // Every earlier occurrence of the same keyword is read too.
        for j in 0..self.slots.len() {
            if self.slots[j] == Slot::Keyword(kl) && &self.args[j][..kl] == keyword {
                self.slots[j] = Slot::Used;
            }
        }
        self.slots[i] = Slot::Used;
        // A used argument is never read again: a positional one's text moves out.
        Some(if from_position {
            std::mem::take(&mut self.args[i])
        } else {
            self.args[i][kl..].trim_start().to_string()
        })
    }

    fn parse<T: FromArg>(&self, keyword: &str, text: &str) -> Result<T, ArgError> {
        T::from_arg(text, &self.context()).map_err(|m| ArgError::new(Some(keyword), m))
    }

    /// A mandatory argument, positional or by keyword.
    pub fn read_mp<T: FromArg>(&mut self, keyword: &str) -> Result<T, ArgError> {
        match self.find(keyword, true, true) {
            Some(t) => self.parse(keyword, &t),
            None => Err(ArgError::new(Some(keyword), "required argument missing")),
        }
    }

    /// An optional argument, positional or by keyword.
    pub fn read_p<T: FromArg>(&mut self, keyword: &str) -> Result<Option<T>, ArgError> {
        match self.find(keyword, true, false) {
            Some(t) => self.parse(keyword, &t).map(Some),
            None => Ok(None),
        }
    }

    /// An optional positional-or-keyword argument with a default.
    pub fn read_p_or<T: FromArg>(&mut self, keyword: &str, default: T) -> Result<T, ArgError> {
        Ok(self.read_p(keyword)?.unwrap_or(default))
    }

    /// A mandatory keyword argument.
    pub fn read_m<T: FromArg>(&mut self, keyword: &str) -> Result<T, ArgError> {
        match self.find(keyword, false, true) {
            Some(t) => self.parse(keyword, &t),
            None => Err(ArgError::new(Some(keyword), "required argument missing")),
        }
    }

    /// An optional keyword argument.
    pub fn read<T: FromArg>(&mut self, keyword: &str) -> Result<Option<T>, ArgError> {
        match self.find(keyword, false, false) {
            Some(t) => self.parse(keyword, &t).map(Some),
            None => Ok(None),
        }
    }

    /// An optional keyword argument with a default.
    pub fn read_or<T: FromArg>(&mut self, keyword: &str, default: T) -> Result<T, ArgError> {
        Ok(self.read(keyword)?.unwrap_or(default))
    }

    /// Every occurrence of a keyword argument, in order.
    pub fn read_all<T: FromArg>(&mut self, keyword: &str) -> Result<Vec<T>, ArgError> {
        let kl = keyword.len();
        let mut out = Vec::new();
        for i in 0..self.slots.len() {
            if self.slots[i] == Slot::Keyword(kl) && &self.args[i][..kl] == keyword {
                self.slots[i] = Slot::Used;
                let text = self.args[i][kl..].trim_start().to_string();
                out.push(self.parse(keyword, &text)?);
            }
        }
        Ok(out)
    }

    /// Takes every unread argument, in order (for elements with variable argument lists such
    /// as `Classifier` or route tables).
    pub fn take_rest(&mut self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.slots.iter().filter(|&&s| s != Slot::Used).count());
        // A used argument's text is never read again, so it moves out rather than being
        // copied (a 100,000-route table's arguments are megabytes).
        for (slot, arg) in self.slots.iter_mut().zip(&mut self.args) {
            if *slot != Slot::Used {
                *slot = Slot::Used;
                out.push(std::mem::take(arg));
            }
        }
        out
    }

    /// Fails if any argument was not read: "unknown argument" for keywords, "too many
    /// arguments" for positional ones.
    pub fn complete(&self) -> Result<(), ArgError> {
        let mut unknown = Vec::new();
        let mut too_many = false;
        for (slot, arg) in self.slots.iter().zip(&self.args) {
            match slot {
                Slot::Keyword(n) => unknown.push(arg[..*n].to_string()),
                Slot::Positional => too_many = true,
                Slot::Used => {}
            }
        }
        if let Some(k) = unknown.first() {
            return Err(ArgError::new(Some(k), "unknown argument"));
        }
        if too_many {
            return Err(ArgError::new(None, "too many arguments"));
        }
        Ok(())
    }
}

// ---- typed readers ----

fn expected(what: &str, text: &str) -> String {
    format!("expected {what}, got '{text}'")
}

/// Parses an unsigned integer: decimal, `0x` hex, `0` octal, with an optional
/// `k`/`M`/`G` (x1000) or `Ki`/`Mi`/`Gi` (x1024) multiplier.
fn parse_u128(text: &str) -> Option<u128> {
    let t = text.trim();
    let (digits, mult): (&str, u128) = if let Some(d) = t.strip_suffix("Ki") {
        (d, 1 << 10)
    } else if let Some(d) = t.strip_suffix("Mi") {
        (d, 1 << 20)
    } else if let Some(d) = t.strip_suffix("Gi") {
        (d, 1 << 30)
    } else if let Some(d) = t.strip_suffix('k').or_else(|| t.strip_suffix('K')) {
        (d, 1_000)
    } else if let Some(d) = t.strip_suffix('M') {
        (d, 1_000_000)
    } else if let Some(d) = t.strip_suffix('G') {
        (d, 1_000_000_000)
    } else {
        (t, 1)
    };
    let v = if let Some(h) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        u128::from_str_radix(h, 16).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit()) {
        u128::from_str_radix(&digits[1..], 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    v.checked_mul(mult)
}

macro_rules! unsigned_arg {
    ($($t:ty),*) => {$(
        impl FromArg for $t {
            fn from_arg(text: &str, _: &ArgContext<'_>) -> Result<Self, String> {
                let v = parse_u128(text).ok_or_else(|| expected("unsigned integer", text))?;
                <$t>::try_from(v).map_err(|_| format!("out of range: '{text}' (at most {})", <$t>::MAX))
            }
        }
    )*};
}
unsigned_arg!(u8, u16, u32, u64, usize);

macro_rules! signed_arg {
    ($($t:ty),*) => {$(
        impl FromArg for $t {
            fn from_arg(text: &str, _: &ArgContext<'_>) -> Result<Self, String> {
                let t = text.trim();
                let (neg, body) = match t.strip_prefix('-') {
                    Some(b) => (true, b),
                    None => (false, t.strip_prefix('+').unwrap_or(t)),
                };
                let v = parse_u128(body).ok_or_else(|| expected("integer", text))?;
                let v = i128::try_from(v).map_err(|_| format!("out of range: '{text}'"))?;
                let v = if neg { -v } else { v };
                <$t>::try_from(v).map_err(|_| format!("out of range: '{text}'"))
            }
        }
    )*};
}
signed_arg!(i8, i16, i32, i64, isize);

impl FromArg for bool {
    fn from_arg(text: &str, _: &ArgContext<'_>) -> Result<Self, String> {
        match text.trim() {
            "1" | "y" | "t" | "true" | "yes" => Ok(true),
            "0" | "n" | "f" | "false" | "no" => Ok(false),
            _ => Err(expected("boolean", text)),
        }
    }
}

impl FromArg for f64 {
    fn from_arg(text: &str, _: &ArgContext<'_>) -> Result<Self, String> {
        text.trim().parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| expected("real number", text))
    }
}

/// Splits `text` into a number and a unit suffix.
fn split_unit(text: &str) -> (&str, &str) {
    let t = text.trim();
    let i = t
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
        .map_or(t.len(), |(i, _)| i);
    // An 'e' with no exponent digits after it belongs to the unit, not the number.
    (&t[..i], &t[i..])
}

/// A time interval with Click's units: `s`/`sec`, `ms`/`msec`, `us`/`usec`, `ns`/`nsec`,
/// `m`/`min`, `h`/`hr`, `d`/`day`; no unit means seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Seconds(pub Duration);

impl FromArg for Seconds {
    fn from_arg(text: &str, _: &ArgContext<'_>) -> Result<Self, String> {
        let (num, unit) = split_unit(text);
        let v: f64 = num.parse().map_err(|_| expected("time in seconds", text))?;
        let scale = match unit {
            "" | "s" | "sec" => 1.0,
            "ms" | "msec" => 1e-3,
            "us" | "usec" => 1e-6,
            "ns" | "nsec" => 1e-9,
            "m" | "min" => 60.0,
            "h" | "hr" => 3600.0,
            "d" | "day" => 86400.0,
            _ => return Err(expected("time in seconds", text)),
        };
        let secs = v * scale;
        if !(0.0..=1e12).contains(&secs) {
            return Err(format!("out of range: '{text}'"));
        }
        Ok(Seconds(Duration::from_secs_f64(secs)))
    }
}

/// A rate in bytes per second, with Click's units: `bps`/`baud`/`b/s` (bits), `Bps`/`B/s`
/// (bytes), prefixes `k`, `K`, `M`, `G`; no unit means bytes per second.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
pub struct Bandwidth(pub f64);

impl Bandwidth {
    /// Bytes per second.
    pub fn bytes_per_sec(self) -> f64 {
        self.0
    }

    /// The rate as Click prints a bandwidth (whole bytes per second, in `kbps`, `Mbps` or
    /// `Gbps`, or `MBps` for the largest): `8kbps` for 1000 bytes a second.
    pub fn unparse(self) -> String {
        // A number of 10^-frac units, without trailing zeros (Click's cp_unparse_real10).
        fn real10(v: u64, frac: u32) -> String {
            let d = 10u64.pow(frac);
            let (int, rem) = (v / d, v % d);
            if rem == 0 {
                return int.to_string();
            }
            let digits = format!("{rem:0width$}", width = frac as usize);
            format!("{int}.{}", digits.trim_end_matches('0'))
        }
        let x = self.0.clamp(0.0, f64::from(u32::MAX)) as u64;
        if x >= 0x2000_0000 {
            real10(x, 6) + "MBps"
        } else if x >= 125_000_000 {
            real10(x * 8, 9) + "Gbps"
        } else if x >= 125_000 {
            real10(x * 8, 6) + "Mbps"
        } else {
            real10(x * 8, 3) + "kbps"
        }
    }
}

impl FromArg for Bandwidth {
    fn from_arg(text: &str, _: &ArgContext<'_>) -> Result<Self, String> {
        let (num, unit) = split_unit(text);
        let v: f64 = num.parse().map_err(|_| expected("bandwidth", text))?;
        let (prefix, base) = match unit.char_indices().nth(1) {
            Some(_) if matches!(unit.as_bytes()[0], b'k' | b'K' | b'M' | b'G') => (&unit[..1], &unit[1..]),
            _ => ("", unit),
        };
        let p = match prefix {
            "" => 1.0,
            "k" | "K" => 1e3,
            "M" => 1e6,
            _ => 1e9,
        };
        let per_byte = match base {
            "" if prefix.is_empty() => 1.0,
            "bps" | "baud" | "b/s" => 0.125,
            "Bps" | "B/s" => 1.0,
            _ => return Err(expected("bandwidth", text)),
        };
        let r = v * p * per_byte;
        if !(r.is_finite() && r >= 0.0) {
            return Err(format!("out of range: '{text}'"));
        }
        Ok(Bandwidth(r))
    }
}

impl FromArg for Ipv4Addr {
    fn from_arg(text: &str, cx: &ArgContext<'_>) -> Result<Self, String> {
        if let Ok(a) = text.trim().parse() {
            return Ok(a);
        }
        cx.addresses
            .and_then(|t| {
                t.resolve(text.trim(), "ip", |v| match v {
                    AddressValue::Ipv4(a) => Some(*a),
                    AddressValue::Ipv4Prefix(p) => Some(p.addr),
                    _ => None,
                })
            })
            .ok_or_else(|| expected("IP address", text))
    }
}

impl FromArg for Ipv4Prefix {
    fn from_arg(text: &str, cx: &ArgContext<'_>) -> Result<Self, String> {
        if let Ok(p) = text.trim().parse() {
            return Ok(p);
        }
        cx.addresses
            .and_then(|t| {
                t.resolve(text.trim(), "ipnet", |v| match v {
                    AddressValue::Ipv4Prefix(p) => Some(*p),
                    AddressValue::Ipv4(a) => Some(Ipv4Prefix::new(*a, 32)),
                    _ => None,
                })
            })
            .ok_or_else(|| expected("IP prefix", text))
    }
}

impl FromArg for Ipv6Addr {
    fn from_arg(text: &str, cx: &ArgContext<'_>) -> Result<Self, String> {
        if let Ok(a) = text.trim().parse() {
            return Ok(a);
        }
        cx.addresses
            .and_then(|t| {
                t.resolve(text.trim(), "ip6", |v| match v {
                    AddressValue::Ipv6(a) => Some(*a),
                    AddressValue::Ipv6Prefix(p) => Some(p.addr),
                    _ => None,
                })
            })
            .ok_or_else(|| expected("IPv6 address", text))
    }
}

impl FromArg for Ipv6Prefix {
    fn from_arg(text: &str, _: &ArgContext<'_>) -> Result<Self, String> {
        text.trim().parse().map_err(|_| expected("IPv6 prefix", text))
    }
}

impl FromArg for EtherAddress {
    fn from_arg(text: &str, cx: &ArgContext<'_>) -> Result<Self, String> {
        if let Ok(a) = text.trim().parse() {
            return Ok(a);
        }
        cx.addresses
            .and_then(|t| {
                t.resolve(text.trim(), "eth", |v| match v {
                    AddressValue::Ether(e) => Some(*e),
                    _ => None,
                })
            })
            .ok_or_else(|| expected("Ethernet address", text))
    }
}

/// Binary data: the argument unquoted, with `\<hex>` blocks decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Data(pub Vec<u8>);

impl FromArg for Data {
    fn from_arg(text: &str, _: &ArgContext<'_>) -> Result<Self, String> {
        unquote_bytes(text).map(Data)
    }
}

impl FromArg for String {
    /// A string with Click quoting: `"..."` with C escapes, `'...'` literal, `\<hex>`, bare
    /// words; adjacent pieces concatenate.
    fn from_arg(text: &str, _: &ArgContext<'_>) -> Result<Self, String> {
        let bytes = unquote_bytes(text)?;
        String::from_utf8(bytes).map_err(|_| expected("text string", text))
    }
}

/// An argument taken verbatim (no unquoting), e.g. a pattern or a sub-configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Raw(pub String);

impl FromArg for Raw {
    fn from_arg(text: &str, _: &ArgContext<'_>) -> Result<Self, String> {
        Ok(Raw(text.to_string()))
    }
}

/// Removes Click quoting from `text` (Click's `cp_unquote`).
pub fn unquote_bytes(text: &str) -> Result<Vec<u8>, String> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err(format!("unterminated string in '{text}'")),
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => {
                            i = unescape(b, i, &mut out)?;
                        }
                        Some(&c) => {
                            out.push(c);
                            i += 1;
                        }
                    }
                }
            }
            b'\'' => {
                let end = b[i + 1..]
                    .iter()
                    .position(|&c| c == b'\'')
                    .ok_or_else(|| format!("unterminated string in '{text}'"))?;
                out.extend_from_slice(&b[i + 1..i + 1 + end]);
                i += end + 2;
            }
            b'\\' if b.get(i + 1) == Some(&b'<') => {
                i = decode_hex_block(b, i + 2, &mut out)?;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Decodes `hex digits and spaces ... >` starting at `i`; comments inside are skipped.
fn decode_hex_block(b: &[u8], mut i: usize, out: &mut Vec<u8>) -> Result<usize, String> {
    let mut high: Option<u8> = None;
    loop {
        let Some(&c) = b.get(i) else {
            return Err("unterminated '\\<' data".into());
        };
        match c {
            b'>' => {
                if high.is_some() {
                    return Err("odd number of hex digits in '\\<' data".into());
                }
                return Ok(i + 1);
            }
            b'/' if matches!(b.get(i + 1), Some(b'/') | Some(b'*')) => {
                i = skip_comment(b, i);
                continue;
            }
            c if c.is_ascii_whitespace() => {}
            c if c.is_ascii_hexdigit() => {
                let v = (c as char).to_digit(16).expect("hex digit") as u8;
                match high.take() {
                    Some(h) => out.push(h << 4 | v),
                    None => high = Some(v),
                }
            }
            c => return Err(format!("bad character '{}' in '\\<' data", c as char)),
        }
        i += 1;
    }
}

fn unescape(b: &[u8], i: usize, out: &mut Vec<u8>) -> Result<usize, String> {
    let c = *b.get(i + 1).ok_or("unterminated escape")?;
    let simple = match c {
        b'n' => Some(b'\n'),
        b't' => Some(b'\t'),
        b'r' => Some(b'\r'),
        b'a' => Some(7),
        b'b' => Some(8),
        b'f' => Some(12),
        b'v' => Some(11),
        b'0'..=b'7' => None,
        b'x' => None,
        b'<' => None,
        b'\n' => {
            return Ok(i + 2);
        }
        other => Some(other),
    };
    if let Some(v) = simple {
        out.push(v);
        return Ok(i + 2);
    }
    match c {
        b'<' => decode_hex_block(b, i + 2, out),
        b'x' => {
            let mut j = i + 2;
            let mut v: u32 = 0;
            while j < b.len() && b[j].is_ascii_hexdigit() && j < i + 4 {
                v = v * 16 + (b[j] as char).to_digit(16).expect("hex");
                j += 1;
            }
            out.push(v as u8);
            Ok(j)
        }
        _ => {
            let mut j = i + 1;
            let mut v: u32 = 0;
            while j < b.len() && (b'0'..=b'7').contains(&b[j]) && j < i + 4 {
                v = v * 8 + (b[j] - b'0') as u32;
                j += 1;
            }
            out.push(v as u8);
            Ok(j)
        }
    }
}

/// Quotes `s` so that [`String`]'s reader gives it back (used when printing configurations).
pub fn quote(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.:/-+".contains(&b)) {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 32 => out.push_str(&format!("\\{:03o}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_click() {
        assert_eq!(split_args(""), Vec::<String>::new());
        assert_eq!(split_args("a, b ,c"), ["a", "b", "c"]);
        assert_eq!(split_args("a,"), ["a"]);
        assert_eq!(split_args("a,,b"), ["a", "", "b"]);
        assert_eq!(split_args("\"x, y\", z"), ["\"x, y\"", "z"]);
        assert_eq!(split_args("12/0800 // comment, with comma\n, -"), ["12/0800", "-"]);
        assert_eq!(split_args("A  /* c */  B, \\<00, 01>"), ["A B", "\\<00, 01>"]);
        assert_eq!(split_args("10.0.0.1/8  \n  2"), ["10.0.0.1/8 2"]);
    }

    /// The splitter as first written, one character at a time: the model the run-at-once
    /// version must agree with.
    fn split_args_by_char(config: &str) -> Vec<String> {
        let b = config.as_bytes();
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < b.len() {
            let mut text = String::new();
            let mut pending_space = false;
            let mut at_comma = false;
            while pos < b.len() {
                let c = b[pos];
                if c.is_ascii_whitespace() {
                    pending_space = !text.is_empty();
                    pos += 1;
                } else if c == b'/' && pos + 1 < b.len() && (b[pos + 1] == b'/' || b[pos + 1] == b'*') {
                    pos = skip_comment(b, pos);
                    pending_space = !text.is_empty();
                } else if c == b',' {
                    at_comma = true;
                    break;
                } else {
                    if pending_space {
                        text.push(' ');
                        pending_space = false;
                    }
                    let start = pos;
                    pos = match c {
                        b'"' => skip_double_quote(b, pos),
                        b'\'' => skip_single_quote(b, pos),
                        b'\\' if b.get(pos + 1) == Some(&b'<') => skip_hex(b, pos),
                        _ => pos + config[pos..].chars().next().map_or(1, char::len_utf8),
                    };
                    text.push_str(&config[start..pos]);
                }
            }
            if !text.is_empty() || at_comma {
                out.push(text);
            }
            pos += 1;
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn splitting_in_runs_matches_one_character_at_a_time(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "a", "10.0.0.0", "/", "8", " ", "\n", ",", "//", "/*", "*/", "\"", "'", "\\", "\\<", ">", "é", "\t", "\x0b", "\x0c",
            ]), 0..40)
        ) {
            let text: String = parts.concat();
            proptest::prop_assert_eq!(split_args(&text), split_args_by_char(&text));
        }
    }

    #[test]
    fn positional_and_keywords() {
        let mut a = Args::new("64, LIMIT 5, STOP true");
        assert_eq!(a.read_mp::<u32>("LENGTH"), Ok(64));
        assert_eq!(a.read::<u32>("BURST"), Ok(None));
        assert_eq!(a.read_or::<bool>("STOP", false), Ok(true));
        assert_eq!(a.read_p::<u32>("LIMIT"), Ok(Some(5)));
        a.complete().unwrap();
    }

    #[test]
    fn keyword_given_for_positional() {
        let mut a = Args::new("LENGTH 10");
        assert_eq!(a.read_mp::<u32>("LENGTH"), Ok(10));
        a.complete().unwrap();
    }

    #[test]
    fn last_keyword_wins() {
        let mut a = Args::new("BURST 1, BURST 2");
        assert_eq!(a.read::<u32>("BURST"), Ok(Some(2)));
        a.complete().unwrap();
    }

    #[test]
    fn errors_name_the_argument() {
        let mut a = Args::new("abc");
        let e = a.read_mp::<u32>("LENGTH").unwrap_err();
        assert_eq!(e.to_string(), "LENGTH: expected unsigned integer, got 'abc'");
        let mut b = Args::new("");
        assert_eq!(b.read_mp::<u32>("LENGTH").unwrap_err().to_string(), "LENGTH: required argument missing");
        let mut c = Args::new("1, 2, BOGUS 3");
        c.read_p::<u32>("A").unwrap();
        assert_eq!(c.complete().unwrap_err().to_string(), "BOGUS: unknown argument");
        let d = Args::new("1");
        assert_eq!(d.complete().unwrap_err().to_string(), "too many arguments");
        let mut e = Args::new("300");
        assert!(e.read_mp::<u8>("X").unwrap_err().message.contains("out of range"));
    }

    #[test]
    fn integers_with_units() {
        let cx = ArgContext::default();
        assert_eq!(u32::from_arg("1k", &cx), Ok(1000));
        assert_eq!(u32::from_arg("2Ki", &cx), Ok(2048));
        assert_eq!(u32::from_arg("0x10", &cx), Ok(16));
        assert_eq!(u32::from_arg("010", &cx), Ok(8));
        assert_eq!(i32::from_arg("-5", &cx), Ok(-5));
        assert!(u32::from_arg("-5", &cx).is_err());
        assert!(u32::from_arg("", &cx).is_err());
    }

    #[test]
    fn seconds_and_bandwidth() {
        let cx = ArgContext::default();
        assert_eq!(Seconds::from_arg("10ms", &cx), Ok(Seconds(Duration::from_millis(10))));
        assert_eq!(Seconds::from_arg("1.5", &cx), Ok(Seconds(Duration::from_millis(1500))));
        assert_eq!(Seconds::from_arg("2min", &cx), Ok(Seconds(Duration::from_secs(120))));
        assert!(Seconds::from_arg("1parsec", &cx).is_err());
        assert_eq!(Bandwidth::from_arg("10Mbps", &cx), Ok(Bandwidth(1.25e6)));
        assert_eq!(Bandwidth::from_arg("1kBps", &cx), Ok(Bandwidth(1e3)));
        assert_eq!(Bandwidth::from_arg("500", &cx), Ok(Bandwidth(500.0)));
        assert!(Bandwidth::from_arg("5 furlongs", &cx).is_err());
    }

    #[test]
    fn strings_and_data() {
        let cx = ArgContext::default();
        assert_eq!(String::from_arg("\"a, b\\n\"", &cx), Ok("a, b\n".into()));
        assert_eq!(String::from_arg("'x\\y'z", &cx), Ok("x\\yz".into()));
        assert_eq!(Data::from_arg("\\<00 ff // c\n 10>", &cx), Ok(Data(vec![0, 0xff, 0x10])));
        assert_eq!(Data::from_arg("\"\\<0a0b>\\x41\\101\"", &cx), Ok(Data(vec![10, 11, 0x41, 0o101])));
        assert!(Data::from_arg("\\<0>", &cx).is_err());
        assert!(String::from_arg("\"open", &cx).is_err());
        assert_eq!(String::from_arg(&quote("a \"b\"\n"), &cx), Ok("a \"b\"\n".into()));
    }

    #[test]
    fn addresses_and_names() {
        let mut t = AddressTable::default();
        t.define("eth0", AddressValue::Ipv4Prefix("10.0.0.1/24".parse().unwrap()));
        t.define("eth0", AddressValue::Ether("00:01:02:03:04:05".parse().unwrap()));
        let mut a = Args::new("eth0, eth0:eth, eth0:ipnet, 1.2.3.4").with_addresses(&t);
        assert_eq!(a.read_mp::<Ipv4Addr>("IP"), Ok(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(a.read_mp::<EtherAddress>("ETH").unwrap().to_string(), "00:01:02:03:04:05");
        assert_eq!(a.read_mp::<Ipv4Prefix>("NET").unwrap().to_string(), "10.0.0.1/24");
        assert_eq!(a.read_mp::<Ipv4Addr>("X"), Ok(Ipv4Addr::new(1, 2, 3, 4)));
        let mut b = Args::new("nosuch");
        assert_eq!(b.read_mp::<Ipv4Addr>("IP").unwrap_err().to_string(), "IP: expected IP address, got 'nosuch'");
    }
}
