use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use click_core::element::HandlerInfo;
use click_core::spec::processing;
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext, Packet, Processing, Timestamp};
use pcap_file::pcapng::{Block, PcapNgReader};

use super::linktype;

click_core::documented! {
    /// Reads packets from a pcap or pcapng file.
    ///
    /// # Synopsis
    /// `FromDump(FILENAME [, *keywords*])`
    ///
    /// # Ports and processing
    /// No inputs; one agnostic output, and an optional push output 1 for the packets FORCE_IP
    /// finds not to be IP (dropped otherwise). In push context a task emits the file's packets in
    /// order; in pull context each pull returns the next one. Each packet gets the file's
    /// timestamp. For Ethernet captures the MAC header annotation is set; for raw IP captures
    /// the network header annotation. With FORCE_IP, and always for raw IP captures, only IP
    /// packets come out of output 0, with the network header (after an Ethernet header or an
    /// 802.1Q tag) and the destination address annotation set, as Click's FromDump does. Both pcap (micro- or nanosecond, either byte order) and
    /// pcapng (enhanced and simple packet blocks) are read; a corrupt record ends the file
    /// (Click reads pcap only).
    ///
    /// # Keywords
    /// - `FILENAME` (string): the file.
    /// - `STOP` (boolean): stop the router at the end of the file, default false.
    /// - `TIMING` (boolean, may be given second without its keyword): emit packets at the
    ///   pace of their timestamps, default false.
    /// - `ACTIVE` (boolean): start at once, default true.
    /// - `BURST` (unsigned): packets per task run, default 1.
    /// - `FORCE_IP` (boolean): emit only IP packets, with their network header set, default
    ///   false.
    /// - `FILEPOS` (unsigned): the byte offset where reading starts (pcap files), as the
    ///   `filepos` handler sets it.
    /// - `START` (time since the epoch), or `START_AFTER` (time after the first packet's):
    ///   packets before it are skipped.
    /// - `END`, or `END_AFTER` (after the first packet's time), or `INTERVAL` (after START):
    ///   the first packet at or after it calls the end handler, and is dropped if that leaves
    ///   the element inactive.
    /// - `END_CALL` (write handler and value): the end handler, called at END and at the end
    ///   of the file. By default `NAME.stop` with STOP, else `NAME.active false` when an
    ///   END is given, else none.
    ///
    /// # Handlers
    /// - `count` (read): packets emitted; `reset_counts` (write) zeroes it.
    /// - `filename` (read): the file name.
    /// - `filesize` (read): the file's size in bytes, `-` if it is not a regular file.
    /// - `filepos` (read/write): the byte offset of the next record; a write moves there, to
    ///   that exact byte as in Click: the next record header is read from there even in the
    ///   middle of a record (Click's checks apply: a captured length over 65535 ends the file
    ///   with `FILE: bad packet header; giving up`; one over the original length is cut to it
    ///   and the rest skipped). `packet_filepos` (read): the offset of the last record read.
    ///   For pcapng files, which Click does not read at all, both read `-` and seeking fails.
    ///   Where Click itself misbehaves vrouter does not follow: a header with a length of 2^31
    ///   or more (negative in Click's arithmetic, which makes Click build huge packets or
    ///   crash) counts as a bad header, and a write past the end of the file reads back as
    ///   that offset (Click, reading through mmap, shows the file size added to it until the
    ///   next read).
    /// - `encap` (read): the link type, as Click names it (`ETHER`, `IP`, or `#N`).
    /// - `sampling_prob` (read): always 1 (Click's SAMPLE is not supported).
    /// - `active` (read/write).
    /// - `stop` (write): deactivates the element and stops the router.
    /// - `extend_interval` (write): moves END later by a time; with an end handler the window
    ///   opens again and the element becomes active.
    /// - `reset_timing` (write): with TIMING, the next packet starts the clock again; START
    ///   and END offsets already resolved stay as they are.
    /// - `scheduled` (read), `tickets` (read/write): its task's state and tickets (push
    ///   context).
    ///
    /// # Example
    /// ```click
    /// FromDump(../shared/corpus/pcap/ntp.pcap, STOP true) -> Discard;
    /// ```
    pub struct FromDump {
        filename: String,
        stop: bool,
        timing: bool,
        active: bool,
        burst: usize,
        count: u64,
        source: Option<Source>,
        /// For pcap files: the offset of the next record and of the last one read.
        file_pos: Option<u64>,
        packet_filepos: u64,
        file_size: Option<u64>,
        link: u32,
        batch: Batch,
        /// With TIMING: wall time and capture time of the first packet.
        epoch: Option<(Instant, Duration)>,
        /// A packet read ahead, waiting for its time.
        held: Option<Packet>,
        force_ip: bool,
        /// FILEPOS: where reading starts (0: the first record).
        start_pos: u64,
        /// START/START_AFTER, END/END_AFTER/INTERVAL and END_CALL, as Click keeps them.
        times: Times,
        /// Output 0 is pulled (no task).
        pull_context: bool,
        /// Packets FORCE_IP found not to be IP, for output 1.
        not_ip: Vec<Packet>,
    }
}

enum Source {
    Pcap(PcapFile),
    PcapNg(PcapNgReader<BufReader<File>>),
    Done,
}

