use click_core::element::HandlerInfo;
use click_core::{Context, Element, HandlerError, Packet, PacketType};

click_core::documented! {
    /// Drops packets that arrived as link-level broadcast or multicast.
    ///
    /// # Synopsis
    /// `DropBroadcasts`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Uses the packet type annotation set by the
    /// device that received the packet. Routers must not forward such packets (RFC 1812).
    ///
    /// # Handlers
    /// - `drops` (read): packets dropped.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> DropBroadcasts -> Discard;
    /// ```
    #[derive(Default)]
    pub struct DropBroadcasts {
        drops: u64,
    }
}

impl Element for DropBroadcasts {
    fn class_name(&self) -> &'static str {
        "DropBroadcasts"
    }

    #[inline]
    fn simple_action(&mut self, _cx: &mut Context<'_>, p: Packet) -> Option<Packet> {
        match p.packet_type() {
            PacketType::Broadcast | PacketType::Multicast => {
                if self.drops == 0 {
                    click_core::chatter::chatter("DropBroadcasts: dropped a packet");
                }
                self.drops += 1;
                None
            }
            _ => Some(p),
        }
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read("drops")];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
