use std::net::Ipv4Addr;

use click_core::{ArgError, Args, Context, Element, Packet};

click_core::documented! {
    /// Sets the destination address annotation.
    ///
    /// # Synopsis
    /// `SetIPAddress(IPADDR)`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output.
    ///
    /// # Handlers
    /// - `config` (read/write): writing it configures the element again.
    /// - `addr` (read): ADDR.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> SetIPAddress(10.0.0.1) -> Discard;
    /// ```
    pub struct SetIpAddress {
        addr: Ipv4Addr,
    }
}

impl Default for SetIpAddress {
    fn default() -> Self {
        SetIpAddress { addr: Ipv4Addr::UNSPECIFIED }
    }
}

impl Element for SetIpAddress {
    fn class_name(&self) -> &'static str {
        "SetIPAddress"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.addr = args.read_mp("IPADDR")?;
        args.complete()
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        p.set_dst_ip_anno(self.addr);
        Some(p)
    }

    fn handlers(&self) -> &'static [click_core::element::HandlerInfo] {
        const H: &[click_core::element::HandlerInfo] = &[
            click_core::element::HandlerInfo::read_write("config").calm(),
            click_core::element::HandlerInfo::read_write("addr"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, click_core::HandlerError> {
        Ok(match name {
            "addr" => self.addr.to_string(),
            _ => return Err(click_core::HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _cx: &mut Context<'_>,
    ) -> Result<(), click_core::HandlerError> {
        match name {
            "addr" => self.addr = Args::new(value).read_mp("IPADDR")?,
            _ => return Err(click_core::HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}
