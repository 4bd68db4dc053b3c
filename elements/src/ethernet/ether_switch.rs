use std::collections::HashMap;
use std::time::{Duration, Instant};

use click_core::args::Seconds;
use click_core::element::HandlerInfo;
use click_core::spec::processing;
use click_core::{ArgError, Args, Batch, Context, Element, EtherAddress, HandlerError};

click_core::documented! {
    /// A learning Ethernet bridge.
    ///
    /// # Synopsis
    /// `EtherSwitch([*keywords*])`
    ///
    /// # Ports and processing
    /// N push inputs and N push outputs: input i and output i are the same bridge port. The
    /// switch learns which port each source address lives on; a frame to a known address goes
    /// out of that port (dropped if that is the port it came in on), a frame to a broadcast,
    /// multicast or unknown address is flooded to every other port. Frames shorter than an
    /// Ethernet header are dropped and counted.
    ///
    /// # Keywords
    /// - `TIMEOUT` (time): forget an address not seen for this long, default 300s.
    ///
    /// # Handlers
    /// - `table` (read): `ETH PORT` lines.
    /// - `timeout` (read/write).
    /// - `drops` (read).
    ///
    /// # Example
    /// ```click
    /// s :: EtherSwitch;
    /// InfiniteSource(LIMIT 1, STOP true) -> [0]s; Idle -> [1]s;
    /// s[0] -> Discard; s[1] -> Discard;
    /// ```
    pub struct EtherSwitch {
        timeout: Duration,
        table: HashMap<EtherAddress, (usize, Instant)>,
        drops: u64,
    }
}

impl Default for EtherSwitch {
    fn default() -> Self {
        EtherSwitch { timeout: Duration::from_secs(300), table: HashMap::new(), drops: 0 }
    }
}

impl Element for EtherSwitch {
    fn class_name(&self) -> &'static str {
        "EtherSwitch"
    }

    fn port_count(&self) -> &'static str {
        "1-/="
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn flow_code(&self) -> &'static str {
        "#/[^#]"
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        if let Some(Seconds(t)) = args.read("TIMEOUT")? {
            self.timeout = t;
        }
        args.complete()
    }

    fn push(&mut self, cx: &mut Context<'_>, port: usize, batch: &mut Batch) {
        let now = cx.coarse_now();
        let n = cx.noutputs();
        for p in batch.drain() {
            let Some(h) = p.data().get(..12) else {
                self.drops += 1;
                continue;
            };
            let dst = EtherAddress(h[0..6].try_into().expect("6 bytes"));
            let src = EtherAddress(h[6..12].try_into().expect("6 bytes"));
            if !src.is_group() {
                self.table.insert(src, (port, now));
            }
            let known = (!dst.is_group())
                .then(|| self.table.get(&dst))
                .flatten()
                .filter(|(_, seen)| now.saturating_duration_since(*seen) < self.timeout)
                .map(|&(out, _)| out);
            match known {
                Some(out) if out == port => self.drops += 1,
                Some(out) => cx.output(out, p),
                None => {
                    let others: Vec<usize> = (0..n).filter(|&o| o != port).collect();
                    if let Some((&last, rest)) = others.split_last() {
                        for &o in rest {
                            cx.output(o, p.clone());
                        }
                        cx.output(last, p);
                    } else {
                        self.drops += 1;
                    }
                }
            }
        }
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] =
            &[HandlerInfo::read("table"), HandlerInfo::read_write("timeout"), HandlerInfo::read("drops")];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "table" => {
                let mut rows: Vec<_> = self.table.iter().map(|(e, (p, _))| (*e, *p)).collect();
                rows.sort();
                // Click prints addresses dashed (its order is its hash table's; ours is sorted).
                Ok(rows.iter().map(|(e, p)| format!("{} {p}\n", crate::ether_dashes(*e))).collect())
            }
            "timeout" => Ok(format!("{}", self.timeout.as_secs_f64())),
            "drops" => Ok(self.drops.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "timeout" => {
                let Seconds(t) = Args::new(value).read_mp("TIMEOUT")?;
                self.timeout = t;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
