use std::collections::VecDeque;

use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext, Packet, Processing};

use super::offload;
use super::ring::TxRing;
use super::sys::{self, PacketSocket, PacketSocketOptions};

click_core::documented! {
    /// Sends packets to a Linux network device through a packet socket (AF_PACKET).
    ///
    /// # Synopsis
    /// `ToDevice(DEVNAME [, *keywords* BURST, QUIET, ...])`
    ///
    /// # Ports and processing
    /// One agnostic input, no outputs. In pull context (the usual `Queue -> ToDevice`) a
    /// task pulls up to BURST packets and sends them at once; it sleeps while the queue
    /// upstream is empty. In push context each arriving batch is sent at once.
    ///
    /// With RING true (the default) packets are copied into a memory-mapped transmit ring
    /// (PACKET_MMAP, TPACKET_V2) of about BUFFER bytes, and one `send` with no data per
    /// batch has the kernel send them all; otherwise (or if the ring cannot be set up, which
    /// the element reports) one `sendmmsg` per batch sends them. The ring's slots are sized
    /// for the device's MTU when the router starts. Frames of 1024 bytes or more go through
    /// a second socket with `sendmmsg` instead, in order with the rest (on veth a ring frame
    /// is copied twice, once into the ring and once more by the kernel; `sendmmsg` copies
    /// once, which is faster for long frames); so do, with GSO true, packets for the kernel
    /// to segment, whole.
    /// Packets must be complete Ethernet frames; they leave exactly as they are (checksums
    /// are not touched, no offload is asked of the kernel). With GSO true, packets carrying
    /// segmentation metadata from a FromDevice with GSO true are handed over with a virtio
    /// header asking the kernel to segment them (and finish their checksums); other packets
    /// go as before.
    ///
    /// When the device's queue is full (`EAGAIN`, `ENOBUFS`) the packets wait (up to BURST
    /// of them) and are tried again on the next run; in push context, packets beyond that
    /// are dropped and counted. A packet the device refuses (too long for its MTU) is
    /// dropped and counted. If the device goes down, packets are dropped and counted, the
    /// element says so once on standard error (unless QUIET), and it keeps trying; the rest
    /// of the router keeps running.
    ///
    /// # Keywords
    /// - `DEVNAME` (string): the device.
    /// - `BURST` (unsigned): packets per task run and per system call, default 32 (at
    ///   most 64). Click's default is 1; what a run finds depends on the traffic's timing
    ///   either way, and one system call a packet would cap the rate.
    /// - `QUIET` (boolean): do not report errors, default false.
    /// - `BUFFER` (unsigned): socket send buffer bytes, default 4 MB; a ring of more than 1 GiB
    ///   is not set up (system calls are used).
    /// - `GSO` (boolean): send segmentation-offload packets whole, default false.
    /// - `RING` (boolean): send through a memory-mapped ring, default true.
    /// - `METHOD` (word): accepted for Click compatibility; always LINUX.
    ///
    /// # Handlers
    /// - `count` (read): packets sent.
    /// - `drops` (read): packets dropped (refused, device down, no room to wait).
    /// - `calls` (read): `sendmmsg` calls (or ring kicks) made.
    /// - `gso_sent` (read): packets sent whole for the kernel to segment (GSO true).
    /// - `bulk_sent` (read): packets sent with `sendmmsg` beside the ring (long frames).
    /// - `pending` (read): packets waiting for room in the device's queue.
    /// - `down_events` (read): times the device was found down.
    /// - `device` (read): the device name.
    /// - `method` (read): how packets are sent: `mmap` (the ring) or `sendmmsg`.
    /// - `reset_counts` (write): zero the counters.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 10, STOP true) -> Queue -> ToDevice(veth0);
    /// ```
    pub struct ToDevice {
        devname: String,
        burst: usize,
        quiet: bool,
        buffer: usize,
        gso: bool,
        gso_sent: u64,
        /// Packets sent through the bulk socket beside the ring.
        bulk_sent: u64,
        use_ring: bool,
        sock: Option<PacketSocket>,
        ring: Option<TxRing>,
        /// With a ring: a second socket for long frames (and, with GSO true, with virtio
        /// headers for the packets the kernel is to segment, too big for the ring's slots).
        bulk: Option<PacketSocket>,
        /// The device's MTU (ring mode checks lengths itself); re-read now and then.
        mtu: usize,
        since_mtu: u32,
        pending: VecDeque<Packet>,
        scratch: Batch,
        pull_mode: bool,
        down: bool,
        count: u64,
        drops: u64,
        calls: u64,
        down_events: u64,
    }
}

