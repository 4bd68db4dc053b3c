use std::sync::Arc;

use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, EtherAddress, HandlerError, InitContext, Ipv4Prefix};

use super::tap_common::{self, DeviceSetup, TapIo};

click_core::documented! {
    /// Emits the frames the host's kernel sends on a TAP device the router creates.
    ///
    /// # Synopsis
    /// `FromHost(DEVNAME, ADDR/MASK [, *keywords* ETHER, MTU, BURST, HEADROOM])`
    ///
    /// # Ports and processing
    /// No inputs, one push output. Click's kernel-module FromHost makes a fake device
    /// whose transmissions reach the router; here the fake device is a TAP device named
    /// DEVNAME, created through `/dev/net/tun` and brought up with the kernel-side address
    /// ADDR/MASK. Frames the kernel sends on it leave on output 0 (MAC header annotation
    /// set), polled by a task. A ToHost naming the same device shares it: what ToHost
    /// writes, the kernel receives on DEVNAME. The device has no offloads, so frames come
    /// with finished checksums. Needs root or CAP_NET_ADMIN.
    ///
    /// # Keywords
    /// - `DEVNAME` (string): the device.
    /// - `ADDR/MASK` (IP prefix): the kernel's address on it.
    /// - `ETHER` (Ethernet address): the device's address, default 00:01:02:03:04:05.
    /// - `MTU` (unsigned): default 1500.
    /// - `BURST` (unsigned): frames per task run, default 32.
    /// - `HEADROOM` (unsigned): headroom of packets read, default 128.
    ///
    /// # Handlers
    /// - `count` (read): frames emitted.
    /// - `drops` (read): frames too short for an Ethernet header, dropped.
    /// - `dev_name` (read): the device.
    ///
    /// # Example
    /// ```click
    /// FromHost(vhost0, 10.97.0.1/24) -> Discard;
    /// ```
    pub struct FromHost {
        devname: String,
        setup: DeviceSetup,
        burst: usize,
        headroom: usize,
        io: TapIo,
        batch: Batch,
        runts: u64,
    }
}

impl Default for FromHost {
    fn default() -> Self {
        FromHost {
            devname: String::new(),
            setup: DeviceSetup { mtu: 1500, ..Default::default() },
            burst: 32,
            headroom: click_core::packet::DEFAULT_HEADROOM,
            io: TapIo::default(),
            batch: Batch::new(),
            runts: 0,
        }
    }
}

impl Element for FromHost {
    fn class_name(&self) -> &'static str {
        "FromHost"
    }

    fn port_count(&self) -> &'static str {
        ports::P0_1
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.devname = args.read_mp("DEVNAME")?;
        let addr: Ipv4Prefix = args.read_mp("ADDR")?;
        let ether: EtherAddress = args.read_or("ETHER", EtherAddress([0, 1, 2, 3, 4, 5]))?;
        let mtu: u32 = args.read_or("MTU", 1500u32)?;
        self.burst = args.read_or("BURST", 32usize)?.clamp(1, super::sys::MAX_BURST);
        self.headroom = args.read_or("HEADROOM", click_core::packet::DEFAULT_HEADROOM)?.min(4096);
        args.complete()?;
        self.setup = DeviceSetup { addr: Some(addr), gateway: None, ether: Some(ether.0), mtu };
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        let dev = tap_common::open_shared(&self.devname, true).map_err(|e| e.to_string())?;
        tap_common::configure_device(dev.name(), true, &self.setup)?;
        self.io.dev = Some(Arc::clone(&dev));
        self.batch = Batch::with_capacity(self.burst);
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        Ok(())
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        let mut batch = std::mem::take(&mut self.batch);
        let n = self.io.recv(cx.name(), self.burst, self.headroom, &mut batch);
        let before = batch.len();
        batch.retain(|p| {
            if p.len() < 14 {
                return false;
            }
            p.set_mac_header(0, 14);
            true
        });
        self.runts += (before - batch.len()) as u64;
        cx.output_batch(0, &mut batch);
        self.batch = batch;
        n > 0
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] =
            &[HandlerInfo::read("count"), HandlerInfo::read("drops"), HandlerInfo::read("dev_name")];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => (self.io.received - self.runts).to_string(),
            "drops" => self.runts.to_string(),
            "dev_name" => self.devname.clone(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }
}
