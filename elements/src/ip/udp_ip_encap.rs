use std::net::Ipv4Addr;

use click_core::{ArgError, Args, Context, Element, Packet};

use crate::wire::ipv4::{Ipv4Repr, MIN_HEADER_LEN, protocol};
use crate::wire::udp::{HEADER_LEN, UdpPacket};

click_core::documented! {
    /// Prepends UDP and IPv4 headers.
    ///
    /// # Synopsis
    /// `UDPIPEncap(SRC, SPORT, DST, DPORT [, CHECKSUM])`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. The IP header gets TTL 250, a fresh
    /// identification and a correct checksum; the UDP checksum is computed when CHECKSUM is
    /// true (the default). Network header and destination annotations are set.
    ///
    /// # Handlers
    /// - `config` (read/write): writing it configures the element again.
    /// - `src`, `sport`, `dst`, `dport` (read).
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> UDPIPEncap(10.0.0.1, 1234, 10.0.0.2, 5678) -> Discard;
    /// ```
    pub struct UdpIpEncap {
        src: Ipv4Addr,
        dst: Ipv4Addr,
        sport: u16,
        dport: u16,
        checksum: bool,
        ident: u16,
    }
}

impl Default for UdpIpEncap {
    fn default() -> Self {
        UdpIpEncap {
            src: Ipv4Addr::UNSPECIFIED,
            dst: Ipv4Addr::UNSPECIFIED,
            sport: 0,
            dport: 0,
            checksum: true,
            ident: 0,
        }
    }
}

impl Element for UdpIpEncap {
    fn class_name(&self) -> &'static str {
        "UDPIPEncap"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.src = args.read_mp("SRC")?;
        self.sport = args.read_mp("SPORT")?;
        self.dst = args.read_mp("DST")?;
        self.dport = args.read_mp("DPORT")?;
        self.checksum = args.read_p_or("CHECKSUM", true)?;
        args.complete()
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        let udp_len = p.len() + HEADER_LEN;
        if udp_len > usize::from(u16::MAX) - MIN_HEADER_LEN {
            return None;
        }
        {
            let h = p.push(HEADER_LEN);
            h.fill(0);
        }
        {
            let mut u = UdpPacket::new_checked(p.data_mut()).expect("header pushed");
            u.set_ports(self.sport, self.dport);
            u.set_len(udp_len as u16);
            if self.checksum {
                u.fill_checksum(self.src.octets(), self.dst.octets());
            }
        }
        // The first packet gets ID 0, as in Click.
        let ident = self.ident;
        self.ident = self.ident.wrapping_add(1);
        let repr = Ipv4Repr {
            src: self.src,
            dst: self.dst,
            protocol: protocol::UDP,
            payload_len: udp_len,
            ttl: 250,
            tos: 0,
            ident,
            flags_offset: 0,
        };
        repr.emit(p.push(MIN_HEADER_LEN));
        p.set_network_header(0, MIN_HEADER_LEN);
        p.set_dst_ip_anno(self.dst);
        Some(p)
    }

    fn handlers(&self) -> &'static [click_core::element::HandlerInfo] {
        const H: &[click_core::element::HandlerInfo] = &[
            click_core::element::HandlerInfo::read_write("config").calm(),
            click_core::element::HandlerInfo::read_write("src"),
            click_core::element::HandlerInfo::read_write("sport"),
            click_core::element::HandlerInfo::read_write("dst"),
            click_core::element::HandlerInfo::read_write("dport"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, click_core::HandlerError> {
        Ok(match name {
            "src" => self.src.to_string(),
            "sport" => self.sport.to_string(),
            "dst" => self.dst.to_string(),
            "dport" => self.dport.to_string(),
            _ => return Err(click_core::HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _cx: &mut Context<'_>,
    ) -> Result<(), click_core::HandlerError> {
        let mut args = Args::new(value);
        match name {
            "src" => self.src = args.read_mp("SRC")?,
            "sport" => self.sport = args.read_mp("SPORT")?,
            "dst" => self.dst = args.read_mp("DST")?,
            "dport" => self.dport = args.read_mp("DPORT")?,
            _ => return Err(click_core::HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}
