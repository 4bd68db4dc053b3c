use click_core::{ArgError, Args, Context, Element, Packet};

click_core::documented! {
    /// Removes an 802.1Q VLAN tag, keeping it in the VLAN TCI annotation.
    ///
    /// # Synopsis
    /// `VLANDecap([ANNO])`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Frames tagged with TPID 0x8100 or 0x88a8
    /// lose their tag; untagged frames pass with the annotation set to 0.
    ///
    /// # Keywords
    /// - `ANNO` (boolean): store the TCI in the annotation, default true.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> VLANEncap(VLAN_ID 10) -> VLANDecap -> Discard;
    /// ```
    pub struct VlanDecap {
        anno: bool,
    }
}

impl Default for VlanDecap {
    fn default() -> Self {
        VlanDecap { anno: true }
    }
}

impl Element for VlanDecap {
    fn class_name(&self) -> &'static str {
        "VLANDecap"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.anno = args.read_p_or("ANNO", true)?;
        args.complete()
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        let d = p.data();
        let tagged = d.len() >= 18 && matches!(u16::from_be_bytes([d[12], d[13]]), 0x8100 | 0x88a8);
        if !tagged {
            if self.anno {
                p.anno_mut().set_vlan_tci(0);
            }
            return Some(p);
        }
        let tci = u16::from_be_bytes([d[14], d[15]]);
        let mut addrs = [0u8; 12];
        addrs.copy_from_slice(&d[..12]);
        p.pull(4);
        p.data_mut()[..12].copy_from_slice(&addrs);
        p.set_mac_header(0, 14);
        if self.anno {
            p.anno_mut().set_vlan_tci(tci);
        }
        Some(p)
    }
}
