use click_core::args::{AddressTable, AddressValue};
use click_core::element::configure_phase;
use click_core::spec::ports;
use click_core::{ArgError, Args, Element, EtherAddress, Ipv4Prefix, Ipv6Prefix};

click_core::documented! {
    /// Names addresses for other elements' arguments.
    ///
    /// # Synopsis
    /// `AddressInfo(NAME ADDRESS [ADDRESS...], ...)`
    ///
    /// # Ports and processing
    /// No ports. Each argument is a name and one or more addresses: IPv4 (`10.0.0.1`), IPv4
    /// with a prefix (`10.0.0.1/24`), IPv6, or Ethernet. Other elements may then write the name
    /// where an address is expected: `NAME` gives the address of the kind wanted, and
    /// `NAME:ip`, `NAME:ipnet`, `NAME:eth`, `NAME:ip6` pick one explicitly. AddressInfo is
    /// configured before every other element.
    ///
    /// # Example
    /// ```click
    /// AddressInfo(eth0 10.0.0.1/24 00:01:02:03:04:05);
    /// InfiniteSource(LIMIT 1, STOP true) -> EtherEncap(0x0800, eth0, ff:ff:ff:ff:ff:ff) -> Discard;
    /// ```
    #[derive(Default)]
    pub struct AddressInfo {
        entries: Vec<(String, AddressValue)>,
    }
}

fn parse_value(word: &str) -> Option<AddressValue> {
    if let Ok(a) = word.parse() {
        return Some(AddressValue::Ipv4(a));
    }
    if word.contains('/') && !word.contains(':') {
        return word.parse::<Ipv4Prefix>().ok().map(AddressValue::Ipv4Prefix);
    }
    if let Ok(e) = word.parse::<EtherAddress>() {
        return Some(AddressValue::Ether(e));
    }
    if let Ok(a) = word.parse() {
        return Some(AddressValue::Ipv6(a));
    }
    word.parse::<Ipv6Prefix>().ok().map(AddressValue::Ipv6Prefix)
}

impl Element for AddressInfo {
    fn class_name(&self) -> &'static str {
        "AddressInfo"
    }

    fn port_count(&self) -> &'static str {
        ports::P0_0
    }

    fn configure_phase(&self) -> i32 {
        configure_phase::FIRST
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        for arg in args.take_rest() {
            let mut words = arg.split_whitespace();
            let Some(name) = words.next() else { continue };
            let mut any = false;
            for w in words {
                let v = parse_value(w).ok_or_else(|| ArgError::new(None, format!("'{name}': bad address '{w}'")))?;
                self.entries.push((name.to_string(), v));
                any = true;
            }
            if !any {
                return Err(ArgError::new(None, format!("'{name}': expected 'NAME ADDRESS...'")));
            }
        }
        Ok(())
    }

    fn provide_addresses(&self, table: &mut AddressTable) {
        for (n, v) in &self.entries {
            table.define(n, v.clone());
        }
    }
}
