use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Context, Element, EtherAddress, Packet, PacketType};

click_core::documented! {
    /// Keeps Ethernet frames addressed to this host (or broadcast or multicast).
    ///
    /// # Synopsis
    /// `HostEtherFilter(ETH [, DROP_OWN, DROP_OTHER, OFFSET])`
    ///
    /// # Ports and processing
    /// One agnostic input; output 0 (agnostic) for frames to ETH, broadcast or multicast,
    /// with the packet type annotation set (HOST, BROADCAST, MULTICAST); optional push
    /// output 1 for the rest (type OTHERHOST), dropped and counted otherwise.
    ///
    /// # Keywords
    /// - `ETH`: this host's address.
    /// - `DROP_OWN` (boolean): also reject frames sent from ETH, default false.
    /// - `DROP_OTHER` (boolean): reject frames for other hosts, default true.
    /// - `OFFSET` (unsigned): where the Ethernet header starts, default 0.
    ///
    /// # Handlers
    /// - `config` (read/write): writing it configures the element again.
    /// - `ether` (read): the address, dashed as Click prints it.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> HostEtherFilter(00:00:00:00:00:02) -> Discard;
    /// ```
    pub struct HostEtherFilter {
        eth: EtherAddress,
        drop_own: bool,
        drop_other: bool,
        offset: usize,
    }
}

impl Default for HostEtherFilter {
    fn default() -> Self {
        HostEtherFilter { eth: EtherAddress::default(), drop_own: false, drop_other: true, offset: 0 }
    }
}

impl Element for HostEtherFilter {
    fn class_name(&self) -> &'static str {
        "HostEtherFilter"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn port_count(&self) -> &'static str {
        ports::P1_1_2
    }

    fn processing(&self) -> &'static str {
        processing::A_AH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.eth = args.read_mp("ETH")?;
        self.drop_own = args.read_p_or("DROP_OWN", false)?;
        self.drop_other = args.read_p_or("DROP_OTHER", true)?;
        self.offset = args.read_or("OFFSET", 0)?;
        args.complete()
    }

    fn simple_action(&mut self, cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        let h = p.data().get(self.offset..self.offset + 14)?;
        let dst = EtherAddress(h[0..6].try_into().expect("6 bytes"));
        let src = EtherAddress(h[6..12].try_into().expect("6 bytes"));
        let reject_own = self.drop_own && src == self.eth;
        let kind = if dst == self.eth {
            PacketType::Host
        } else if dst.is_broadcast() {
            PacketType::Broadcast
        } else if dst.is_group() {
            PacketType::Multicast
        } else {
            PacketType::OtherHost
        };
        p.set_packet_type(kind);
        if reject_own || (self.drop_other && kind == PacketType::OtherHost) {
            if cx.noutputs() > 1 {
                cx.output(1, p);
            }
            return None;
        }
        Some(p)
    }

    fn handlers(&self) -> &'static [click_core::element::HandlerInfo] {
        const H: &[click_core::element::HandlerInfo] = &[
            click_core::element::HandlerInfo::read_write("config").calm(),
            click_core::element::HandlerInfo::read_write("ether"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, click_core::HandlerError> {
        match name {
            "ether" => Ok(crate::ether_dashes(self.eth)),
            _ => Err(click_core::HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _cx: &mut Context<'_>,
    ) -> Result<(), click_core::HandlerError> {
        match name {
            "ether" => self.eth = Args::new(value).read_mp("ETH")?,
            _ => return Err(click_core::HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}
