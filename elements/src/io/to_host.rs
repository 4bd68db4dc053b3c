use std::sync::Arc;

use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext};

use super::tap_common::{self, TapIo};

click_core::documented! {
    /// Hands Ethernet frames to the host's kernel, as if received on a TAP device.
    ///
    /// # Synopsis
    /// `ToHost(DEVNAME [, *keywords* QUIET])`
    ///
    /// # Ports and processing
    /// One push input, no outputs. Each frame is written to the TAP device DEVNAME, and
    /// the kernel receives it there as from a wire. The device is the one a FromHost (or
    /// KernelTap with DEVNAME) of this router created; if there is none, ToHost creates it,
    /// up but without addresses. Unlike Click's kernel-module ToHost, a device name is
    /// required. A frame the kernel refuses (full queue, too long) is dropped and counted.
    /// Needs root or CAP_NET_ADMIN.
    ///
    /// # Keywords
    /// - `DEVNAME` (string): the TAP device.
    /// - `QUIET` (boolean): do not report dropped frames, default false.
    ///
    /// # Handlers
    /// - `count` (read): frames handed to the kernel.
    /// - `drops` (read): frames dropped.
    ///
    /// # Example
    /// ```click
    /// FromHost(vhost1, 10.96.0.1/24) -> ToHost(vhost1);
    /// ```
    #[derive(Default)]
    pub struct ToHost {
        devname: String,
        quiet: bool,
        io: TapIo,
    }
}

impl Element for ToHost {
    fn class_name(&self) -> &'static str {
        "ToHost"
    }

    fn port_count(&self) -> &'static str {
        ports::P1_0
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.devname = args.read_mp("DEVNAME")?;
        self.quiet = args.read_or("QUIET", false)?;
        args.complete()
    }

    fn initialize(&mut self, _cx: &mut InitContext<'_>) -> Result<(), String> {
        let dev = tap_common::open_shared(&self.devname, true).map_err(|e| e.to_string())?;
        super::sys::set_link(dev.name(), true, None).map_err(|e| e.to_string())?;
        self.io.dev = Some(Arc::clone(&dev));
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        for p in batch.drain() {
            self.io.send(cx.name(), &p, self.quiet);
        }
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read("count"), HandlerInfo::read("drops")];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.io.sent.to_string(),
            "drops" => self.io.drops.to_string(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }
}
