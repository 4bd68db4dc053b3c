use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError};

click_core::documented! {
    /// Sends every packet to one output, chosen by a handler.
    ///
    /// # Synopsis
    /// `Switch([OUTPUT])`, and `StaticSwitch(OUTPUT)` whose choice cannot change
    ///
    /// # Ports and processing
    /// One push input, any number of push outputs. Packets go to output OUTPUT (default 0);
    /// -1, or an output that does not exist, drops them.
    ///
    /// # Handlers
    /// - `switch` (read/write, Switch only): the output.
    /// - `config` (read/write, Switch only): writing it configures the element again.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> s :: Switch(1);
    /// s[0] -> Discard; s[1] -> Discard;
    /// ```
    pub struct Switch {
        output: i64,
        writable: bool,
    }
}

impl Switch {
    /// A `Switch` (writable) or `StaticSwitch`.
    pub fn new(writable: bool) -> Switch {
        Switch { output: 0, writable }
    }
}

impl Element for Switch {
    fn class_name(&self) -> &'static str {
        if self.writable { "Switch" } else { "StaticSwitch" }
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn port_count(&self) -> &'static str {
        ports::P1_ANY
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.output = if self.writable { args.read_p_or("OUTPUT", 0)? } else { args.read_mp("OUTPUT")? };
        args.complete()
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        if self.output >= 0 && (self.output as usize) < cx.noutputs() {
            cx.output_batch(self.output as usize, batch);
        } else {
            batch.drain();
        }
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const W: &[HandlerInfo] = &[HandlerInfo::read_write("config"), HandlerInfo::read_write("switch")];
        const R: &[HandlerInfo] = &[];
        if self.writable { W } else { R }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "switch" if self.writable => Ok(self.output.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "switch" if self.writable => {
                self.output = Args::new(value).read_mp("OUTPUT")?;
                Ok(())
            }
            "switch" => Err(HandlerError::NotWritable(name.into())),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
