use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext, Packet, PacketType, Timestamp};

use super::offload::{self, VnetHdr};
use super::sys::{self, PacketSocket, PacketSocketOptions, RecvBuffers};

click_core::documented! {
    /// Reads packets from a Linux network device through a packet socket (AF_PACKET).
    ///
    /// # Synopsis
    /// `FromDevice(DEVNAME [, *keywords* SNIFFER, PROMISC, OUTBOUND, BURST, PROTOCOL, ...])`
    ///
    /// # Ports and processing
    /// No inputs; one push output. A task polls a non-blocking packet socket bound to
    /// DEVNAME and reads up to BURST frames per system call (`recvmmsg`), emitting them as
    /// one batch of Ethernet frames with the MAC header annotation, the packet type
    /// annotation (from the kernel's `sll_pkttype`: HOST, BROADCAST, MULTICAST, OTHERHOST)
    /// and, with TIMESTAMP, the time of reading.
    ///
    /// Frames this host sends on the device (by the kernel or by a ToDevice) are never read
    /// (`PACKET_IGNORE_OUTGOING`) unless OUTBOUND is true.
    ///
    /// The socket asks for the kernel's offload metadata (`PACKET_VNET_HDR`). A frame whose
    /// TCP or UDP checksum the kernel left partial (checksum offload, the default on veth
    /// and most NICs) has it completed before it enters the graph. A segmentation-offload
    /// frame (up to 64 KB of TCP or UDP standing for many segments) is split here into the
    /// MTU-sized segments a wire would have carried, with correct lengths, IP identifiers,
    /// sequence numbers and checksums, so that elements downstream see ordinary packets.
    /// Frames that cannot be finished (unsupported offload type, broken headers) are dropped
    /// and counted in `drops`.
    ///
    /// With GSO true, segmentation-offload frames are instead passed through whole (up to
    /// 64 KB, their transport checksum left partial) with their GSO type and segment size
    /// in annotation bytes 40-42, for a ToDevice with GSO true to hand back to the kernel,
    /// which segments them (or forwards them whole to a device that accepts that). This is
    /// much faster for TCP, but the graph then sees packets larger than the MTU: an
    /// IPFragmenter on the path must allow them (MTU 65535), and elements that read or
    /// rewrite transport checksums must not be used on them.
    ///
    /// As in Click's user-level FromDevice the kernel also receives every frame, unless
    /// SNIFFER is false: then the element attaches a two-instruction BPF program at the
    /// device's tc ingress hook (tcx, Linux 6.6 or later) that drops every frame after
    /// packet sockets have seen it, so the kernel's own protocols never process them (Click
    /// installs firewall rules with KernelFilter for the same purpose). The program is
    /// attached with a BPF link and goes away with the router, even if it is killed.
    ///
    /// If the device goes down while the router runs, the element says so once on standard
    /// error, counts it in `down_events`, and keeps polling; other devices are unaffected.
    ///
    /// # Keywords
    /// - `DEVNAME` (string): the device.
    /// - `SNIFFER` (boolean): let the kernel process the frames too, default true.
    /// - `PROMISC` (boolean): put the device in promiscuous mode, default false.
    /// - `OUTBOUND` (boolean): also emit frames this host sends, default false.
    /// - `BURST` (unsigned): frames per task run, default 32 (at most 64).
    /// - `PROTOCOL` (unsigned): only frames of this ethertype, default 0 (all).
    /// - `TIMESTAMP` (boolean): set the timestamp annotation, default true.
    /// - `HEADROOM` (unsigned): bytes of headroom before each packet, default 128.
    /// - `FORCE_IP` (boolean): emit only IPv4 frames, with the network header annotation
    ///   set, default false.
    /// - `SNAPLEN` (unsigned): truncate frames to this length, default 0 (no limit).
    /// - `BUFFER` (unsigned): socket buffer bytes, default 4 MB.
    /// - `GSO` (boolean): pass segmentation-offload frames through whole, default false.
    /// - `METHOD` (word): accepted for Click compatibility (LINUX, PCAP); always LINUX.
    ///
    /// # Handlers
    /// - `count` (read): packets emitted (segments counted one by one).
    /// - `frames` (read): frames read from the socket.
    /// - `segmented` (read): offload frames split into segments.
    /// - `gso_passed` (read): offload frames passed through whole (GSO true).
    /// - `csum_completed` (read): partial checksums completed.
    /// - `drops` (read): frames dropped here (truncated, unfinishable, not IP with FORCE_IP).
    /// - `kernel_drops` (read): frames the kernel dropped because the socket buffer was full.
    /// - `down_events` (read): times the device was found down.
    /// - `device` (read): the device name.
    /// - `reset_counts` (write): zero the counters.
    ///
    /// # Example
    /// ```click
    /// FromDevice(veth1, BURST 32) -> Counter -> Discard;
    /// ```
    pub struct FromDevice {
        devname: String,
        sniffer: bool,
        filter: Option<super::bpf::Attached>,
        promisc: bool,
        outbound: bool,
        burst: usize,
        protocol: u16,
        timestamp: bool,
        headroom: usize,
        force_ip: bool,
        snaplen: usize,
        buffer: usize,
        gso: bool,
        gso_passed: u64,
        sock: Option<PacketSocket>,
        bufs: Option<RecvBuffers>,
        batch: Batch,
        down: bool,
        count: u64,
        frames: u64,
        segmented: u64,
        csum_completed: u64,
        drops: u64,
        kernel_drops: std::cell::Cell<u64>,
        down_events: u64,
        /// Task runs since the kernel drop counter was last read.
        since_stats: u32,
    }
}

