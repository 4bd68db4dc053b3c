use std::sync::{Arc, Mutex};

use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext, PacketType, Timestamp};

use super::xdp::{self, Steering, XdpMode, XdpPort};

click_core::documented! {
    /// Reads packets from a device queue through an AF_XDP socket (cargo feature `af_xdp`).
    ///
    /// # Synopsis
    /// `FromXDPDevice(DEVNAME [, *keywords* QUEUE, MODE, LOAD, BURST, HEADROOM])`
    ///
    /// # Ports and processing
    /// No inputs; one push output. A task polls the socket's receive ring and emits up to
    /// BURST frames per run as one batch, copied out of the shared memory area (so frames
    /// return to the kernel at once), with the MAC header, packet type (from the
    /// destination address) and timestamp annotations set. Frames longer than 2048 bytes
    /// cannot arrive (one frame per buffer, no multi-buffer).
    ///
    /// An XDP socket sees only what an XDP program on the device redirects to it. With LOAD
    /// true (the default) the element loads and attaches a minimal program that redirects
    /// every frame of the queue to the socket (other queues and frames go on to the kernel)
    /// and removes it when the router stops; with LOAD false, attach your own program and
    /// insert the socket into its XSKMAP (see the `io::xdp` module documentation). A
    /// ToXDPDevice on the same device and queue shares the socket. On veth, XDP sockets
    /// work in copy mode. Needs root (CAP_NET_ADMIN, CAP_BPF, CAP_NET_RAW).
    ///
    /// # Keywords
    /// - `DEVNAME` (string): the device.
    /// - `QUEUE` (unsigned): the device queue, default 0.
    /// - `MODE` (word): `auto`, `copy` or `zerocopy`, default auto.
    /// - `LOAD` (boolean): load the redirect program, default true.
    /// - `XSKMAP` (string): instead, insert the socket into the XSKMAP of a program loaded
    ///   separately, pinned at this path (see the `io::xdp` module documentation).
    /// - `BURST` (unsigned): frames per task run, default 32.
    /// - `HEADROOM` (unsigned): headroom of packets, default 128.
    /// - `FIX_CHECKSUMS` (boolean): recompute the TCP/UDP checksum of every IPv4 frame,
    ///   default false. XDP carries no offload metadata, so a frame the kernel left with a
    ///   partial checksum (veth peers with TX checksum offload, the default) arrives
    ///   unfinished and would be dropped by its receiver. Either turn the sender's offload
    ///   off (`ethtool -K PEER tx off`) or set this, which also hides corruption: a bad
    ///   checksum gets replaced by a good one.
    ///
    /// # Handlers
    /// - `count` (read): packets emitted.
    /// - `drops` (read): frames received malformed and dropped.
    /// - `checksums_fixed` (read): checksums recomputed with FIX_CHECKSUMS.
    /// - `kernel_drops` (read): frames the kernel could not hand to the socket (receive
    ///   ring full, fill ring empty), from the socket's statistics.
    /// - `device` (read): the device name.
    ///
    /// # Example
    /// ```click
    /// FromXDPDevice(veth1, MODE copy) -> Counter -> Discard;
    /// ```
    pub struct FromXDPDevice {
        devname: String,
        queue: u32,
        mode: XdpMode,
        load: bool,
        xskmap: String,
        burst: usize,
        headroom: usize,
        fix_checksums: bool,
        fixed: u64,
        mac: Option<[u8; 6]>,
        port: Option<Arc<Mutex<XdpPort>>>,
        batch: Batch,
        count: u64,
    }
}

impl Default for FromXDPDevice {
    fn default() -> Self {
        FromXDPDevice {
            devname: String::new(),
            queue: 0,
            mode: XdpMode::Auto,
            load: true,
            xskmap: String::new(),
            burst: 32,
            headroom: click_core::packet::DEFAULT_HEADROOM,
            fix_checksums: false,
            fixed: 0,
            mac: None,
            port: None,
            batch: Batch::new(),
            count: 0,
        }
    }
}

/// Reads a MODE keyword.
pub(crate) fn parse_mode(args: &mut Args<'_>) -> Result<XdpMode, ArgError> {
    let mode: String = args.read_or("MODE", String::from("auto"))?;
    match mode.to_ascii_lowercase().as_str() {
        "auto" => Ok(XdpMode::Auto),
        "copy" => Ok(XdpMode::Copy),
        "zerocopy" | "zero_copy" => Ok(XdpMode::ZeroCopy),
        _ => Err(ArgError::new(Some("MODE"), format!("'{mode}': expected auto, copy or zerocopy"))),
    }
}

impl Element for FromXDPDevice {
    fn class_name(&self) -> &'static str {
        "FromXDPDevice"
    }

    fn port_count(&self) -> &'static str {
        ports::P0_1
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.devname = args.read_mp("DEVNAME")?;
        self.queue = args.read_or("QUEUE", 0u32)?;
        self.mode = parse_mode(args)?;
        self.load = args.read_or("LOAD", true)?;
        self.xskmap = args.read_or("XSKMAP", String::new())?;
        self.burst = args.read_or("BURST", 32usize)?.clamp(1, 256);
        self.headroom = args.read_or("HEADROOM", click_core::packet::DEFAULT_HEADROOM)?.min(4096);
        self.fix_checksums = args.read_or("FIX_CHECKSUMS", false)?;
        args.complete()
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        let steering = if !self.xskmap.is_empty() {
            Steering::PinnedMap(self.xskmap.clone())
        } else if self.load {
            Steering::Load
        } else {
            Steering::None
        };
        let port = xdp::open_shared(&self.devname, self.queue, self.mode, &steering).map_err(|e| e.to_string())?;
        self.port = Some(port);
        self.mac = super::sys::ether_address(&self.devname);
        self.batch = Batch::with_capacity(self.burst);
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        Ok(())
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(port) = &self.port else {
            cx.unschedule();
            return false;
        };
        let mut batch = std::mem::take(&mut self.batch);
        let n = port.lock().unwrap_or_else(|e| e.into_inner()).recv(self.burst, self.headroom, &mut batch);
        if n > 0 {
            let ts = Timestamp::now();
            for p in batch.iter_mut() {
                if self.fix_checksums && super::offload::recompute_l4_checksum(p.data_mut()) {
                    self.fixed += 1;
                }
                let d = p.data();
                if d.len() < 14 {
                    continue;
                }
                let kind = if d[0..6] == [0xff; 6] {
                    PacketType::Broadcast
                } else if d[0] & 1 != 0 {
                    PacketType::Multicast
                } else if self.mac.is_some_and(|m| m != d[0..6]) {
                    PacketType::OtherHost
                } else {
                    PacketType::Host
                };
                p.set_mac_header(0, 14);
                p.set_packet_type(kind);
                p.set_timestamp(ts);
            }
            self.count += n as u64;
            cx.output_batch(0, &mut batch);
        }
        self.batch = batch;
        n > 0
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read("count"),
            HandlerInfo::read("drops"),
            HandlerInfo::read("checksums_fixed"),
            HandlerInfo::read("kernel_drops"),
            HandlerInfo::read("device"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "drops" => self.port.as_ref().map_or(0, |p| p.lock().unwrap_or_else(|e| e.into_inner()).rx_bad).to_string(),
            "checksums_fixed" => self.fixed.to_string(),
            "kernel_drops" => {
                self.port.as_ref().map_or(0, |p| p.lock().unwrap_or_else(|e| e.into_inner()).kernel_drops()).to_string()
            }
            "device" => self.devname.clone(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }
}
