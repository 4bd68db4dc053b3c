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
    /// - `NATIVE_VLAN` (integer): packets of this VLAN ID are sent untagged. Default -1 (none).
    /// - `ETHERTYPE` (integer): the tag protocol identifier, default 0x8100.
    ///
    /// # Handlers
    /// - `vlan_tci`, `vlan_id`, `vlan_pcp` (read): the tag written.
    /// - `drops` (read): packets dropped.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> VLANEncap(VLAN_ID 10) -> VLANDecap -> Discard;
    /// ```
    pub struct VlanEncap {
        tci: Option<u16>,
        native: i32,
        tpid: u16,
        drops: u64,
    }
}

impl Default for VlanEncap {
    fn default() -> Self {
        VlanEncap { tci: Some(0), native: -1, tpid: 0x8100, drops: 0 }
    }
}

impl Element for VlanEncap {
    fn class_name(&self) -> &'static str {
        "VLANEncap"
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let tci: Option<Raw> = args.read_p("VLAN_TCI")?;
        let pcp: Option<u16> = args.read_p("VLAN_PCP")?;
        let id: Option<u16> = args.read("VLAN_ID")?;
        self.native = args.read_or("NATIVE_VLAN", -1)?;
        self.tpid = args.read_or("ETHERTYPE", 0x8100u16)?;
        args.complete()?;
        self.tci = match (tci, id) {
            (Some(Raw(t)), _) if t.eq_ignore_ascii_case("anno") => None,
            (Some(Raw(t)), _) => Some(
                <u16 as click_core::args::FromArg>::from_arg(&t, &Default::default())
                    .map_err(|m| ArgError::new(Some("VLAN_TCI"), m))?,
            ),
            (None, Some(id)) if id > 4095 => return Err(ArgError::new(Some("VLAN_ID"), "must be at most 4095")),
            (None, Some(id)) => Some(id),
            (None, None) => return Err(ArgError::new(Some("VLAN_TCI"), "required argument missing")),
        };
        if let (Some(t), Some(pcp)) = (self.tci.as_mut(), pcp) {
            if pcp > 7 {
                return Err(ArgError::new(Some("VLAN_PCP"), "must be at most 7"));
            }
            *t = (*t & 0x0fff) | (pcp << 13);
        }
        Ok(())
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        if p.len() < 14 {
            self.drops += 1;
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
        const H: &[click_core::element::HandlerInfo] = &[
            click_core::element::HandlerInfo::read("drops"),
            click_core::element::HandlerInfo::read("vlan_tci"),
            click_core::element::HandlerInfo::read("vlan_id"),
            click_core::element::HandlerInfo::read("vlan_pcp"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, click_core::HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            "vlan_tci" => Ok(self.tci.map_or(String::new(), |t| t.to_string())),
            "vlan_id" => Ok(self.tci.map_or(String::new(), |t| (t & 0xfff).to_string())),
            "vlan_pcp" => Ok(self.tci.map_or(String::new(), |t| (t >> 13).to_string())),
            _ => Err(click_core::HandlerError::NoSuchHandler(name.into())),
        }
    }
}