/// The packets' time window (Click's START, END and their variants), in nanoseconds.
#[derive(Clone, Debug, Default)]
struct Times {
    first: i64,
    /// `first` is an offset from the first packet's time (START_AFTER, or no START at all).
    first_relative: bool,
    have_first: bool,
    last: i64,
    /// `last` is an offset from the first packet's time (END_AFTER).
    last_relative: bool,
    /// `last` is an offset from `first` (INTERVAL).
    last_interval: bool,
    have_last: bool,
    /// The first packet's time has been seen (offsets resolved).
    have_any: bool,
    /// What to do at END and at the end of the file.
    end_call: Option<EndCall>,
}

#[derive(Clone, Debug)]
enum EndCall {
    /// STOP: `NAME.stop`.
    Stop,
    /// END without STOP or END_CALL: `NAME.active false`.
    Deactivate,
    /// END_CALL: a write handler and its value.
    Call(String, String),
}

/// A time for START and END: seconds since the epoch, read exactly to the nanosecond (a unit
/// such as `ms` is allowed, as Click allows it).
struct TimeArg(i64);

impl click_core::args::FromArg for TimeArg {
    fn from_arg(text: &str, cx: &click_core::args::ArgContext<'_>) -> Result<Self, String> {
        let t = text.trim();
        let (neg, body) = match t.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, t),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
        if digits(int) && (frac.is_empty() || (digits(frac) && frac.len() <= 9)) && !body.ends_with('.') {
            let sec: i64 = int.parse().map_err(|_| format!("out of range: '{text}'"))?;
            let nanos: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse().unwrap_or(0) };
            let v = sec.checked_mul(1_000_000_000).and_then(|v| v.checked_add(nanos));
            let v = v.ok_or_else(|| format!("out of range: '{text}'"))?;
            return Ok(TimeArg(if neg { -v } else { v }));
        }
        let click_core::args::Seconds(d) = click_core::args::Seconds::from_arg(t, cx)?;
        Ok(TimeArg(d.as_nanos() as i64))
    }
}

impl Default for FromDump {
    fn default() -> Self {
        FromDump {
            filename: String::new(),
            stop: false,
            timing: false,
            active: true,
            burst: 1,
            count: 0,
            source: None,
            file_pos: None,
            packet_filepos: 0,
            file_size: None,
            link: linktype::ETHERNET,
            batch: Batch::new(),
            epoch: None,
            held: None,
            force_ip: false,
            start_pos: 0,
            times: Times::default(),
            pull_context: false,
            not_ip: Vec::new(),
        }
    }
}

fn make_packet(data: &[u8], ts: Duration, link: u32) -> Packet {
    let mut p = Packet::from_slice(data);
    p.set_timestamp(Timestamp::from_nanos(ts.as_nanos() as i64));
    apply_link(&mut p, link);
    p
}

/// Click's `fake_pcap_force_ip` for the link types we read: finds the IP header (after an
/// Ethernet header, or an 802.1Q tag, for Ethernet; at the start for raw IP), sets the network
/// header (and, for IPv4, the destination annotation); false when the packet is not IP.
fn force_ip(p: &mut Packet, link: u32) -> bool {
    let d = p.data();
    let is_ip = |t: &[u8]| t == [0x08, 0x00] || t == [0x86, 0xdd];
    let at = match link {
        linktype::RAW | linktype::RAW_ALT | linktype::IPV4 => Some(0),
        linktype::ETHERNET if d.len() >= 14 && is_ip(&d[12..14]) => Some(14),
        linktype::ETHERNET if d.len() >= 18 && d[12..14] == [0x81, 0x00] && is_ip(&d[16..18]) => Some(18),
        _ => None,
    };
    let Some(at) = at else { return false };
    let Some(&first) = d.get(at) else { return false };
    match first >> 4 {
        4 => {
            let hl = usize::from(first & 0xf) * 4;
            if hl < 20 || at + hl > d.len() {
                return false;
            }
            let dst = Ipv4Addr::new(d[at + 16], d[at + 17], d[at + 18], d[at + 19]);
            p.set_network_header(at as isize, hl);
            p.set_dst_ip_anno(dst);
            true
        }
        6 if at + 40 <= d.len() => {
            p.set_network_header(at as isize, 40);
            true
        }
        _ => false,
    }
}

/// Sets the header annotation the link type tells us about.
#[inline]
fn apply_link(p: &mut Packet, link: u32) {
    let data = p.data();
    match link {
        // As in Click, only the MAC header: a network header is for MarkIPHeader,
        // CheckIPHeader or Strip to set.
        linktype::ETHERNET if data.len() >= 14 => p.set_mac_header_only(0),
        linktype::RAW | linktype::RAW_ALT | linktype::IPV4 if !data.is_empty() => {
            let hl = (usize::from(data[0] & 0xf) * 4).min(data.len());
            p.set_network_header(0, hl);
        }
        _ => {}
    }
}

