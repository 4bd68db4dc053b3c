use std::fs::File;
use std::io::{BufWriter, Write};

use click_core::args::Raw;
use click_core::element::HandlerInfo;
use click_core::spec::processing;
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext, Packet, Processing, Timestamp};

use super::linktype;

/// Packets pulled per task run in pull context.
const PULL_BURST: usize = 32;

click_core::documented! {
    /// Writes packets to a pcap file.
    ///
    /// # Synopsis
    /// `ToDump(FILENAME [, *keywords*])`
    ///
    /// # Ports and processing
    /// One agnostic input; an optional agnostic output passes the packets on after they are
    /// written (Click's). Each packet is written with its timestamp annotation
    /// (nanosecond pcap, native byte order, as Click built with nanosecond timestamps writes;
    /// `NANO false` writes microseconds); a packet with no timestamp gets the current time. Its
    /// original length is its length plus the EXTRA_LENGTH annotation (set by Truncate and by
    /// FromDump for packets captured short). In pull context a task pulls packets. The file
    /// is flushed after every batch, so it is complete whenever the router stops.
    ///
    /// # Keywords
    /// - `FILENAME` (string): the file (created or truncated); `-` for standard output.
    /// - `SNAPLEN` (unsigned): most bytes kept per packet, default 2000; 0 means no limit.
    /// - `ENCAP` (`ETHER` or `IP`): the link type written, default ETHER.
    /// - `NANO` (bool): nanosecond timestamps, default true.
    /// - `EXTRA_LENGTH` (bool): add the EXTRA_LENGTH annotation to the original length,
    ///   default true.
    /// - `UNBUFFERED` (bool): accepted; the file is flushed after every batch anyway.
    ///
    /// # Handlers
    /// - `count` (read): packets written.
    /// - `filename` (read).
    /// - `reset_counts` (write): zero the count.
    /// - `scheduled` (read), `tickets` (read/write): its task's, when it pulls as a sink.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 3, STOP true) -> ToDump(/tmp/vrouter-example.pcap);
    /// ```
    pub struct ToDump {
        filename: String,
        snaplen: u32,
        link: u32,
        nano: bool,
        extra_length: bool,
        count: u64,
        writer: Option<BufWriter<Box<dyn Write + Send>>>,
        batch: Batch,
        /// Pulling as a sink: a task of its own.
        has_task: bool,
    }
}

impl Default for ToDump {
    fn default() -> Self {
        ToDump {
            filename: String::new(),
            snaplen: 2000,
            link: linktype::ETHERNET,
            nano: true,
            extra_length: true,
            count: 0,
            writer: None,
            batch: Batch::new(),
            has_task: false,
        }
    }
}

impl ToDump {
    /// The pcap file header: magic, version 2.4, zone 0, sigfigs 0, snaplen, link type.
    fn file_header(&self) -> [u8; 24] {
        let mut h = [0u8; 24];
        let magic: u32 = if self.nano { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        h[0..4].copy_from_slice(&magic.to_ne_bytes());
        h[4..6].copy_from_slice(&2u16.to_ne_bytes());
        h[6..8].copy_from_slice(&4u16.to_ne_bytes());
        h[16..20].copy_from_slice(&self.snaplen.to_ne_bytes());
        h[20..24].copy_from_slice(&self.link.to_ne_bytes());
        h
    }

    fn write(&mut self, p: &Packet) {
        let Some(w) = self.writer.as_mut() else { return };
        let data = &p.data()[..p.len().min(self.snaplen as usize)];
        let ts = if p.timestamp().is_set() { p.timestamp() } else { Timestamp::now() };
        let subsec = if self.nano { ts.subsec_nanos() } else { ts.subsec_nanos() / 1000 };
        let extra = if self.extra_length { crate::extra_length(p) } else { 0 };
        let mut rec = [0u8; 16];
        rec[0..4].copy_from_slice(&(ts.sec() as u32).to_ne_bytes());
        rec[4..8].copy_from_slice(&subsec.to_ne_bytes());
        rec[8..12].copy_from_slice(&(data.len() as u32).to_ne_bytes());
        rec[12..16].copy_from_slice(&(p.len() as u32).wrapping_add(extra).to_ne_bytes());
        if w.write_all(&rec).and_then(|()| w.write_all(data)).is_ok() {
            self.count += 1;
        }
    }

    fn flush(&mut self) {
        if let Some(w) = self.writer.as_mut() {
            let _ = w.flush();
        }
    }
}

impl Element for ToDump {
    fn class_name(&self) -> &'static str {
        "ToDump"
    }

    fn port_count(&self) -> &'static str {
        // Click's ToDump may pass its packets on through an optional output.
        "1/0-1"
    }

    fn processing(&self) -> &'static str {
        processing::AGNOSTIC
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.filename = args.read_mp("FILENAME")?;
        self.snaplen = args.read_p_or("SNAPLEN", 2000u32)?;
        if self.snaplen == 0 {
            self.snaplen = u32::MAX;
        }
        let Raw(encap) = args.read_p_or("ENCAP", Raw("ETHER".into()))?;
        self.extra_length = args.read_or("EXTRA_LENGTH", true)?;
        let _unbuffered: bool = args.read_or("UNBUFFERED", false)?;
        self.nano = args.read_or("NANO", true)?;
        args.complete()?;
        self.link = match encap.to_ascii_uppercase().as_str() {
            "ETHER" | "ETHERNET" => linktype::ETHERNET,
            "IP" | "RAW" => linktype::RAW,
            other => return Err(ArgError::new(Some("ENCAP"), format!("unknown encapsulation '{other}'"))),
        };
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        // `-` is standard output, as in Click.
        let out: Box<dyn Write + Send> = if self.filename == "-" {
            Box::new(std::io::stdout())
        } else {
            Box::new(File::create(&self.filename).map_err(|e| format!("{}: {e}", self.filename))?)
        };
        let mut w = BufWriter::new(out);
        w.write_all(&self.file_header()).map_err(|e| format!("{}: {e}", self.filename))?;
        self.writer = Some(w);
        self.flush();
        if cx.input_processing(0) == Processing::Pull && cx.noutputs() == 0 {
            cx.add_task(click_core::runtime::DEFAULT_TICKETS);
            self.has_task = true;
        }
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        for p in batch.iter() {
            self.write(p);
        }
        self.flush();
        if cx.noutputs() > 0 {
            cx.output_batch(0, batch);
        } else {
            batch.clear();
        }
    }

    fn pull(&mut self, cx: &mut Context<'_>, _port: usize) -> Option<Packet> {
        let p = cx.pull(0)?;
        self.write(&p);
        self.flush();
        Some(p)
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        let mut batch = std::mem::take(&mut self.batch);
        let n = cx.pull_batch(0, PULL_BURST, &mut batch);
        for p in batch.drain() {
            self.write(&p);
        }
        self.batch = batch;
        if n > 0 {
            self.flush();
        } else if cx.input_idle(0) {
            cx.unschedule();
        }
        n > 0
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] =
            &[HandlerInfo::read("filename"), HandlerInfo::read("count"), HandlerInfo::write("reset_counts").button()];
        // With a task (pulling, as a sink), Click adds its task handlers.
        const T: &[HandlerInfo] = &[
            HandlerInfo::read("filename"),
            HandlerInfo::read("count"),
            HandlerInfo::write("reset_counts").button(),
            HandlerInfo::read("scheduled"),
            HandlerInfo::read_write("tickets"),
        ];
        if self.has_task { T } else { H }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "filename" => Ok(self.filename.clone()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, _value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "reset_counts" => self.count = 0,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn cleanup(&mut self) {
        self.flush();
    }
}
