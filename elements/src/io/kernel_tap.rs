use std::net::Ipv4Addr;
use std::sync::Arc;

use click_core::element::HandlerInfo;
use click_core::{
    ArgError, Args, Batch, Context, Element, EtherAddress, HandlerError, InitContext, Ipv4Prefix, Packet, Processing,
};

use super::tap_common::{self, DeviceSetup, TapIo};

click_core::documented! {
    /// A TAP device the router creates: Ethernet frames to and from the host's kernel.
    ///
    /// # Synopsis
    /// `KernelTap(ADDR/MASK [, GATEWAY, *keywords* ETHER, MTU, DEVNAME, BURST, HEADROOM, IGNORE_QUEUE_OVERFLOWS])`
    ///
    /// # Ports and processing
    /// One agnostic input, one or two push outputs. The element creates a TAP device
    /// through `/dev/net/tun` (named DEVNAME, or `tapN` chosen by the kernel), brings it up
    /// with the kernel-side address ADDR/MASK and Ethernet address ETHER, and, if GATEWAY is
    /// given, installs a default route through it (with `ip route`, as Click runs
    /// `route`). Frames the kernel sends on the device leave on output 0 (MAC header
    /// annotation set); frames arriving on the input are handed to the kernel as if
    /// received on the device. Output 1, if present, gets frames shorter than an Ethernet
    /// header (otherwise they are dropped and counted).
    ///
    /// The device has no offloads, so the kernel finishes checksums and segments before it
    /// hands frames over: they are ordinary frames. In pull context a task pulls the
    /// input; the same task polls the device. The device disappears when the router stops.
    /// Creating it needs root or CAP_NET_ADMIN.
    ///
    /// # Keywords
    /// - `ADDR/MASK` (IP prefix): the kernel's address on the device.
    /// - `GATEWAY` (IP address): default route through this neighbour, default none.
    /// - `ETHER` (Ethernet address): the device's address, default 00:01:02:03:04:05.
    /// - `MTU` (unsigned): default 1500.
    /// - `DEVNAME` (string): the device's name, default chosen by the kernel.
    /// - `BURST` (unsigned): packets per task run each way, default 32.
    /// - `HEADROOM` (unsigned): headroom of packets read, default 128.
    /// - `IGNORE_QUEUE_OVERFLOWS` (boolean): do not report full kernel queues, default false.
    ///
    /// # Handlers
    /// - `count` (read): frames read from the kernel.
    /// - `sent` (read): frames written to the kernel.
    /// - `drops` (read): frames dropped (write errors, runts without output 1).
    /// - `overflows` (read): writes refused because the kernel's queue was full.
    /// - `bad` (read): frames read that were too short (sent to output 1 or dropped).
    /// - `dev_name` (read): the device's name.
    ///
    /// # Example
    /// ```click
    /// tap :: KernelTap(10.99.0.1/24, DEVNAME vtap0) -> Discard;
    /// Idle -> tap;
    /// ```
    pub struct KernelTap {
        tun: bool,
        setup: DeviceSetup,
        devname: String,
        burst: usize,
        headroom: usize,
        quiet: bool,
        io: TapIo,
        pull_mode: bool,
        batch: Batch,
        scratch: Batch,
        runts: u64,
    }
}

impl Default for KernelTap {
    fn default() -> Self {
        KernelTap {
            tun: false,
            setup: DeviceSetup { mtu: 1500, ..Default::default() },
            devname: String::new(),
            burst: 32,
            headroom: click_core::packet::DEFAULT_HEADROOM,
            quiet: false,
            io: TapIo::default(),
            pull_mode: false,
            batch: Batch::new(),
            scratch: Batch::new(),
            runts: 0,
        }
    }
}

impl KernelTap {
    /// The same machinery for a TUN device (IP packets, no link header): KernelTun.
    pub(crate) fn tun() -> KernelTap {
        KernelTap { tun: true, ..Default::default() }
    }