impl FromDump {
    fn open(&mut self) -> Result<(), String> {
        let file = File::open(&self.filename).map_err(|e| format!("{}: {e}", self.filename))?;
        self.file_size = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut magic = [0u8; 4];
        reader.read_exact(&mut magic).map_err(|e| format!("{}: {e}", self.filename))?;
        // Reopen so that the readers see the whole file.
        let file = File::open(&self.filename).map_err(|e| format!("{}: {e}", self.filename))?;
        self.source = Some(if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
            let reader = BufReader::with_capacity(1 << 20, file);
            let r = PcapNgReader::new(reader).map_err(|e| format!("{}: not a pcapng file: {e}", self.filename))?;
            self.file_pos = None;
            self.link = r.interfaces().first().map_or(linktype::ETHERNET, |i| u32::from(i.linktype));
            Source::PcapNg(r)
        } else {
            let f = PcapFile::open(Input::new(file)).map_err(|e| format!("{}: {e}", self.filename))?;
            self.file_pos = Some(f.pos);
            self.link = f.link;
            Source::Pcap(f)
        });
        Ok(())
    }

    /// The next packet of the file, or `None` at its end. With FORCE_IP (always for raw IP
    /// files), packets that are not IP are set aside in `not_ip`, as Click does.
    fn read_next(&mut self, cx: &mut Context<'_>) -> Option<Packet> {
        if let Some(p) = self.held.take() {
            return Some(p);
        }
        loop {
            let (mut p, link) = self.read_one()?;
            // Click's time window: packets before START are skipped; the first at or after
            // END calls the end handler, and is dropped if that deactivates the element.
            let ts = p.timestamp().nanos();
            let t = &mut self.times;
            if !t.have_any {
                if t.first_relative {
                    t.first += ts;
                }
                if t.last_relative {
                    t.last += ts;
                } else if t.last_interval {
                    t.last += t.first;
                }
                t.have_any = true;
                // TIMING counts from the first packet read, even one START skips.
                if self.timing {
                    self.epoch = Some((click_core::clock::now(), Duration::from_nanos(ts.max(0) as u64)));
                }
            }
            if t.have_first {
                if ts < t.first {
                    continue;
                }
                t.have_first = false;
            }
            while self.times.have_last && ts >= self.times.last {
                self.times.have_last = false;
                self.call_end(cx);
                if !self.active {
                    return None;
                }
            }
            let raw = matches!(link, linktype::RAW | linktype::RAW_ALT | linktype::IPV4);
            if (self.force_ip || raw) && !force_ip(&mut p, link) {
                self.not_ip.push(p);
                continue;
            }
            return Some(p);
        }
    }

    /// Click's end handler, called at END and at the end of the file: STOP's `NAME.stop`,
    /// END's `NAME.active false`, or END_CALL.
    fn call_end(&mut self, cx: &mut Context<'_>) {
        match self.times.end_call.clone() {
            None => {}
            Some(EndCall::Stop) => {
                self.active = false;
                cx.stop_router();
            }
            Some(EndCall::Deactivate) => self.active = false,
            Some(EndCall::Call(h, v)) => {
                if let Err(e) = cx.call_write_from(self, &h, &v) {
                    click_core::chatter::chatter(&format!("{}: {h}: {e}", cx.name()));
                }
            }
        }
    }

    /// Hands the packets FORCE_IP refused to output 1, or drops them.
    fn emit_not_ip(&mut self, cx: &mut Context<'_>) {
        if self.not_ip.is_empty() {
            return;
        }
        for p in self.not_ip.drain(..) {
            if cx.noutputs() > 1 {
                cx.output(1, p);
            }
        }
    }

    /// The next packet of the file and its link type.
    fn read_one(&mut self) -> Option<(Packet, u32)> {
        loop {
            match self.source.as_mut()? {
                Source::Done => return None,
                Source::Pcap(f) => {
                    // As Click, the position of the record about to be read (the file's end
                    // once it is reached).
                    self.packet_filepos = f.pos;
                    let next = f.next_packet();
                    self.file_pos = Some(f.pos);
                    match next {
                        Ok(Some(p)) => return Some((p, f.link)),
                        Ok(None) => {}
                        Err(e) => click_core::chatter::chatter(&format!("{}: {e}", self.filename)),
                    }
                }
                Source::PcapNg(r) => {
                    // Copy the packet out first: the block borrows the reader.
                    let (mut p, iface) = match r.next_block() {
                        Some(Ok(Block::EnhancedPacket(epb))) => {
                            (make_packet(&epb.data, epb.timestamp, 0), epb.interface_id as usize)
                        }
                        Some(Ok(Block::SimplePacket(spb))) => (make_packet(&spb.data, Duration::ZERO, 0), 0),
                        Some(Ok(_)) => continue,
                        Some(Err(_)) | None => {
                            self.source = Some(Source::Done);
                            return None;
                        }
                    };
                    let link = r.interfaces().get(iface).map_or(linktype::ETHERNET, |i| u32::from(i.linktype));
                    apply_link(&mut p, link);
                    return Some((p, link));
                }
            }
            // End of file, or a corrupt record: the rest of the file cannot be trusted.
            self.source = Some(Source::Done);
            return None;
        }
    }

    /// Moves to byte `offset` of a pcap file, as Click does: the next record header is read
    /// from there, even in the middle of a record.
    fn seek(&mut self, offset: u64) -> Result<(), String> {
        if let Some(Source::Done) = self.source {
            // Reading ended (the end, or a bad header): start again from a fresh reader.
            self.open()?;
        }
        match self.source.as_mut() {
            Some(Source::Pcap(f)) => {
                f.seek(offset).map_err(|e| format!("{}: {e}", self.filename))?;
                self.file_pos = Some(f.pos);
                Ok(())
            }
            _ => Err("cannot seek in a pcapng file".into()),
        }
    }

    /// With TIMING, true when `p` may leave now.
    fn due(&mut self, p: &Packet) -> bool {
        if !self.timing {
            return true;
        }
        let ts = Duration::from_nanos(p.timestamp().nanos().max(0) as u64);
        let (wall, first) = *self.epoch.get_or_insert((click_core::clock::now(), ts));
        click_core::clock::now().saturating_duration_since(wall) >= ts.saturating_sub(first)
    }
}

