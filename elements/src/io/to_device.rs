use std::collections::VecDeque;

use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext, Packet, Processing};

use super::offload;
use super::sys::{self, PacketSocket, PacketSocketOptions};

click_core::documented! {
    /// Sends packets to a Linux network device through a packet socket (AF_PACKET).
    ///
    /// # Synopsis
    /// `ToDevice(DEVNAME [, *keywords* BURST, QUIET, ...])`
    ///
    /// # Ports and processing
    /// One agnostic input, no outputs. In pull context (the usual `Queue -> ToDevice`) a
    /// task pulls up to BURST packets and sends them with one `sendmmsg`; it sleeps while
    /// the queue upstream is empty. In push context each arriving batch is sent at once.
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
    ///   most 64).
    /// - `QUIET` (boolean): do not report errors, default false.
    /// - `BUFFER` (unsigned): socket send buffer bytes, default 4 MB.
    /// - `GSO` (boolean): send segmentation-offload packets whole, default false.
    /// - `METHOD` (word): accepted for Click compatibility; always LINUX.
    ///
    /// # Handlers
    /// - `count` (read): packets sent.
    /// - `drops` (read): packets dropped (refused, device down, no room to wait).
    /// - `calls` (read): `sendmmsg` calls made.
    /// - `gso_sent` (read): packets sent whole for the kernel to segment (GSO true).
    /// - `pending` (read): packets waiting for room in the device's queue.
    /// - `down_events` (read): times the device was found down.
    /// - `device` (read): the device name.
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
        sock: Option<PacketSocket>,
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
            sock: None,
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

/// What a send attempt came to.
enum Sent {
    /// Everything waiting went out.
    All,
    /// The device's queue is full; the rest waits.
    Full,
}

impl ToDevice {
    /// Sends what is pending, in `sendmmsg` calls of up to BURST packets.
    fn send_pending(&mut self, name: &str) -> Sent {
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
                        self.down = false;
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
                    self.drops += self.pending.len() as u64;
                    self.pending.clear();
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
        let _method: String = args.read_or("METHOD", String::from("LINUX"))?;
        args.complete()
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        let opts =
            PacketSocketOptions { send_only: true, buffer: self.buffer, vnet_hdr: self.gso, ..Default::default() };
        self.sock = Some(PacketSocket::open(&self.devname, opts).map_err(|e| e.to_string())?);
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
        if self.pending.is_empty() {
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
            HandlerInfo::read("pending"),
            HandlerInfo::read("down_events"),
            HandlerInfo::read("device"),
            HandlerInfo::write("reset_counts"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "drops" => self.drops.to_string(),
            "calls" => self.calls.to_string(),
            "gso_sent" => self.gso_sent.to_string(),
            "pending" => self.pending.len().to_string(),
            "down_events" => self.down_events.to_string(),
            "device" => self.devname.clone(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, _value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "reset_counts" => {
                self.count = 0;
                self.drops = 0;
                self.calls = 0;
                self.down_events = 0;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
