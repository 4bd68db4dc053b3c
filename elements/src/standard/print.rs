use std::fmt::Write;

use click_core::args::Raw;
use click_core::element::HandlerInfo;
use click_core::{ArgError, Args, Context, Element, HandlerError, Packet};

click_core::documented! {
    /// Prints packet contents, one line per packet, to standard error.
    ///
    /// # Synopsis
    /// `Print([LABEL, MAXLENGTH, *keywords*])`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output; packets pass unchanged. Each line is the
    /// label, `: `, the length (right-aligned in 4 columns), ` | ` and the first MAXLENGTH
    /// bytes in hex, a space every 4 bytes, exactly as Click prints it:
    /// `label:   60 | 00000000 00020000 ...`.
    ///
    /// # Keywords
    /// - `LABEL` (string): printed first.
    /// - `MAXLENGTH` (integer): bytes to print, default 24; -1 for all.
    /// - `CONTENTS` (`NONE`, `HEX`, `ASCII`): how to print the bytes, default HEX.
    /// - `TIMESTAMP` (boolean): print the timestamp annotation, default false.
    /// - `PRINTANNO` (boolean): print the 48 annotation bytes in hex, default false.
    /// - `HEADROOM` (boolean): print headroom and tailroom, default false.
    /// - `ACTIVE` (boolean): print at all, default true.
    ///
    /// # Handlers
    /// - `config` (read/write): writing it configures the element again.
    /// - `active` (read/write).
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LENGTH 20, LIMIT 1, STOP true) -> Print(ok) -> Discard;
    /// ```
    pub struct Print {
        label: String,
        max_length: i64,
        contents: Contents,
        timestamp: bool,
        print_anno: bool,
        headroom: bool,
        active: bool,
        line: String,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Contents {
    None,
    Hex,
    Ascii,
}

impl Default for Print {
    fn default() -> Self {
        Print {
            label: String::new(),
            max_length: 24,
            contents: Contents::Hex,
            timestamp: false,
            print_anno: false,
            headroom: false,
            active: true,
            line: String::new(),
        }
    }
}

impl Print {
    /// The line Print writes for `p`.
    pub fn format(&mut self, p: &Packet) -> &str {
        let line = &mut self.line;
        line.clear();
        let mut sep = "";
        if !self.label.is_empty() {
            line.push_str(&self.label);
            sep = ": ";
        }
        if self.timestamp {
            let _ = write!(line, "{sep}{}", p.timestamp());
            sep = ": ";
        }
        let _ = write!(line, "{sep}{:4}", p.len());
        if self.headroom {
            let _ = write!(line, " (h{} t{})", p.headroom(), p.tailroom());
        }
        if self.print_anno {
            line.push_str(" | ");
            for b in p.anno().bytes {
                let _ = write!(line, "{b:02x}");
            }
        }
        let n = match self.contents {
            Contents::None => 0,
            _ if self.max_length < 0 => p.len(),
            _ => (self.max_length as usize).min(p.len()),
        };
        if n > 0 {
            line.push_str(" | ");
            let data = &p.data()[..n];
            match self.contents {
                Contents::Hex => {
                    for (i, b) in data.iter().enumerate() {
                        if i > 0 && i % 4 == 0 {
                            line.push(' ');
                        }
                        let _ = write!(line, "{b:02x}");
                    }
                }
                Contents::Ascii => {
                    for (i, &b) in data.iter().enumerate() {
                        // Click puts a space before every group of 8, the first included.
                        if i % 8 == 0 {
                            line.push(' ');
                        }
                        line.push(if (32..127).contains(&b) { b as char } else { '.' });
                    }
                }
                Contents::None => {}
            }
        }
        line
    }
}

impl Element for Print {
    fn class_name(&self) -> &'static str {
        "Print"
    }

    fn may_originate_packets(&self) -> bool {
        false
    }

    fn reports_each_packet(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.label = args.read_p_or("LABEL", String::new())?;
        self.max_length = args.read_p_or("MAXLENGTH", 24i64)?;
        if let Some(v) = args.read::<i64>("LENGTH")? {
            self.max_length = v;
        }
        if let Some(v) = args.read::<i64>("NBYTES")? {
            self.max_length = v;
        }
        let contents: Raw = args.read_or("CONTENTS", Raw("HEX".into()))?;
        self.timestamp = args.read_or("TIMESTAMP", false)?;
        self.print_anno = args.read_or("PRINTANNO", false)?;
        self.active = args.read_or("ACTIVE", true)?;
        self.headroom = args.read_or("HEADROOM", false)?;
        args.complete()?;
        self.contents = match contents.0.to_ascii_uppercase().as_str() {
            "NONE" | "FALSE" | "NO" | "0" => Contents::None,
            "HEX" | "TRUE" | "YES" | "1" => Contents::Hex,
            "ASCII" => Contents::Ascii,
            other => {
                return Err(ArgError::new(
                    Some("CONTENTS"),
                    format!("bad contents value '{other}'; should be 'NONE', 'HEX', or 'ASCII'"),
                ));
            }
        };
        Ok(())
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, p: Packet) -> Option<Packet> {
        if self.active {
            let line = self.format(&p).to_string();
            click_core::chatter::chatter(&line);
        }
        Some(p)
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] =
            &[HandlerInfo::read_write("config").calm(), HandlerInfo::read_write("active").calm().checkbox()];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "active" => Ok(self.active.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "active" => {
                self.active = Args::new(value).read_mp("ACTIVE")?;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_click() {
        let mut pr = Print { label: "c3".into(), ..Default::default() };
        let p = Packet::from_slice(&(0u8..30).collect::<Vec<_>>());
        assert_eq!(pr.format(&p), "c3:   30 | 00010203 04050607 08090a0b 0c0d0e0f 10111213 14151617");
        pr.label.clear();
        pr.max_length = 5;
        assert_eq!(pr.format(&p), "  30 | 00010203 04");
        pr.contents = Contents::None;
        assert_eq!(pr.format(&p), "  30");
    }
}
