//! TestFrameSource and CheckTestFrame: numbered frames of mixed sizes whose contents can be
//! checked at the far end (see [`crate::testframes`]), so that a test or a user can prove
//! that a path loses, reorders and corrupts nothing.

use crate::testframes::{self, FrameError, MAX_LEN};
use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext, Packet, Processing};

click_core::documented! {
    /// Emits numbered test frames of mixed sizes (60 to 1514 bytes) whose contents a
    /// CheckTestFrame at the far end verifies.
    ///
    /// # Synopsis
    /// `TestFrameSource([LIMIT, *keywords*])`
    ///
    /// # Ports and processing
    /// No inputs; one agnostic output. Frame *n* carries its sequence number, its length and
    /// a checksum of a body cut from a fixed pseudo-random pattern. In push context a task
    /// emits BURST frames per run and, like InfiniteSource, sleeps while every Queue
    /// downstream is full, so a source behind a Queue loses nothing; in pull context each
    /// pull returns the next frame.
    ///
    /// # Keywords
    /// - `LIMIT` (integer): frames to emit; -1 (default) means no limit.
    /// - `START` (unsigned): the first sequence number, default 0.
    /// - `BURST` (unsigned): frames per task run in push context, default 32.
    /// - `STOP` (boolean): stop the router once LIMIT frames were emitted, default false.
    ///
    /// # Handlers
    /// - `count` (read): frames emitted.
    ///
    /// # Example
    /// ```click
    /// TestFrameSource(LIMIT 1000, STOP true) -> Queue -> Unqueue -> CheckTestFrame -> Discard;
    /// ```
    #[derive(Default)]
    pub struct TestFrameSource {
        limit: i64,
        start: u64,
        burst: usize,
        stop: bool,
        count: u64,
        stopped: bool,
        scratch: Vec<u8>,
        batch: Batch,
    }
}

impl TestFrameSource {
    fn remaining(&self) -> u64 {
        if self.limit < 0 { u64::MAX } else { (self.limit as u64).saturating_sub(self.count) }
    }

    fn next_frame(&mut self) -> Packet {
        let len = testframes::fill(self.start + self.count, &mut self.scratch);
        self.count += 1;
        Packet::from_slice(&self.scratch[..len])
    }

    fn finish(&mut self, cx: &mut Context<'_>) {
        if self.stop && !self.stopped {
            self.stopped = true;
            cx.stop_router();
        }
    }
}

impl Element for TestFrameSource {
    fn class_name(&self) -> &'static str {
        "TestFrameSource"
    }
    fn port_count(&self) -> &'static str {
        ports::P0_1
    }
    fn processing(&self) -> &'static str {
        processing::AGNOSTIC
    }
    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.limit = args.read_p_or("LIMIT", -1i64)?;
        self.start = args.read_or("START", 0u64)?;
        self.burst = args.read_or("BURST", 32usize)?;
        self.stop = args.read_or("STOP", false)?;
        args.complete()?;
        if self.burst == 0 {
            return Err(ArgError::new(Some("BURST"), "burst size must be >= 1"));
        }
        Ok(())
    }
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        self.scratch = vec![0; MAX_LEN];
        self.batch = Batch::with_capacity(self.burst);
        if cx.output_processing(0) == Processing::Push {
            cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        }
        Ok(())
    }
    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        if cx.output_full(0) {
            cx.unschedule();
            return false;
        }
        let n = self.remaining().min(self.burst as u64) as usize;
        if n == 0 {
            self.finish(cx);
            cx.unschedule();
            return false;
        }
        let mut batch = std::mem::take(&mut self.batch);
        for _ in 0..n {
            batch.push(self.next_frame());
        }
        cx.output_batch(0, &mut batch);
        self.batch = batch;
        true
    }
    // In pull context, tell the puller when the frames are used up, so that it can sleep.
    fn is_notifier(&self) -> bool {
        true
    }
    fn notifier_active(&self) -> bool {
        self.remaining() > 0
    }
    fn pull(&mut self, cx: &mut Context<'_>, _port: usize) -> Option<Packet> {
        if self.remaining() == 0 {
            self.finish(cx);
            return None;
        }
        Some(self.next_frame())
    }
    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read("count")];
        H
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

