use click_core::Element;

click_core::documented! {
    /// Passes packets through unchanged.
    ///
    /// # Synopsis
    /// `Null`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 5, STOP true) -> Null -> Discard;
    /// ```
    pub struct Null;
}

impl Element for Null {
    fn class_name(&self) -> &'static str {
        "Null"
    }

    fn batch_invariant(&self) -> bool {
        true
    }
}