impl Default for ToDevice {
    fn default() -> Self {
        ToDevice {
            devname: String::new(),
            burst: 32,
            quiet: false,
            buffer: 4 << 20,
            gso: false,
            gso_sent: 0,
            bulk_sent: 0,
            use_ring: true,
            sock: None,
            ring: None,
            bulk: None,
            mtu: 1500,
            since_mtu: 0,
            pending: VecDeque::new(),
            scratch: Batch::new(),
            pull_mode: false,
            down: false,
            count: 0,
            drops: 0,
            calls: 0,
            down_events: 0,
        }
    }
}

/// Frames of at least this many bytes go through the bulk socket with `sendmmsg` instead of
/// the transmit ring. A ring frame costs the kernel a page-fragment skb that a veth peer
/// copies again into fresh pages (`skb_copy_ubufs`); `sendmmsg` copies once. Measured
/// (benches/linux_forwarding.sh topology, same run): with 1514-byte TCP segments the send
/// path's CPU per packet drops by a fifth (perf); 64-byte UDP frames go 12% faster through
/// the ring than with `sendmmsg`; 542- and
/// 1042-byte UDP frames forwarded at the same rate either way (noise), so the line sits
/// where the gain was shown.
const BULK_FRAME_MIN: usize = 1024;

/// What a send attempt came to.
enum Sent {
    /// Everything waiting went out.
    All,
    /// The device's queue is full; the rest waits.
    Full,
}

impl ToDevice {
    /// Says once that the device is down.
    fn went_down(&mut self, name: &str) {
        if !self.down {
            self.down = true;
            self.down_events += 1;
            if !self.quiet {
                click_core::chatter::chatter(&format!(
                    "{name}: {}: device is down; dropping packets until it is back",
                    self.devname
                ));
            }
        }
    }

    fn back_up(&mut self, name: &str) {
        if self.down {
            self.down = false;
            self.mtu = sys::mtu(&self.devname).unwrap_or(self.mtu);
            if !self.quiet {
                click_core::chatter::chatter(&format!("{name}: {}: sending again", self.devname));
            }
        }
    }

    /// Counts a refused packet, saying so now and then.
    fn refused(&mut self, name: &str, why: &dyn std::fmt::Display) {
        self.drops += 1;
        if !self.quiet && self.drops.is_power_of_two() {
            click_core::chatter::chatter(&format!(
                "{name}: {}: {why} (dropped; {} drops so far)",
                self.devname, self.drops
            ));
        }
    }

    /// The virtio header that has the kernel segment `p` (GSO true and a packet carrying
    /// segmentation metadata), if any.
    fn gso_header(&self, p: &Packet) -> Option<[u8; sys::VNET_HDR_LEN]> {
        if !self.gso {
            return None;
        }
        offload::gso_anno(p).and_then(|(t, size)| offload::gso_tx_header(t, size, p.data()))
    }

    /// True for a packet that goes through the bulk socket rather than the ring: one for
    /// the kernel to segment, or a long frame.
    fn goes_bulk(&self, p: &Packet) -> bool {
        self.bulk.is_some() && (p.len() >= BULK_FRAME_MIN || self.gso_header(p).is_some())
    }

