use std::net::Ipv4Addr;

use click_core::args::Raw;
use click_core::{ArgError, Args, Context, Element, Packet};

use crate::wire::ipv4::{FLAG_DF, Ipv4Repr, MIN_HEADER_LEN};

click_core::documented! {
    /// Prepends an IPv4 header.
    ///
    /// # Synopsis
    /// `IPEncap(PROTO, SRC, DST, *keywords*)`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. The new header has a fresh identification,
    /// a correct checksum and the packet's length; the network header and destination
    /// address annotations are set. DST may be `DST_ANNO` to use the annotation.
    ///
    /// # Keywords
    /// - `PROTO`: protocol number or name (`tcp`, `udp`, `icmp`).
    /// - `SRC`, `DST` (addresses).
    /// - `TOS` (0-255), or `DSCP` (0-63) and `ECT`/`CE` (booleans).
    /// - `TTL` (0-255): default 250.
    /// - `DF` (boolean): set don't-fragment, default false.
    ///
    /// # Handlers
    /// - `config` (read/write): writing it configures the element again.
    /// - `src`, `dst` (read): the addresses.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> IPEncap(udp, 10.0.0.1, 10.0.0.2) -> Discard;
    /// ```
    pub struct IpEncap {
        repr: Ipv4Repr,
        dst_anno: bool,
    }
}

impl Default for IpEncap {
    fn default() -> Self {
        IpEncap {
            repr: Ipv4Repr {
                src: Ipv4Addr::UNSPECIFIED,
                dst: Ipv4Addr::UNSPECIFIED,
                protocol: 0,
                payload_len: 0,
                ttl: 250,
                tos: 0,
                ident: 0,
                flags_offset: 0,
            },
            dst_anno: false,
        }
    }
}

/// A protocol by number or name.
pub(crate) fn protocol_number(text: &str) -> Option<u8> {
    match text.trim().to_ascii_lowercase().as_str() {
        "icmp" => Some(1),
        "igmp" => Some(2),
        "ipip" => Some(4),
        "tcp" => Some(6),
        "udp" => Some(17),
        "gre" => Some(47),
        "esp" => Some(50),
        "ah" => Some(51),
        other => other.parse().ok(),
    }
}

impl Element for IpEncap {
    fn class_name(&self) -> &'static str {
        "IPEncap"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let Raw(proto) = args.read_mp("PROTO")?;
        self.repr.protocol = protocol_number(&proto)
            .ok_or_else(|| ArgError::new(Some("PROTO"), format!("unknown protocol '{proto}'")))?;
        self.repr.src = args.read_mp("SRC")?;
        let Raw(dst) = args.read_mp("DST")?;
        self.dst_anno = false;
        if dst == "DST_ANNO" {
            self.dst_anno = true;
        } else {
            self.repr.dst = <Ipv4Addr as click_core::args::FromArg>::from_arg(&dst, &args.context())
                .map_err(|m| ArgError::new(Some("DST"), m))?;
        }
        let tos: Option<u8> = args.read("TOS")?;
        let dscp: Option<u8> = args.read("DSCP")?;
        let ect: bool = args.read_or("ECT", false)?;
        let ce: bool = args.read_or("CE", false)?;
        self.repr.ttl = args.read_or("TTL", 250u8)?;
        let df: bool = args.read_or("DF", false)?;
        args.complete()?;
        if dscp.is_some_and(|d| d > 63) {
            return Err(ArgError::new(Some("DSCP"), "must be at most 63"));
        }
        // ECN field: ECT(0) is 0b10, CE is 0b11.
        let ecn = if ce {
            3
        } else if ect {
            2
        } else {
            0
        };
        self.repr.tos = tos.unwrap_or((dscp.unwrap_or(0) << 2) | ecn);
        self.repr.flags_offset = if df { FLAG_DF } else { 0 };
        Ok(())
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        let mut repr = self.repr;
        if self.dst_anno {
            repr.dst = p.dst_ip_anno();
        }
        repr.payload_len = p.len();
        // The first packet gets ID 0, as in Click.
        repr.ident = self.repr.ident;
        self.repr.ident = self.repr.ident.wrapping_add(1);
        repr.emit(p.push(MIN_HEADER_LEN));
        p.set_network_header(0, MIN_HEADER_LEN);
        p.set_dst_ip_anno(repr.dst);
        Some(p)
    }

    fn handlers(&self) -> &'static [click_core::element::HandlerInfo] {
        const H: &[click_core::element::HandlerInfo] = &[
            click_core::element::HandlerInfo::read_write("config").calm(),
            click_core::element::HandlerInfo::read_write("src").calm().reconfigures("1 SRC"),
            click_core::element::HandlerInfo::read_write("dst").calm().reconfigures("2 DST"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, click_core::HandlerError> {
        Ok(match name {
            "src" => self.repr.src.to_string(),
            "dst" => self.repr.dst.to_string(),
            _ => return Err(click_core::HandlerError::NoSuchHandler(name.into())),
        })
    }
}