impl Default for FromDevice {
    fn default() -> Self {
        FromDevice {
            devname: String::new(),
            sniffer: true,
            filter: None,
            promisc: false,
            outbound: false,
            burst: 32,
            protocol: 0,
            timestamp: true,
            headroom: click_core::packet::DEFAULT_HEADROOM,
            force_ip: false,
            snaplen: 0,
            buffer: 4 << 20,
            gso: false,
            gso_passed: 0,
            sock: None,
            bufs: None,
            batch: Batch::new(),
            down: false,
            count: 0,
            frames: 0,
            segmented: 0,
            csum_completed: 0,
            drops: 0,
            kernel_drops: std::cell::Cell::new(0),
            down_events: 0,
            since_stats: 0,
        }
    }
}

/// Sets the annotations every frame from a device gets.
pub(crate) fn annotate(p: &mut Packet, pkttype: u8, ts: Option<Timestamp>) {
    if p.len() >= 14 {
        p.set_mac_header(0, 14);
    }
    p.set_packet_type(PacketType::from_u8(pkttype));
    if let Some(ts) = ts {
        p.set_timestamp(ts);
    }
}

/// With FORCE_IP: true (and the network header set) for IPv4 frames.
pub(crate) fn force_ip(p: &mut Packet) -> bool {
    let d = p.data();
    if d.len() < 34 || d[12] != 0x08 || d[13] != 0x00 || d[14] >> 4 != 4 {
        return false;
    }
    let hl = usize::from(d[14] & 0xf) * 4;
    if hl < 20 || 14 + hl > d.len() {
        return false;
    }
    p.set_network_header(14, hl);
    true
}

impl FromDevice {
    fn poll_stats(&mut self) {
        self.since_stats += 1;
        if self.since_stats >= 1024 {
            self.since_stats = 0;
            if let Some(s) = &self.sock {
                self.kernel_drops.set(self.kernel_drops.get() + s.take_kernel_drops());
            }
        }
    }
}

