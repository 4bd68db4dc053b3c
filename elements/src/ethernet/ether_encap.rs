use click_core::element::HandlerInfo;
use click_core::{ArgError, Args, Context, Element, EtherAddress, HandlerError, Packet};

use crate::wire::ethernet::{EthernetRepr, HEADER_LEN};

click_core::documented! {
    /// Prepends an Ethernet header.
    ///
    /// # Synopsis
    /// `EtherEncap(ETHERTYPE, SRC, DST)`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. The header goes into the packet's headroom
    /// (no copy unless the buffer is shared); the MAC header annotation points at it.
    ///
    /// # Keywords
    /// - `ETHERTYPE` (16-bit integer), e.g. `0x0800`.
    /// - `SRC`, `DST` (Ethernet addresses, or AddressInfo names).
    ///
    /// # Handlers
    /// - `config` (read/write): writing it configures the element again.
    /// - `src`, `dst`, `ethertype` (read/write).
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> EtherEncap(0x0800, 00:00:c0:ae:67:ef, 00:00:c0:4f:71:ef) -> Discard;
    /// ```
    #[derive(Default)]
    pub struct EtherEncap {
        header: [u8; HEADER_LEN],
        repr: Option<EthernetRepr>,
    }
}

impl EtherEncap {
    /// An encapsulator writing this header.
    pub fn new(ethertype: u16, src: EtherAddress, dst: EtherAddress) -> EtherEncap {
        let repr = EthernetRepr { src, dst, ethertype };
        EtherEncap { header: repr.to_bytes(), repr: Some(repr) }
    }

    fn set(&mut self, repr: EthernetRepr) {
        self.header = repr.to_bytes();
        self.repr = Some(repr);
    }
}

impl Element for EtherEncap {
    fn class_name(&self) -> &'static str {
        "EtherEncap"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let ethertype: u16 = args.read_mp("ETHERTYPE")?;
        let src: EtherAddress = args.read_mp("SRC")?;
        let dst: EtherAddress = args.read_mp("DST")?;
        args.complete()?;
        self.set(EthernetRepr { src, dst, ethertype });
        Ok(())
    }

    #[inline]
    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        p.push_mac_header(HEADER_LEN).copy_from_slice(&self.header);
        Some(p)
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read_write("config").calm(),
            HandlerInfo::read_write("src").reconfigures("1 SRC"),
            HandlerInfo::read_write("dst").reconfigures("2 DST"),
            HandlerInfo::read_write("ethertype").reconfigures("0 ETHERTYPE"),
            HandlerInfo::read_write("etht").with(HandlerInfo::DEPRECATED).reconfigures("0 ETHERTYPE"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        let r = self.repr.ok_or_else(|| HandlerError::Failed("not configured".into()))?;
        Ok(match name {
            // Click's forms: dashed addresses, the ethertype in decimal.
            "src" => crate::ether_dashes(r.src),
            "dst" => crate::ether_dashes(r.dst),
            "ethertype" | "etht" => r.ethertype.to_string(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }
}
