use click_core::packet::anno_offset;
use click_core::spec::processing;
use click_core::{ArgError, Args, Batch, Context, Element};

click_core::documented! {
    /// Sends a copy of packets with a given paint to a second output.
    ///
    /// # Synopsis
    /// `PaintTee(COLOR [, ANNO])`
    ///
    /// # Ports and processing
    /// One push input, two push outputs. Every packet leaves on output 0; packets whose paint
    /// annotation equals COLOR also send a clone to output 1. IP routers use it to notice
    /// packets leaving on the interface they arrived on (ICMP redirects).
    ///
    /// # Handlers
    /// - `color` (read and write): COLOR.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> Paint(1) -> pt :: PaintTee(1);
    /// pt[0] -> Discard; pt[1] -> Discard;
    /// ```
    #[derive(Default)]
    pub struct PaintTee {
        color: u8,
        anno: usize,
    }
}

impl Element for PaintTee {
    fn class_name(&self) -> &'static str {
        "PaintTee"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn port_count(&self) -> &'static str {
        "1/2"
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.color = args.read_mp("COLOR")?;
        self.anno = args.read_p_or("ANNO", anno_offset::PAINT)?;
        args.complete()?;
        if self.anno >= click_core::packet::ANNO_SIZE {
            return Err(ArgError::new(Some("ANNO"), "annotation offset out of range"));
        }
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        for p in batch.iter() {
            if p.anno().bytes[self.anno] == self.color {
                cx.output(1, p.clone());
            }
        }
        cx.output_batch(0, batch);
    }

    fn handlers(&self) -> &'static [click_core::element::HandlerInfo] {
        super::paint::COLOR_HANDLERS
    }

    fn read_handler(&self, name: &str) -> Result<String, click_core::HandlerError> {
        super::paint::read_color(self.color, name)
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _cx: &mut Context<'_>,
    ) -> Result<(), click_core::HandlerError> {
        super::paint::write_color(&mut self.color, name, value)
    }
}
