use click_core::packet::anno_offset;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element};

click_core::documented! {
    /// Sends packets to the output their paint annotation names.
    ///
    /// # Synopsis
    /// `PaintSwitch([ANNO])`
    ///
    /// # Ports and processing
    /// One push input, any number of push outputs. A packet painted N leaves on output N;
    /// packets painted beyond the last output are dropped and counted.
    ///
    /// # Keywords
    /// - `ANNO` (offset): the annotation byte to read, default the paint annotation.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> Paint(1) -> ps :: PaintSwitch;
    /// ps[0] -> Discard; ps[1] -> Discard;
    /// ```
    #[derive(Default)]
    pub struct PaintSwitch {
        anno: usize,
    }
}

impl Element for PaintSwitch {
    fn class_name(&self) -> &'static str {
        "PaintSwitch"
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
        self.anno = args.read_p_or("ANNO", anno_offset::PAINT)?;
        args.complete()?;
        if self.anno >= click_core::packet::ANNO_SIZE {
            return Err(ArgError::new(Some("ANNO"), "annotation offset out of range"));
        }
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let (anno, n) = (self.anno, cx.noutputs());
        cx.output_classified(batch, |p| Some(usize::from(p.anno().bytes[anno])).filter(|&o| o < n));
    }
}