    fn class(&self) -> &'static str {
        if self.tun { "KernelTun" } else { "KernelTap" }
    }

    /// Sorts one packet read from the device: true if it goes to output 0.
    fn classify(&self, p: &mut Packet) -> bool {
        if !self.tun {
            if p.len() < 14 {
                return false;
            }
            p.set_mac_header(0, 14);
            return true;
        }
        let d = p.data();
        if d.len() < 20 || d[0] >> 4 != 4 {
            return false;
        }
        let hl = usize::from(d[0] & 0xf) * 4;
        if hl < 20 || hl > d.len() {
            return false;
        }
        let dst = Ipv4Addr::new(d[16], d[17], d[18], d[19]);
        p.set_network_header(0, hl);
        p.set_dst_ip_anno(dst);
        true
    }

    fn emit(&mut self, cx: &mut Context<'_>) -> usize {
        let mut batch = std::mem::take(&mut self.batch);
        let n = self.io.recv(cx.name(), self.burst, self.headroom, &mut batch);
        if n == 0 {
            self.batch = batch;
            return 0;
        }
        let has_bad_output = cx.noutputs() > 1;
        let mut good = Batch::with_capacity(0);
        std::mem::swap(&mut good, &mut batch);
        for mut p in good.drain() {
            if self.classify(&mut p) {
                batch.push(p);
            } else if has_bad_output {
                self.runts += 1;
                cx.output(1, p);
            } else {
                self.runts += 1;
                self.io.drops += 1;
            }
        }
        cx.output_batch(0, &mut batch);
        self.batch = batch;
        n
    }
}

impl Element for KernelTap {
    fn class_name(&self) -> &'static str {
        self.class()
    }

    fn port_count(&self) -> &'static str {
        "1/1-2"
    }

    fn processing(&self) -> &'static str {
        "a/h"
    }

    fn flow_code(&self) -> &'static str {
        "x/y"
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let addr: Ipv4Prefix = args.read_mp("ADDR")?;
        let gateway: Ipv4Addr = args.read_p_or("GATEWAY", Ipv4Addr::UNSPECIFIED)?;
        let ether: EtherAddress = args.read_or("ETHER", EtherAddress([0, 1, 2, 3, 4, 5]))?;
        let mtu: u32 = args.read_or("MTU", 1500u32)?;
        self.devname = args.read_or("DEVNAME", String::new())?;
        if self.devname.is_empty() {
            self.devname = args.read_or("DEV_NAME", String::new())?;
        }
        self.burst = args.read_or("BURST", 32usize)?.clamp(1, super::sys::MAX_BURST);
        self.headroom = args.read_or("HEADROOM", click_core::packet::DEFAULT_HEADROOM)?.min(4096);
        self.quiet = args.read_or("IGNORE_QUEUE_OVERFLOWS", false)?;
        args.complete()?;
        self.setup = DeviceSetup { addr: Some(addr), gateway: Some(gateway), ether: Some(ether.0), mtu };
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        let dev = tap_common::open_shared(&self.devname, !self.tun).map_err(|e| e.to_string())?;
        tap_common::configure_device(dev.name(), !self.tun, &self.setup)?;
        self.devname = dev.name().to_string();
        self.io.dev = Some(Arc::clone(&dev));
        self.pull_mode = cx.input_processing(0) == Processing::Pull;
        self.batch = Batch::with_capacity(self.burst);
        self.scratch = Batch::with_capacity(self.burst);
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        for p in batch.drain() {
            self.io.send(cx.name(), &p, self.quiet);
        }
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        let mut worked = self.emit(cx) > 0;
        if self.pull_mode {
            let n = cx.pull_batch(0, self.burst, &mut self.scratch);
            for p in self.scratch.drain() {
                self.io.send(cx.name(), &p, self.quiet);
            }
            worked |= n > 0;
        }
        worked
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read("count"),
            HandlerInfo::read("sent"),
            HandlerInfo::read("drops"),
            HandlerInfo::read("overflows"),
            HandlerInfo::read("bad"),
            HandlerInfo::read("dev_name"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.io.received.to_string(),
            "sent" => self.io.sent.to_string(),
            "drops" => self.io.drops.to_string(),
            "overflows" => self.io.overflows.to_string(),
            "bad" => self.runts.to_string(),
            "dev_name" => self.devname.clone(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }
}