    /// Copies pending packets into free ring slots, up to the first one that must go
    /// through the bulk socket; returns how many.
    fn fill_ring(&mut self, name: &str) -> usize {
        let mut queued = 0;
        while let Some(p) = self.pending.front() {
            if self.goes_bulk(p) {
                break;
            }
            let ring = self.ring.as_mut().expect("ring");
            let d = p.data();
            let tagged = d.len() >= 14 && matches!([d[12], d[13]], [0x81, 0x00] | [0x88, 0xa8]);
            let limit = ring.max_frame().min(self.mtu + 14 + if tagged { 4 } else { 0 });
            if d.len() > limit || d.len() < 14 {
                let why = format!("{}-byte frame refused (MTU {}, slot {})", d.len(), self.mtu, ring.max_frame());
                self.pending.pop_front();
                self.refused(name, &why);
                continue;
            }
            if ring.push(d, None).is_err() {
                break;
            }
            self.pending.pop_front();
            queued += 1;
        }
        queued
    }

    /// Kicks the kernel to send the ring's waiting slots. `Err(())` if the device is down
    /// (then everything pending has been dropped).
    fn kick(&mut self, name: &str) -> Result<(), ()> {
        let (Some(sock), Some(ring)) = (&self.sock, &mut self.ring) else {
            return Ok(());
        };
        self.calls += 1;
        match TxRing::kick(sock.raw_fd()) {
            Ok(()) => self.back_up(name),
            Err(e) if sys::is_transient(&e) => {}
            Err(e) if sys::is_device_gone(&e) => {
                // Frames in the ring would leave when the device is back, late: withdraw
                // them (counted as drops when the kernel skips them).
                ring.cancel_unsent();
                self.device_gone(name);
                return Err(());
            }
            Err(e) => {
                let why = e.to_string();
                self.refused(name, &why);
            }
        }
        Ok(())
    }

    /// Drops what is pending: the device is down.
    fn device_gone(&mut self, name: &str) {
        self.drops += self.pending.len() as u64;
        self.pending.clear();
        self.went_down(name);
    }

    /// Sends the packets at the front of the queue that go through the bulk socket (long
    /// frames; with GSO true, segmentation-offload packets whole, after their virtio
    /// headers) with one `sendmmsg`. `None`: some went, go on.
    fn send_bulk(&mut self, name: &str) -> Option<Sent> {
        let Some(bulk) = &self.bulk else {
            // Not expected (`goes_bulk` needs the socket); drop rather than stall.
            self.pending.pop_front();
            self.refused(name, &"no socket for long frames");
            return None;
        };
        let mut frames: [&[u8]; sys::MAX_BURST] = [&[]; sys::MAX_BURST];
        let mut hdrs = [[0u8; sys::VNET_HDR_LEN]; sys::MAX_BURST];
        let mut gso = [false; sys::MAX_BURST];
        let mut n = 0;
        for p in self.pending.iter().take(self.burst) {
            if !self.goes_bulk(p) {
                break;
            }
            frames[n] = p.data();
            if let Some(h) = self.gso_header(p) {
                hdrs[n] = h;
                gso[n] = true;
            }
            n += 1;
        }
        self.calls += 1;
        let result =
            if self.gso { sys::send_batch_vnet(bulk, &frames[..n], &hdrs[..n]) } else { bulk.send_batch(&frames[..n]) };
        match result {
            Ok(0) => Some(Sent::Full),
            Ok(k) => {
                self.count += k as u64;
                self.bulk_sent += k as u64;
                self.gso_sent += gso[..k].iter().filter(|&&g| g).count() as u64;
                self.pending.drain(..k);
                self.back_up(name);
                None
            }
            Err(e) if sys::is_transient(&e) => Some(Sent::Full),
            Err(e) if sys::is_device_gone(&e) => {
                if let Some(ring) = &mut self.ring {
                    ring.cancel_unsent();
                }
                self.device_gone(name);
                Some(Sent::All)
            }
            Err(e) => {
                self.pending.pop_front();
                let why = e.to_string();
                self.refused(name, &why);
                None
            }
        }
    }