click_core::documented! {
    /// Checks the frames of a TestFrameSource: every one present, in order, intact.
    ///
    /// # Synopsis
    /// `CheckTestFrame([*keywords*])`
    ///
    /// # Ports and processing
    /// One push input, an optional push output. Each frame must be the next in sequence and
    /// have the length and body its number gives; a frame that is not counts as an error
    /// (the first error is kept), and checking continues after the frame received, so one
    /// lost frame is one error, with the frames skipped counted as `lost`. Frames leave on
    /// output 0 if it is connected.
    ///
    /// # Keywords
    /// - `START` (unsigned): the first sequence number expected, default 0.
    /// - `LIMIT` (integer): with STOP, the frames to wait for; -1 (default) means none.
    /// - `STOP` (boolean): stop the router once LIMIT frames arrived, default false.
    /// - `RECOMPUTE` (boolean): also recompute each body's checksum from its bytes, default
    ///   true (the body is always compared with the expected bytes).
    ///
    /// # Handlers
    /// - `count` (read): frames checked. `errors` (read): frames that failed.
    /// - `lost` (read): sequence numbers skipped. `first_error` (read): the first failure,
    ///   empty if none.
    ///
    /// # Example
    /// ```click
    /// TestFrameSource(LIMIT 100) -> chk :: CheckTestFrame(LIMIT 100, STOP true);
    /// ```
    #[derive(Default)]
    pub struct CheckTestFrame {
        next: u64,
        limit: i64,
        stop: bool,
        recompute: bool,
        count: u64,
        errors: u64,
        lost: u64,
        first_error: Option<FrameError>,
        stopped: bool,
    }
}

impl CheckTestFrame {
    fn check(&mut self, frame: &[u8]) {
        self.count += 1;
        match testframes::check(frame, self.next, self.recompute) {
            Ok(()) => self.next += 1,
            Err(e) => {
                self.errors += 1;
                if let FrameError::Sequence { expected, got } = e {
                    self.lost += got.saturating_sub(expected);
                    self.next = got + 1;
                } else {
                    self.next += 1;
                }
                self.first_error.get_or_insert(e);
            }
        }
    }
}

impl Element for CheckTestFrame {
    fn class_name(&self) -> &'static str {
        "CheckTestFrame"
    }
    fn port_count(&self) -> &'static str {
        "1/0-1"
    }
    fn processing(&self) -> &'static str {
        processing::PUSH
    }
    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.next = args.read_or("START", 0u64)?;
        self.limit = args.read_or("LIMIT", -1i64)?;
        self.stop = args.read_or("STOP", false)?;
        self.recompute = args.read_or("RECOMPUTE", true)?;
        args.complete()
    }
    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        for p in batch.iter() {
            self.check(p.data());
        }
        if cx.noutputs() > 0 {
            cx.output_batch(0, batch);
        } else {
            batch.clear();
        }
        if self.stop && !self.stopped && self.limit >= 0 && self.count >= self.limit as u64 {
            self.stopped = true;
            cx.stop_router();
        }
    }
    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read("count"),
            HandlerInfo::read("errors"),
            HandlerInfo::read("lost"),
            HandlerInfo::read("first_error"),
        ];
        H
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "errors" => self.errors.to_string(),
            "lost" => self.lost.to_string(),
            "first_error" => self.first_error.as_ref().map_or_else(String::new, |e| e.to_string()),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }
}

#[cfg(test)]
mod tests {
    use click_core::{Registry, RouterBuilder, RunOptions};

    fn run(config: &str) -> click_core::Router {
        let mut registry: Registry = elements::standard_registry();
        crate::click::register(&mut registry);
        let graph = click_core::config_lang::compile(config, "test", &[]).unwrap_or_else(|d| panic!("{d:?}"));
        let mut r = RouterBuilder::from_flat(&graph.graph, &registry).build().unwrap_or_else(|e| panic!("{e}"));
        r.run_with(RunOptions { stop_when_idle: true });
        r
    }

    #[test]
    fn frames_through_a_queue_arrive_checked_and_complete() {
        let r = run("TestFrameSource(LIMIT 2000, BURST 1) -> Queue(8) -> Unqueue(BURST 3) -> chk :: CheckTestFrame;");
        assert_eq!(r.read_handler("chk.count").unwrap(), "2000");
        assert_eq!(r.read_handler("chk.errors").unwrap(), "0");
        assert_eq!(r.read_handler("chk.first_error").unwrap(), "");
    }

    #[test]
    fn pulled_frames_are_checked() {
        let r = run("TestFrameSource(LIMIT 300) -> Unqueue(BURST 7) -> chk :: CheckTestFrame;");
        assert_eq!(r.read_handler("chk.count").unwrap(), "300");
        assert_eq!(r.read_handler("chk.errors").unwrap(), "0");
    }

    #[test]
    fn a_lost_frame_and_a_corrupted_frame_are_errors() {
        // Every other frame dropped: each frame that arrives follows a lost one.
        let r = run("TestFrameSource(LIMIT 10, BURST 1) -> rr :: RoundRobinSwitch -> Discard;
             rr[1] -> chk :: CheckTestFrame;");
        assert_eq!(r.read_handler("chk.count").unwrap(), "5");
        assert_eq!(r.read_handler("chk.lost").unwrap(), "5");
        assert_eq!(r.read_handler("chk.first_error").unwrap(), "expected frame 0, got 1");
        assert_eq!(r.read_handler("chk.errors").unwrap(), "5");
        let r = run("TestFrameSource(LIMIT 3, BURST 1) -> Truncate(50) -> chk :: CheckTestFrame;");
        assert_eq!(r.read_handler("chk.errors").unwrap(), "3");
        assert!(r.read_handler("chk.first_error").unwrap().starts_with("frame 0: length 50, expected "));
    }
}
