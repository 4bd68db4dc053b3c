use click_core::args::Bandwidth;
use click_core::element::HandlerInfo;
use click_core::spec::processing;
use click_core::{ArgError, Args, Context, Element, HandlerError, Packet};

use super::token_bucket::TokenBucket;

click_core::documented! {
    /// Limits the rate of a pull path: `Shaper` in packets per second, `BandwidthShaper` in
    /// bytes per second.
    ///
    /// # Synopsis
    /// `Shaper(RATE)`, `BandwidthShaper(RATE)`
    ///
    /// # Ports and processing
    /// One pull input, one pull output. A pull passes through only when the token bucket
    /// (refilling at RATE, holding one packet's or 1500 bytes' worth) allows; otherwise it
    /// returns nothing and the packet stays upstream. Put a queue before it.
    ///
    /// # Handlers
    /// - `rate` (read/write): RATE, as Click prints it (`8kbps` for 1000 bytes a second); a
    ///   write configures the element again with it. `config` reads the same.
    /// - `reset` (write): fills the bucket again.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 10, STOP true) -> Queue -> Shaper(1000) -> Unqueue -> Discard;
    /// ```
    pub struct Shaper {
        bytes: bool,
        bucket: TokenBucket,
    }
}

impl Shaper {
    /// A packet (`bytes == false`) or byte shaper.
    pub fn new(bytes: bool) -> Shaper {
        Shaper { bytes, bucket: TokenBucket::new(1.0, 1.0) }
    }
}

impl Element for Shaper {
    fn class_name(&self) -> &'static str {
        if self.bytes { "BandwidthShaper" } else { "Shaper" }
    }

    fn processing(&self) -> &'static str {
        processing::PULL
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let rate =
            if self.bytes { args.read_mp::<Bandwidth>("RATE")?.bytes_per_sec() } else { args.read_mp::<f64>("RATE")? };
        args.complete()?;
        if rate <= 0.0 {
            return Err(ArgError::new(Some("RATE"), "must be positive"));
        }
        self.bucket = TokenBucket::new(rate, if self.bytes { 1500.0 } else { 1.0 });
        Ok(())
    }

    fn pull(&mut self, cx: &mut Context<'_>, _port: usize) -> Option<Packet> {
        let now = cx.coarse_now();
        let need = if self.bytes { 64.0 } else { 1.0 };
        if self.bucket.available(now) < need {
            return None;
        }
        let p = cx.pull(0)?;
        self.bucket.consume(if self.bytes { p.len() as f64 } else { 1.0 });
        Some(p)
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read_write("rate").reconfigures("0 RATE"),
            HandlerInfo::read_write("config"),
            HandlerInfo::write("reset"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            // Click's `config` is the rate alone.
            "rate" | "config" => Ok(rate_text(self.bytes, self.bucket.rate())),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, _value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "reset" => {
                self.bucket = TokenBucket::new(self.bucket.rate(), if self.bytes { 1500.0 } else { 1.0 });
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

/// A rate as Click prints it: a whole number of packets per second, or a bandwidth.
pub(crate) fn rate_text(bytes: bool, rate: f64) -> String {
    if bytes { Bandwidth(rate).unparse() } else { (rate as u64).to_string() }
}
