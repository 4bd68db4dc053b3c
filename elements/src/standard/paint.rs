use click_core::packet::anno_offset;
use click_core::{ArgError, Args, Context, Element, Packet};

click_core::documented! {
    /// Sets a packet's paint annotation.
    ///
    /// # Synopsis
    /// `Paint(COLOR [, ANNO])`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output.
    ///
    /// # Keywords
    /// - `COLOR` (0-255): the value to store.
    /// - `ANNO` (offset): annotation byte to set, default the paint annotation (16).
    ///
    /// # Handlers
    /// - `config` (read/write): writing it configures the element again.
    /// - `color` (read and write): COLOR.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> Paint(2) -> Discard;
    /// ```
    #[derive(Default)]
    pub struct Paint {
        color: u8,
        anno: usize,
    }
}

impl Element for Paint {
    fn class_name(&self) -> &'static str {
        "Paint"
    }

    fn batch_invariant(&self) -> bool {
        true
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

    #[inline]
    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        p.anno_mut().bytes[self.anno] = self.color;
        Some(p)
    }

    fn handlers(&self) -> &'static [click_core::element::HandlerInfo] {
        const H: &[click_core::element::HandlerInfo] = &[
            click_core::element::HandlerInfo::read_write("config").calm(),
            click_core::element::HandlerInfo::read_write("color"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, click_core::HandlerError> {
        read_color(self.color, name)
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _cx: &mut Context<'_>,
    ) -> Result<(), click_core::HandlerError> {
        write_color(&mut self.color, name, value)
    }
}

/// The `color` handler Paint and PaintTee share.
pub(crate) const COLOR_HANDLERS: &[click_core::element::HandlerInfo] =
    &[click_core::element::HandlerInfo::read_write("color")];

pub(crate) fn read_color(color: u8, name: &str) -> Result<String, click_core::HandlerError> {
    match name {
        "color" => Ok(color.to_string()),
        _ => Err(click_core::HandlerError::NoSuchHandler(name.into())),
    }
}

pub(crate) fn write_color(color: &mut u8, name: &str, value: &str) -> Result<(), click_core::HandlerError> {
    match name {
        "color" => *color = Args::new(value).read_mp("COLOR")?,
        _ => return Err(click_core::HandlerError::NoSuchHandler(name.into())),
    }
    Ok(())
}