    /// Sends what is pending through the ring: reclaims the slots the kernel is done with,
    /// fills free slots, and kicks the kernel once per batch. Long frames (and, with GSO
    /// true, packets the kernel is to segment) go through the bulk socket, each only once
    /// the ring has sent everything queued before it (so that the device sees them in
    /// order).
    fn send_ring(&mut self, name: &str) -> Sent {
        let Some(ring) = &mut self.ring else {
            return Sent::All;
        };
        let done = ring.reclaim();
        self.count += done.sent as u64;
        self.drops += done.cancelled as u64;
        self.since_mtu += 1;
        if self.since_mtu >= 4096 {
            self.since_mtu = 0;
            self.mtu = sys::mtu(&self.devname).unwrap_or(self.mtu);
        }
        loop {
            let queued = self.fill_ring(name);
            let unsent = self.ring.as_ref().is_some_and(TxRing::has_unsent);
            if (queued > 0 || unsent) && self.kick(name).is_err() {
                return Sent::All;
            }
            let unsent = self.ring.as_ref().is_some_and(TxRing::has_unsent);
            match self.pending.front() {
                Some(p) if !unsent && self.goes_bulk(p) => {
                    if let Some(sent) = self.send_bulk(name) {
                        return sent;
                    }
                }
                _ => break,
            }
        }
        let unsent = self.ring.as_ref().is_some_and(TxRing::has_unsent);
        if self.pending.is_empty() && !unsent { Sent::All } else { Sent::Full }
    }

    /// Sends what is pending, in `sendmmsg` calls of up to BURST packets.
    fn send_pending(&mut self, name: &str) -> Sent {
        if self.ring.is_some() {
            return self.send_ring(name);
        }
        let Some(sock) = &self.sock else {
            self.drops += self.pending.len() as u64;
            self.pending.clear();
            return Sent::All;
        };
        while !self.pending.is_empty() {
            let n = self.pending.len().min(self.burst);
            let mut frames: [&[u8]; sys::MAX_BURST] = [&[]; sys::MAX_BURST];
            for (f, p) in frames.iter_mut().zip(self.pending.iter().take(n)) {
                *f = p.data();
            }
            self.calls += 1;
            let result = if self.gso {
                let mut hdrs = [[0u8; sys::VNET_HDR_LEN]; sys::MAX_BURST];
                for (h, p) in hdrs.iter_mut().zip(self.pending.iter().take(n)) {
                    if let Some((t, size)) = offload::gso_anno(p)
                        && let Some(vh) = offload::gso_tx_header(t, size, p.data())
                    {
                        *h = vh;
                        self.gso_sent += 1;
                    }
                }
                sys::send_batch_vnet(sock, &frames[..n], &hdrs[..n])
            } else {
                sock.send_batch(&frames[..n])
            };
            match result {
                Ok(0) => return Sent::Full,
                Ok(k) => {
                    self.count += k as u64;
                    self.pending.drain(..k);
                    if self.down && k > 0 {
                        // Inline (not `back_up`, whose work it repeats): `sock` still
                        // borrows one of `self`'s fields.
                        self.down = false;
                        self.mtu = sys::mtu(&self.devname).unwrap_or(self.mtu);
                        if !self.quiet {
                            click_core::chatter::chatter(&format!("{name}: {}: sending again", self.devname));
                        }
                    }
                    if k < n {
                        // The kernel stops at the first frame it cannot take; find out why.
                        continue;
                    }
                }
                Err(e) if sys::is_transient(&e) => return Sent::Full,
                Err(e) if sys::is_device_gone(&e) => {
                    self.device_gone(name);
                    return Sent::All;
                }
                Err(e) => {
                    // This frame is refused (too long, malformed): drop it, go on.
                    self.drops += 1;
                    self.pending.pop_front();
                    if !self.quiet && self.drops.is_power_of_two() {
                        click_core::chatter::chatter(&format!(
                            "{name}: {}: {e} (dropped; {} drops so far)",
                            self.devname, self.drops
                        ));
                    }
                }
            }
        }
        Sent::All
    }
}