impl Element for FromDevice {
    fn class_name(&self) -> &'static str {
        "FromDevice"
    }

    fn port_count(&self) -> &'static str {
        ports::P0_1
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.devname = args.read_mp("DEVNAME")?;
        self.sniffer = args.read_or("SNIFFER", true)?;
        self.promisc = args.read_or("PROMISC", false)?;
        self.outbound = args.read_or("OUTBOUND", false)?;
        self.burst = args.read_or("BURST", 32usize)?.clamp(1, sys::MAX_BURST);
        self.protocol = args.read_or("PROTOCOL", 0u16)?;
        self.timestamp = args.read_or("TIMESTAMP", true)?;
        self.headroom = args.read_or("HEADROOM", click_core::packet::DEFAULT_HEADROOM)?.min(4096);
        self.force_ip = args.read_or("FORCE_IP", false)?;
        self.snaplen = args.read_or("SNAPLEN", 0usize)?;
        self.buffer = args.read_or("BUFFER", 4usize << 20)?;
        self.gso = args.read_or("GSO", false)?;
        let _method: String = args.read_or("METHOD", String::from("LINUX"))?;
        args.complete()
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        let opts = PacketSocketOptions {
            vnet_hdr: true,
            ignore_outgoing: !self.outbound,
            promisc: self.promisc,
            protocol: self.protocol,
            buffer: self.buffer,
            send_only: false,
        };
        let sock = PacketSocket::open(&self.devname, opts).map_err(|e| e.to_string())?;
        self.sock = Some(sock);
        if !self.sniffer {
            let ifindex = sys::if_index(&self.devname).map_err(|e| e.to_string())?;
            let filter = super::bpf::ingress_drop(ifindex)
                .map_err(|e| format!("{}: SNIFFER false: cannot attach the tc ingress filter: {e}", self.devname))?;
            self.filter = Some(filter);
        }
        self.bufs = Some(RecvBuffers::new(self.burst));
        self.batch = Batch::with_capacity(self.burst * 4);
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        Ok(())
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        self.poll_stats();
        let (Some(sock), Some(bufs)) = (&self.sock, &mut self.bufs) else {
            cx.unschedule();
            return false;
        };
        let n = match sock.recv_batch(bufs, self.burst) {
            Ok(n) => n,
            Err(e) if sys::is_transient(&e) => return false,
            Err(e) => {
                if !self.down {
                    self.down = true;
                    self.down_events += 1;
                    let why = if sys::is_device_gone(&e) { "device went down".to_string() } else { e.to_string() };
                    click_core::chatter::chatter(&format!("{}: {}: {why}; still polling", cx.name(), self.devname));
                }
                return false;
            }
        };
        if self.down && n > 0 {
            self.down = false;
            click_core::chatter::chatter(&format!("{}: {}: receiving again", cx.name(), self.devname));
        }
        let ts = self.timestamp.then(Timestamp::now);
        let mut batch = std::mem::take(&mut self.batch);
        let headroom = self.headroom;
        let snaplen = self.snaplen;
        let mut make = |b: &[u8]| {
            let b = if snaplen > 0 && b.len() > snaplen { &b[..snaplen] } else { b };
            let mut p = Packet::make(headroom, b.len(), 0);
            p.data_mut().copy_from_slice(b);
            p
        };
        for i in 0..n {
            self.frames += 1;
            let info = bufs.info[i];
            let raw = bufs.frame(i);
            let hdr = VnetHdr::parse(raw);
            let (Some(hdr), false) = (hdr, info.truncated) else {
                self.drops += 1;
                continue;
            };
            let frame = &raw[sys::VNET_HDR_LEN..];
            let before = batch.len();
            match offload::finish_with(&hdr, frame, self.gso, &mut batch, &mut make) {
                Ok(k) => {
                    if self.gso && k == 1 && offload::gso_anno(&batch.as_slice()[before]).is_some() {
                        self.gso_passed += 1;
                    } else if hdr.gso_type != offload::GSO_NONE {
                        self.segmented += 1;
                    } else if hdr.flags & offload::F_NEEDS_CSUM != 0 {
                        self.csum_completed += 1;
                    }
                    for p in batch.as_mut_slice()[before..before + k].iter_mut() {
                        annotate(p, info.pkttype, ts);
                    }
                }
                Err(_) => self.drops += 1,
            }
        }
        if self.force_ip {
            let before = batch.len();
            batch.retain(force_ip);
            self.drops += (before - batch.len()) as u64;
        }
        let emitted = batch.len();
        self.count += emitted as u64;
        if emitted > 0 {
            cx.output_batch(0, &mut batch);
        }
        self.batch = batch;
        n > 0
    }

    fn cleanup(&mut self) {
        // Detaches the SNIFFER false filter.
        self.filter = None;
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read("count"),
            HandlerInfo::read("frames"),
            HandlerInfo::read("segmented"),
            HandlerInfo::read("gso_passed"),
            HandlerInfo::read("csum_completed"),
            HandlerInfo::read("drops"),
            HandlerInfo::read("kernel_drops"),
            HandlerInfo::read("down_events"),
            HandlerInfo::read("device"),
            HandlerInfo::write("reset_counts"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "frames" => self.frames.to_string(),
            "segmented" => self.segmented.to_string(),
            "gso_passed" => self.gso_passed.to_string(),
            "csum_completed" => self.csum_completed.to_string(),
            "drops" => self.drops.to_string(),
            "kernel_drops" => {
                let fresh = self.sock.as_ref().map_or(0, |s| s.take_kernel_drops());
                self.kernel_drops.set(self.kernel_drops.get() + fresh);
                self.kernel_drops.get().to_string()
            }
            "down_events" => self.down_events.to_string(),
            "device" => self.devname.clone(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, _value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "reset_counts" => {
                self.count = 0;
                self.frames = 0;
                self.segmented = 0;
                self.gso_passed = 0;
                self.csum_completed = 0;
                self.drops = 0;
                self.kernel_drops.set(0);
                self.down_events = 0;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
