use click_core::args::Raw;
use click_core::{ArgError, Args, Context, Element, Packet};

click_core::documented! {
    /// Inserts an 802.1Q VLAN tag after the Ethernet addresses.
    ///
    /// # Synopsis
    /// `VLANEncap(VLAN_TCI [, VLAN_PCP, *keywords*])`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Packets must start with an Ethernet header.
    /// The tag is the TCI (priority code point in the top 3 bits, VLAN ID in the low 12),
    /// or the packet's VLAN TCI annotation when VLAN_TCI is `ANNO`.
    ///
    /// # Keywords
    /// - `VLAN_TCI` (integer or `ANNO`), or `VLAN_ID` (0-4095) and `VLAN_PCP` (0-7).
    /// - `NATIVE_VLAN` (integer): packets of this VLAN ID are sent untagged. Default 0 (as in
    ///   Click: VLAN 0 is not tagged); -1 for none.
    /// - `ETHERTYPE` (integer): the tag protocol identifier, default 0x8100.
    ///
    /// # Handlers
    /// - `config` (read): the tag as Click prints it, `VLAN_ID N, VLAN_PCP N` or `ANNO`, then
    ///   `NATIVE_VLAN N` unless it is 0.
    /// - `vlan_tci` (read): the tag, or `ANNO`.
    /// - `vlan_id`, `vlan_pcp`, `native_vlan`, `ethertype` (read): Click's keyword handlers,
    ///   read from the `config` text (empty when it does not show them). Like `vlan_tci`, Click
    ///   lists them as writable, but a write fails: the element cannot be reconfigured live.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> VLANEncap(VLAN_ID 10) -> VLANDecap -> Discard;
    /// ```
    pub struct VlanEncap {
        tci: Option<u16>,
        native: i32,
        tpid: u16,
    }
}

impl Default for VlanEncap {
    fn default() -> Self {
        VlanEncap { tci: Some(0), native: 0, tpid: 0x8100 }
    }
}

impl VlanEncap {
    /// The configuration as Click's `config` handler prints it (and as the keyword handlers
    /// read and rewrite it).
    fn config_text(&self) -> String {
        let mut s = match self.tci {
            None => "ANNO".to_string(),
            Some(t) => format!("VLAN_ID {}, VLAN_PCP {}", t & 0xfff, (t >> 13) & 7),
        };
        if self.native != 0 {
            s += &format!(", NATIVE_VLAN {}", self.native as u16);
        }
        s
    }
}

impl Element for VlanEncap {
    fn class_name(&self) -> &'static str {
        "VLANEncap"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let tci: Option<Raw> = args.read_p("VLAN_TCI")?;
        let pcp: u16 = args.read_p_or("VLAN_PCP", 0)?;
        let id: u16 = args.read_or("VLAN_ID", 0)?;
        let native: i32 = args.read_or("NATIVE_VLAN", 0)?;
        let tpid = args.read_or("ETHERTYPE", 0x8100u16)?;
        args.complete()?;
        if pcp > 7 {
            return Err(ArgError::new(Some("VLAN_PCP"), "must be at most 7"));
        }
        if id > 0xfff {
            return Err(ArgError::new(Some("VLAN_ID"), "must be at most 4095"));
        }
        if !(-1..=0xfff).contains(&native) {
            return Err(ArgError::new(Some("NATIVE_VLAN"), "must be between -1 and 4095"));
        }
        // As Click: a VLAN_TCI, else VLAN_ID, with VLAN_PCP or-ed into the top bits.
        self.tci = match tci {
            Some(Raw(t)) if t == "ANNO" => None,
            Some(Raw(t)) => Some(
                <u16 as click_core::args::FromArg>::from_arg(&t, &Default::default())
                    .map_err(|m| ArgError::new(Some("VLAN_TCI"), m))?
                    | (pcp << 13),
            ),
            None => Some(id | (pcp << 13)),
        };
        (self.native, self.tpid) = (native, tpid);
        Ok(())
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        if p.len() < 14 {
            return None;
        }
        let tci = self.tci.unwrap_or_else(|| p.anno().vlan_tci());
        if i32::from(tci & 0x0fff) == self.native {
            return Some(p);
        }
        let mut addrs = [0u8; 12];
        addrs.copy_from_slice(&p.data()[..12]);
        let h = p.push(4);
        h[..4].copy_from_slice(&[0; 4]);
        let d = p.data_mut();
        d[..12].copy_from_slice(&addrs);
        d[12..14].copy_from_slice(&self.tpid.to_be_bytes());
        d[14..16].copy_from_slice(&tci.to_be_bytes());
        p.set_mac_header(0, 18);
        Some(p)
    }

    fn handlers(&self) -> &'static [click_core::element::HandlerInfo] {
        use click_core::element::HandlerInfo;
        const H: &[HandlerInfo] = &[
            HandlerInfo::read("config"),
            HandlerInfo::read_write("vlan_tci").reconfigures("0 VLAN_TCI"),
            HandlerInfo::read_write("vlan_id").reconfigures("VLAN_ID"),
            HandlerInfo::read_write("vlan_pcp").reconfigures("VLAN_PCP"),
            HandlerInfo::read_write("native_vlan").reconfigures("NATIVE_VLAN"),
            HandlerInfo::read_write("ethertype").reconfigures("ETHERTYPE"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, click_core::HandlerError> {
        // Click reads the keyword handlers from the `config` text, so that a keyword it does
        // not print (ETHERTYPE, VLAN_ID under ANNO) reads as empty.
        let keyword = |k: &str| {
            self.config_text()
                .split(", ")
                .find_map(|a| a.strip_prefix(k).and_then(|v| v.strip_prefix(' ')).map(str::to_string))
                .unwrap_or_default()
        };
        match name {
            "config" => Ok(self.config_text()),
            "vlan_tci" => Ok(self.tci.map_or("ANNO".to_string(), |t| t.to_string())),
            "vlan_id" => Ok(keyword("VLAN_ID")),
            "vlan_pcp" => Ok(keyword("VLAN_PCP")),
            "native_vlan" => Ok(keyword("NATIVE_VLAN")),
            "ethertype" => Ok(keyword("ETHERTYPE")),
            _ => Err(click_core::HandlerError::NoSuchHandler(name.into())),
        }
    }
}