impl Element for ToDevice {
    fn class_name(&self) -> &'static str {
        "ToDevice"
    }

    fn port_count(&self) -> &'static str {
        ports::P1_0
    }

    fn processing(&self) -> &'static str {
        processing::AGNOSTIC
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.devname = args.read_mp("DEVNAME")?;
        self.burst = args.read_p_or("BURST", 32usize)?.clamp(1, sys::MAX_BURST);
        self.quiet = args.read_or("QUIET", false)?;
        self.buffer = args.read_or("BUFFER", 4usize << 20)?;
        self.gso = args.read_or("GSO", false)?;
        self.use_ring = args.read_or("RING", true)?;
        let _method: String = args.read_or("METHOD", String::from("LINUX"))?;
        args.complete()
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        let opts =
            PacketSocketOptions { send_only: true, buffer: self.buffer, vnet_hdr: self.gso, ..Default::default() };
        self.mtu = sys::mtu(&self.devname).unwrap_or(1500);
        if self.use_ring {
            // Slots for an MTU-sized frame (at least Ethernet's) with a VLAN tag; with GSO
            // true, bigger packets go whole through a second socket.
            let max_frame = self.mtu.max(1500) + 18;
            let ring_opts = PacketSocketOptions { vnet_hdr: false, ..opts };
            let bytes = self.buffer;
            let (sock, ring) =
                PacketSocket::open_with(&self.devname, ring_opts, |fd| TxRing::setup(fd, bytes, max_frame, false))
                    .map_err(|e| e.to_string())?;
            match ring {
                Ok(r) => {
                    self.ring = Some(r);
                    self.sock = Some(sock);
                    self.bulk = Some(PacketSocket::open(&self.devname, opts).map_err(|e| e.to_string())?);
                }
                Err(e) => click_core::chatter::chatter(&format!(
                    "{}: {}: cannot set up the transmit ring ({e}); sending with sendmmsg",
                    cx.name(),
                    self.devname
                )),
            }
        }
        if self.sock.is_none() {
            self.sock = Some(PacketSocket::open(&self.devname, opts).map_err(|e| e.to_string())?);
        }
        self.scratch = Batch::with_capacity(self.burst);
        self.pull_mode = cx.input_processing(0) == Processing::Pull;
        // In push context the task only retries packets that had to wait.
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        if !self.pull_mode {
            cx.unschedule();
        }
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        for p in batch.drain() {
            if self.pending.len() >= self.burst * 4 {
                self.drops += 1;
            } else {
                self.pending.push_back(p);
            }
        }
        if let Sent::Full = self.send_pending(cx.name()) {
            cx.reschedule();
        }
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        let mut pulled = 0;
        if self.pull_mode && self.pending.len() < self.burst {
            pulled = cx.pull_batch(0, self.burst - self.pending.len(), &mut self.scratch);
            self.pending.extend(self.scratch.drain());
        }
        let ring_unsent = self.ring.as_ref().is_some_and(TxRing::has_unsent);
        if self.pending.is_empty() && !ring_unsent {
            if !self.pull_mode || cx.input_idle(0) {
                cx.unschedule();
            }
            return false;
        }
        let before = self.count;
        match self.send_pending(cx.name()) {
            Sent::All if !self.pull_mode => cx.unschedule(),
            _ => {}
        }
        pulled > 0 || self.count > before
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read("count"),
            HandlerInfo::read("drops"),
            HandlerInfo::read("calls"),
            HandlerInfo::read("gso_sent"),
            HandlerInfo::read("bulk_sent"),
            HandlerInfo::read("pending"),
            HandlerInfo::read("down_events"),
            HandlerInfo::read("device"),
            HandlerInfo::read("method"),
            HandlerInfo::write("reset_counts"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            // Ring slots the kernel is done with but that are not yet taken back count too.
            "count" => (self.count + self.ring.as_ref().map_or(0, |r| r.peek_done().sent as u64)).to_string(),
            "drops" => (self.drops + self.ring.as_ref().map_or(0, |r| r.peek_done().cancelled as u64)).to_string(),
            "calls" => self.calls.to_string(),
            "gso_sent" => self.gso_sent.to_string(),
            "bulk_sent" => self.bulk_sent.to_string(),
            "pending" => self.pending.len().to_string(),
            "down_events" => self.down_events.to_string(),
            "device" => self.devname.clone(),
            "method" => if self.ring.is_some() { "mmap" } else { "sendmmsg" }.to_string(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, _value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "reset_counts" => {
                self.count = 0;
                self.drops = 0;
                self.calls = 0;
                self.bulk_sent = 0;
                self.down_events = 0;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
