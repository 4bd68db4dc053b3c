use std::net::Ipv4Addr;

use click_core::{ArgError, Args, Context, Element, Packet};

click_core::documented! {
    /// Sets the destination address annotation from packet bytes.
    ///
    /// # Synopsis
    /// `GetIPAddress(OFFSET)`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Copies the 4 bytes at OFFSET into the
    /// destination IP address annotation; packets too short are dropped and counted.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LENGTH 40, LIMIT 1, STOP true) -> GetIPAddress(16) -> Discard;
    /// ```
    #[derive(Default)]
    pub struct GetIpAddress {
        offset: usize,
    }
}

impl Element for GetIpAddress {
    fn class_name(&self) -> &'static str {
        "GetIPAddress"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.offset = args.read_mp("OFFSET")?;
        args.complete()
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        match p.data().get(self.offset..self.offset + 4) {
            Some(b) => {
                let a = Ipv4Addr::new(b[0], b[1], b[2], b[3]);
                p.set_dst_ip_anno(a);
                Some(p)
            }
            None => None,
        }
    }
}