impl Element for FromDump {
    fn class_name(&self) -> &'static str {
        "FromDump"
    }

    fn port_count(&self) -> &'static str {
        // Output 1 (optional) takes what FORCE_IP finds not to be IP.
        "0/1-2"
    }

    fn processing(&self) -> &'static str {
        processing::AGNOSTIC
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.filename = args.read_mp("FILENAME")?;
        self.timing = args.read_p_or("TIMING", false)?;
        self.stop = args.read_or("STOP", false)?;
        self.active = args.read_or("ACTIVE", true)?;
        self.burst = args.read_or("BURST", 1usize)?.max(1);
        self.force_ip = args.read_or("FORCE_IP", false)?;
        self.start_pos = args.read_or("FILEPOS", 0u64)?;
        let start: Option<TimeArg> = args.read("START")?;
        let start_after: Option<TimeArg> = args.read("START_AFTER")?;
        let end: Option<TimeArg> = args.read("END")?;
        let end_after: Option<TimeArg> = args.read("END_AFTER")?;
        let interval: Option<TimeArg> = args.read("INTERVAL")?;
        let end_call: Option<String> = args.read("END_CALL")?;
        args.complete()?;
        // As Click: a zero time counts as not given.
        let given = |t: &Option<TimeArg>| t.as_ref().is_some_and(|t| t.0 != 0);
        let mut t = Times::default();
        match (given(&start), given(&start_after)) {
            (true, true) => return Err(ArgError::new(None, "START and START_AFTER are mutually exclusive")),
            (true, false) => (t.first, t.have_first) = (start.map_or(0, |x| x.0), true),
            (false, true) => (t.first, t.first_relative, t.have_first) = (start_after.map_or(0, |x| x.0), true, true),
            (false, false) => t.first_relative = true,
        }
        match (given(&end), given(&end_after), given(&interval)) {
            (false, false, false) => {}
            (true, false, false) => (t.last, t.have_last) = (end.map_or(0, |x| x.0), true),
            (false, true, false) => (t.last, t.last_relative, t.have_last) = (end_after.map_or(0, |x| x.0), true, true),
            (false, false, true) => (t.last, t.last_interval, t.have_last) = (interval.map_or(0, |x| x.0), true, true),
            _ => return Err(ArgError::new(None, "END, END_AFTER, and INTERVAL are mutually exclusive")),
        }
        t.end_call = match (self.stop, end_call) {
            (true, Some(_)) => return Err(ArgError::new(None, "END_CALL and STOP are mutually exclusive")),
            (_, Some(c)) => {
                let c = c.trim();
                let (h, v) = c.split_once(char::is_whitespace).unwrap_or((c, ""));
                Some(EndCall::Call(h.to_string(), v.trim().to_string()))
            }
            (true, None) => Some(EndCall::Stop),
            (false, None) if t.have_last => Some(EndCall::Deactivate),
            (false, None) => None,
        };
        self.times = t;
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        self.open()?;
        if self.start_pos != 0 {
            self.seek(self.start_pos)?;
        }
        self.pull_context = cx.output_processing(0) != Processing::Push;
        self.batch = Batch::with_capacity(self.burst);
        if cx.output_processing(0) == Processing::Push {
            cx.add_task(click_core::runtime::DEFAULT_TICKETS);
            if !self.active {
                cx.unschedule();
            }
        }
        Ok(())
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.active {
            cx.unschedule();
            return false;
        }
        let mut batch = std::mem::take(&mut self.batch);
        let mut at_end = false;
        let want = cx.task_burst(self.burst);
        // The common case (a pcap file of Ethernet frames, no time window, no TIMING, no
        // FORCE_IP, the first record read) reads records straight from the file's buffer.
        let t = &self.times;
        let plain =
            self.held.is_none() && !self.timing && !self.force_ip && t.have_any && !t.have_first && !t.have_last;
        if plain
            && let Some(Source::Pcap(f)) = &mut self.source
            && f.link == linktype::ETHERNET
        {
            let (n, last) = f.next_packets_buffered(want, &mut batch);
            if n > 0 {
                self.packet_filepos = last;
                self.file_pos = Some(f.pos);
            }
        }
        while batch.len() < want {
            match self.read_next(cx) {
                Some(p) if self.due(&p) => batch.push(p),
                Some(p) => {
                    self.held = Some(p);
                    break;
                }
                None => {
                    at_end = true;
                    break;
                }
            }
        }
        let n = batch.len();
        self.count += n as u64;
        cx.output_batch(0, &mut batch);
        self.emit_not_ip(cx);
        self.batch = batch;
        if at_end {
            // Click's end handler (`NAME.stop` for STOP: inactive, and the router stops).
            self.call_end(cx);
            cx.unschedule();
        }
        n > 0
    }

    fn pull(&mut self, cx: &mut Context<'_>, _port: usize) -> Option<Packet> {
        if !self.active {
            return None;
        }
        let next = self.read_next(cx);
        self.emit_not_ip(cx);
        match next {
            Some(p) if self.due(&p) => {
                self.count += 1;
                Some(p)
            }
            Some(p) => {
                self.held = Some(p);
                None
            }
            None => {
                self.call_end(cx);
                None
            }
        }
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        // Click's, in its order; the task handlers only in push context.
        const H: &[HandlerInfo] = &[
            HandlerInfo::read("filename"),
            HandlerInfo::read("filesize"),
            HandlerInfo::read_write("filepos"),
            HandlerInfo::read("sampling_prob"),
            HandlerInfo::read_write("active").checkbox(),
            HandlerInfo::read("encap"),
            HandlerInfo::write("stop").button(),
            HandlerInfo::read("packet_filepos"),
            HandlerInfo::write("extend_interval"),
            HandlerInfo::read("count"),
            HandlerInfo::write("reset_counts").button(),
            HandlerInfo::write("reset_timing").button(),
            HandlerInfo::read("scheduled"),
            HandlerInfo::read_write("tickets"),
        ];
        if self.pull_context { &H[..H.len() - 2] } else { H }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "filename" => self.filename.clone(),
            "filesize" => self.file_size.map_or("-".to_string(), |n| n.to_string()),
            "filepos" => self.file_pos.map_or("-".to_string(), |n| n.to_string()),
            "packet_filepos" => self.file_pos.map_or("-".to_string(), |_| self.packet_filepos.to_string()),
            "sampling_prob" => "1".to_string(),
            "encap" => match self.link {
                linktype::ETHERNET => "ETHER".to_string(),
                linktype::RAW | linktype::RAW_ALT => "IP".to_string(),
                n => format!("#{n}"),
            },
            "active" => self.active.to_string(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "active" => {
                self.active = Args::new(value).read_mp("ACTIVE")?;
                cx.reschedule();
            }
            "stop" => {
                self.active = false;
                cx.stop_router();
            }
            "extend_interval" => {
                let TimeArg(t) = Args::new(value)
                    .read_mp("INTERVAL")
                    .map_err(|_| HandlerError::Failed("'extend_interval' takes a time interval".into()))?;
                self.times.last += t;
                if self.times.end_call.is_some() {
                    self.times.have_last = true;
                    self.active = true;
                    cx.reschedule();
                }
            }
            "reset_counts" => self.count = 0,
            "reset_timing" => {
                self.epoch = None;
                let t = &mut self.times;
                (t.first_relative, t.last_relative, t.last_interval, t.have_any) = (false, false, false, false);
            }
            "filepos" => {
                let offset: u64 =
                    value.trim().parse().map_err(|_| HandlerError::Failed("argument must be file offset".into()))?;
                self.seek(offset).map_err(HandlerError::Failed)?;
                cx.reschedule();
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}

/// A regular file mapped into memory, read-only.
struct FileMap {
    ptr: std::ptr::NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is owned by this value alone, read-only, and not tied to the thread
// that made it.
unsafe impl Send for FileMap {}

impl FileMap {
    /// Maps `file` whole if it is a regular file of at least one byte; `None` otherwise, or
    /// when the system refuses.
    fn new(file: &File) -> Option<FileMap> {
        use std::os::fd::AsRawFd;
        let meta = file.metadata().ok()?;
        let len = usize::try_from(meta.len()).ok().filter(|&n| meta.is_file() && n > 0)?;
        // SAFETY: a fresh private read-only mapping of an open descriptor; the kernel picks
        // the address, so nothing existing is replaced. Failure is checked below.
        let p =
            unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, file.as_raw_fd(), 0) };
        if p == libc::MAP_FAILED {
            return None;
        }
        // Records are read in order: the kernel maps pages ahead in larger steps and reads
        // ahead further if the file is not cached. Advice only; failure changes nothing.
        // SAFETY: [p, p + len) is the mapping just made.
        unsafe { libc::madvise(p, len, libc::MADV_SEQUENTIAL) };
        Some(FileMap { ptr: std::ptr::NonNull::new(p.cast())?, len })
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: the mapping stays valid for `len` bytes until `self` is dropped. As with
        // Click, which maps its input files too, the file is expected not to change while it
        // is read (a file cut short under the mapping raises SIGBUS).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for FileMap {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`; no slice of it outlives `self`.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// Where a pcap file's bytes come from: a regular file through a mapping, so that records
/// are copied once, from the page cache into packets (reading through a buffer copied each
/// byte twice, and `read` calls were a fifth of the time of a large capture's run);
/// anything else (a pipe, a device) through a buffer.
enum Input {
    Mapped {
        map: FileMap,
        /// The position.
        at: usize,
        /// How far pages are mapped, and how far the lines are asked for (see `read_ahead`).
        populated: usize,
        prefetched: usize,
        /// Where the position must be for `read_ahead` to do anything again.
        due: usize,
    },
    Buffered(BufReader<File>),
}

impl Input {
    /// How much of a mapped file `read_ahead` maps at a time (a multiple of any page size).
    const MAP_STEP: usize = 4 << 20;

    fn new(file: File) -> Input {
        match FileMap::new(&file) {
            Some(map) => Input::Mapped { map, at: 0, populated: 0, prefetched: 0, due: 0 },
            None => Input::Buffered(BufReader::with_capacity(1 << 20, file)),
        }
    }

    /// The bytes at the position that can be had without a read (the rest of a mapped file).
    #[inline]
    fn buffer(&self) -> &[u8] {
        match self {
            Input::Mapped { map, at, .. } => map.bytes().get(*at..).unwrap_or(&[]),
            Input::Buffered(r) => r.buffer(),
        }
    }

    /// Prepares the bytes a little beyond the position of a mapped file, for records read in
    /// order: maps the pages up to 4 MB ahead (in 4 MB steps, one system call each, instead
    /// of a page fault every 16 pages), and asks the processor for the lines up to 4 KB
    /// ahead (once each), which it would otherwise fetch from memory one miss at a time as
    /// the records are copied out (its own prefetcher stops at each 4 KB page). Hints only:
    /// the bytes read are the same either way.
    #[inline]
    fn read_ahead(&mut self) {
        const PREFETCH_AHEAD: usize = 4096;
        const LINE: usize = 64;
        let Input::Mapped { map, at, populated, prefetched, due } = self else { return };
        // Once per 1 KB read, so that one record a call (BURST 1) pays a comparison.
        if *at < *due {
            return;
        }
        *due = at.saturating_add(1024);
        let bytes = map.bytes();
        if at.saturating_add(Self::MAP_STEP) > *populated && *populated < bytes.len() {
            let end = (*populated + Self::MAP_STEP).min(bytes.len());
            let range = &bytes[*populated..end];
            // SAFETY: `range` lies inside the mapping and starts on a page (the mapping does,
            // and `populated` moves by pages); MADV_POPULATE_READ only maps its pages (as
            // reading them would), and its failure (an older kernel) is harmless.
            unsafe { libc::madvise(range.as_ptr().cast_mut().cast(), range.len(), libc::MADV_POPULATE_READ) };
            *populated = end;
        }
        let until = at.saturating_add(PREFETCH_AHEAD).min(bytes.len());
        // Where the last batch's requests ended, or (after a seek) half the distance ahead.
        *prefetched = (*prefetched).max(at.saturating_add(PREFETCH_AHEAD / 2)) / LINE * LINE;
        while *prefetched < until {
            crate::ip::lookup::prefetch_read(&bytes[*prefetched]);
            *prefetched += LINE;
        }
    }

    /// Moves `n` bytes of [`buffer`](Self::buffer) on.
    #[inline]
    fn consume(&mut self, n: usize) {
        match self {
            Input::Mapped { at, .. } => *at += n,
            Input::Buffered(r) => r.consume(n),
        }
    }

    /// Fills `buf`; how many bytes it got (fewer only at the end).
    fn read_full(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Input::Mapped { .. } => {
                let n = buf.len().min(self.buffer().len());
                buf[..n].copy_from_slice(&self.buffer()[..n]);
                self.consume(n);
                Ok(n)
            }
            Input::Buffered(r) => read_full(r, buf),
        }
    }

    fn seek(&mut self, offset: u64) -> std::io::Result<()> {
        match self {
            // Past the end, reading finds the end.
            Input::Mapped { at, populated, prefetched, due, .. } => {
                *at = usize::try_from(offset).unwrap_or(usize::MAX);
                // Map (in steps from the step it is in, so still from the start of a page)
                // and prefetch from here on; pages mapped before stay mapped.
                (*populated, *prefetched, *due) = (*at / Self::MAP_STEP * Self::MAP_STEP, *at, *at);
            }
            Input::Buffered(r) => {
                r.seek(SeekFrom::Start(offset))?;
            }
        }
        Ok(())
    }
}

/// A pcap file read as Click's FromDump reads it: record headers taken at face value from
/// wherever the position is, so that a seek to any byte behaves as in Click.
struct PcapFile {
    r: Input,
    /// The byte offset of the next read.
    pos: u64,
    swapped: bool,
    nano: bool,
    /// Bytes after each record header in the "modified" pcap format.
    extra: u64,
    minor: u16,
    link: u32,
}

impl PcapFile {
    const MAGIC: u32 = 0xa1b2_c3d4;
    const MAGIC_NANO: u32 = 0xa1b2_3c4d;
    const MAGIC_MODIFIED: u32 = 0xa1b2_cd34;

    /// Reads the file header; Click's messages when it is not one.
    fn open(mut r: Input) -> Result<PcapFile, String> {
        let mut h = [0u8; 24];
        let n = r.read_full(&mut h).map_err(|e| e.to_string())?;
        if n < 24 {
            return Err("not a tcpdump file (too short)".into());
        }
        let le = u32::from_le_bytes(h[..4].try_into().unwrap());
        let magics = [Self::MAGIC, Self::MAGIC_NANO, Self::MAGIC_MODIFIED];
        let swapped = !magics.contains(&le);
        let u32_at = |i: usize| {
            let b: [u8; 4] = h[i..i + 4].try_into().unwrap();
            if swapped { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
        };
        let u16_at = |i: usize| {
            let b: [u8; 2] = h[i..i + 2].try_into().unwrap();
            if swapped { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) }
        };
        let magic = u32_at(0);
        if !magics.contains(&magic) {
            return Err("not a tcpdump file (bad magic number)".into());
        }
        if u16_at(4) != 2 {
            return Err(format!("unknown major version {}", u16_at(4)));
        }
        Ok(PcapFile {
            r,
            pos: 24,
            swapped,
            nano: magic == Self::MAGIC_NANO,
            extra: if magic == Self::MAGIC_MODIFIED { 8 } else { 0 },
            minor: u16_at(6),
            link: u32_at(20),
        })
    }

    /// Moves the position to `offset` (Click's `FILEPOS` and `filepos` write).
    fn seek(&mut self, offset: u64) -> Result<(), String> {
        // Click (reading through mmap) accepts an offset past the end; reading there finds
        // the end of the file.
        self.r.seek(offset).map_err(|e| e.to_string())?;
        self.pos = offset;
        Ok(())
    }

    /// Moves the position `n` bytes on.
    fn skip(&mut self, n: u64) {
        if n > 0 {
            self.pos += n;
            let _ = self.r.seek(self.pos);
        }
    }

    /// Fills `buf` from the file; returns how many bytes it got (fewer only at the end).
    /// Straight from the reader's buffer when it holds them all (nearly always: it is 1 MiB),
    /// which spares the general `Read` path per record.
    #[inline]
    fn read_record_bytes(&mut self, buf: &mut [u8]) -> usize {
        match self.r.buffer().get(..buf.len()) {
            Some(bytes) => {
                buf.copy_from_slice(bytes);
                self.r.consume(buf.len());
                buf.len()
            }
            None => self.r.read_full(buf).unwrap_or(0),
        }
    }

    /// Up to `want` records as packets appended to `out`, straight out of the reader's
    /// buffer, for the common case (no extra bytes after record headers, lengths in order);
    /// stops at the first record the buffer does not hold whole or that is unusual (a header
    /// Click would give up on, a capture length beyond the length), which `next_packet` then
    /// reads. Returns how many, and where the last one started.
    fn next_packets_buffered(&mut self, want: usize, out: &mut Batch) -> (usize, u64) {
        if self.extra != 0 {
            return (0, self.pos);
        }
        self.r.read_ahead();
        let buf = self.r.buffer();
        let (mut n, mut at) = (0, 0);
        let mut last = self.pos;
        while n < want {
            let Some(r) = buf.get(at..at + 16).and_then(|h| self.record_header(h)) else { break };
            if r.caplen > r.len {
                break;
            }
            let Some(bytes) = buf.get(at + 16..at + 16 + r.caplen as usize) else { break };
            let mut p = Packet::make_unzeroed(click_core::packet::DEFAULT_HEADROOM, bytes.len(), 0);
            p.data_mut().copy_from_slice(bytes);
            self.finish_record(&mut p, &r);
            last = self.pos + at as u64;
            at += 16 + r.caplen as usize;
            out.push(p);
            n += 1;
        }
        self.r.consume(at);
        self.pos += at as u64;
        (n, last)
    }

    /// A record header's fields as Click reads them (byte order, old files' swapped lengths,
    /// the timestamp); `None` for one Click gives up on.
    fn record_header(&self, h: &[u8]) -> Option<RecordHeader> {
        let u32_at = |i: usize| {
            let b = [h[i], h[i + 1], h[i + 2], h[i + 3]];
            if self.swapped { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
        };
        let (sec, subsec, hcaplen, hlen) = (u32_at(0) as i32, u32_at(4), u32_at(8), u32_at(12));
        // Old files may have the two lengths the other way round.
        let (len, caplen) = if self.minor > 3 || (self.minor == 3 && hcaplen <= hlen) {
            (hlen as i32, hcaplen as i32)
        } else {
            (hcaplen as i32, hlen as i32)
        };
        // Click compares the lengths as signed ints; a negative one leads it into undefined
        // territory (huge packets, crashes), so those headers count as bad here.
        if !(0..=65535).contains(&caplen) || len < 0 {
            return None;
        }
        // Click's timestamp: seconds and microseconds (times 1000, in 32 bits) or nanoseconds.
        let subsec = if self.nano { subsec } else { subsec.wrapping_mul(1000) };
        Some(RecordHeader { ts: i64::from(sec) * 1_000_000_000 + i64::from(subsec), len, caplen })
    }

    /// Stamps a record's packet with its time, marks its link-layer header, and keeps the
    /// bytes not captured in the EXTRA_LENGTH annotation, as Click does.
    fn finish_record(&self, p: &mut Packet, r: &RecordHeader) {
        p.set_timestamp(Timestamp::from_nanos(r.ts));
        apply_link(p, self.link);
        if r.len > r.caplen {
            crate::set_extra_length(p, (r.len - r.caplen) as u32);
        }
    }

    /// The next record as a packet; `Ok(None)` at the end of the file (a record cut short
    /// included), `Err` for a header Click gives up on.
    fn next_packet(&mut self) -> Result<Option<Packet>, String> {
        let mut h = [0u8; 16];
        let n = self.read_record_bytes(&mut h);
        self.pos += n as u64;
        if n < 16 {
            return Ok(None);
        }
        let mut r = self.record_header(&h).ok_or("bad packet header; giving up")?;
        // tcptrace writes a caplen one too large: the bytes beyond `len` are skipped.
        let mut skiplen = 0;
        if r.caplen > r.len {
            skiplen = (r.caplen - r.len) as u64;
            r.caplen = r.len;
        }
        self.skip(self.extra);
        // Read straight into a pooled packet: nothing allocated per record.
        let mut p = Packet::make_unzeroed(click_core::packet::DEFAULT_HEADROOM, r.caplen as usize, 0);
        let got = self.read_record_bytes(p.data_mut());
        self.pos += got as u64;
        if got < r.caplen as usize {
            return Ok(None);
        }
        self.finish_record(&mut p, &r);
        self.skip(skiplen);
        Ok(Some(p))
    }
}

/// A pcap record header's fields: time in nanoseconds, length on the wire, bytes captured.
struct RecordHeader {
    ts: i64,
    len: i32,
    caplen: i32,
}

/// Reads until `buf` is full or the file ends; the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(text: &str) -> Result<i64, ArgError> {
        let mut a = Args::new(text);
        let TimeArg(t) = a.read_mp("T")?;
        Ok(t)
    }

    /// A packet's bytes, where its batch's last record started, the position after it.
    type Read = (Vec<u8>, u64, u64);

    /// Reads a pcap file as FromDump does through `input`: records by batches straight from
    /// the input and one at a time, with a seek back to an earlier record, then a seek into
    /// the middle of a record and one past the end; returns each packet's bytes, with where
    /// its batch's last record started and the position after the batch, and what the reads
    /// after the seeks found.
    fn read_all(input: Input) -> (Vec<Read>, Vec<String>) {
        let mut f = PcapFile::open(input).unwrap();
        let mut got = Vec::new();
        let mut batch = Batch::with_capacity(32);
        let (mut round, mut mark, mut seeked) = (0, 0, false);
        loop {
            round += 1;
            // Exactly 1,000 packets, then exactly 20,000 (where the seek back goes), then on.
            let stop = if got.len() < 1000 {
                1000
            } else if !seeked {
                20_000
            } else {
                usize::MAX
            };
            let want = (if round % 3 == 0 { 1 } else { 32 }).min(stop - got.len());
            let (n, last) = f.next_packets_buffered(want, &mut batch);
            got.extend(batch.drain().map(|p| (p.data().to_vec(), last, f.pos)));
            if n == 0 {
                match f.next_packet() {
                    Ok(Some(p)) => got.push((p.data().to_vec(), 0, f.pos)),
                    _ => break,
                }
            }
            if got.len() == 1000 {
                mark = f.pos;
            }
            if got.len() == 20_000 && !seeked {
                f.seek(mark).unwrap();
                seeked = true;
            }
        }
        let mut after = Vec::new();
        for to in [mark + 7, 1 << 40] {
            f.seek(to).unwrap();
            after.push(format!("{:?}", f.next_packet().map(|p| p.map(|p| p.data().to_vec()))));
        }
        (got, after)
    }

    #[test]
    fn mapped_and_buffered_files_read_alike() {
        // 9 MB of records of varied lengths: beyond two of the mapping's 4 MB steps.
        let mut bytes = Vec::new();
        for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, 1] {
            bytes.extend(v.to_le_bytes());
        }
        let mut x = 0x2545_f491_u32;
        while bytes.len() < 9 << 20 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let caplen = 14 + x % 300;
            for v in [x % 1000, x % 1_000_000, caplen, caplen] {
                bytes.extend(v.to_le_bytes());
            }
            bytes.extend((0..caplen).map(|i| (x >> (i % 24)) as u8));
        }
        let path = std::env::temp_dir().join(format!("vrouter-from-dump-{}.pcap", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let mapped = Input::new(File::open(&path).unwrap());
        assert!(matches!(mapped, Input::Mapped { .. }), "a regular file is mapped");
        let a = read_all(mapped);
        let b = read_all(Input::Buffered(BufReader::with_capacity(1 << 20, File::open(&path).unwrap())));
        std::fs::remove_file(&path).unwrap();
        assert!(a.0.len() > 40_000, "{} packets", a.0.len());
        // Batches end where a buffer does, so compare packets, and positions at the end.
        let first_difference = a.0.iter().zip(&b.0).position(|(x, y)| x.0 != y.0);
        assert_eq!(first_difference, None);
        assert_eq!((a.0.len(), a.0.last().map(|x| x.2)), (b.0.len(), b.0.last().map(|x| x.2)));
        assert_eq!(a.1, b.1);
    }

    #[test]
    fn times_are_exact_to_the_nanosecond() {
        assert_eq!(time("1000000003.5").unwrap(), 1_000_000_003_500_000_000);
        assert_eq!(time("1000000004.004007").unwrap(), 1_000_000_004_004_007_000);
        assert_eq!(time("1.000000001").unwrap(), 1_000_000_001);
        assert_eq!(time("2").unwrap(), 2_000_000_000);
        // Units, as Click allows for intervals.
        assert_eq!(time("2s").unwrap(), 2_000_000_000);
        assert_eq!(time("250ms").unwrap(), 250_000_000);
        assert!(time("soon").is_err());
    }
}
