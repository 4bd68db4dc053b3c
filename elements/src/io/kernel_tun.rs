use click_core::element::HandlerInfo;
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext};

use super::kernel_tap::KernelTap;

click_core::documented! {
    /// A TUN device the router creates: IP packets to and from the host's kernel.
    ///
    /// # Synopsis
    /// `KernelTun(ADDR/MASK [, GATEWAY, *keywords* MTU, DEVNAME, BURST, HEADROOM, IGNORE_QUEUE_OVERFLOWS])`
    ///
    /// # Ports and processing
    /// One agnostic input, one or two push outputs. Like KernelTap, but the device is a
    /// TUN device (named DEVNAME or `tunN`) and carries bare IP packets, no link header.
    /// Packets the kernel routes to the device leave on output 0 with the network header
    /// and destination address annotations set; non-IPv4 or truncated packets leave on
    /// output 1 if present (otherwise they are dropped and counted). IP packets arriving
    /// on the input are handed to the kernel's IP stack. The kernel answers for ADDR
    /// itself; packets for other addresses in ADDR/MASK (and, with GATEWAY, everything the
    /// default route sends) reach the router. Needs root or CAP_NET_ADMIN.
    ///
    /// # Keywords
    /// - `ADDR/MASK` (IP prefix): the kernel's address on the device.
    /// - `GATEWAY` (IP address): default route through this neighbour, default none.
    /// - `MTU` (unsigned): default 1500.
    /// - `DEVNAME` (string): the device's name, default chosen by the kernel.
    /// - `BURST` (unsigned): packets per task run each way, default 32.
    /// - `HEADROOM` (unsigned): headroom of packets read, default 128.
    /// - `IGNORE_QUEUE_OVERFLOWS` (boolean): do not report full kernel queues, default false.
    /// - `ETHER`: accepted for Click compatibility, unused.
    ///
    /// # Handlers
    /// - `count` (read): packets read from the kernel.
    /// - `sent` (read): packets written to the kernel.
    /// - `drops` (read): packets dropped (write errors, bad packets without output 1).
    /// - `overflows` (read): writes refused because the kernel's queue was full.
    /// - `bad` (read): packets read that were not IPv4.
    /// - `dev_name` (read): the device's name.
    ///
    /// # Example
    /// ```click
    /// tun :: KernelTun(10.98.0.1/24, DEVNAME vtun0);
    /// tun -> IPClassifier(icmp type echo) -> ICMPPingResponder -> tun;
    /// ```
    pub struct KernelTun {
        inner: KernelTap,
    }
}

impl Default for KernelTun {
    fn default() -> Self {
        KernelTun { inner: KernelTap::tun() }
    }
}

impl Element for KernelTun {
    fn class_name(&self) -> &'static str {
        "KernelTun"
    }

    fn port_count(&self) -> &'static str {
        self.inner.port_count()
    }

    fn processing(&self) -> &'static str {
        self.inner.processing()
    }

    fn flow_code(&self) -> &'static str {
        self.inner.flow_code()
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.inner.configure(args)
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        self.inner.initialize(cx)
    }

    fn push(&mut self, cx: &mut Context<'_>, port: usize, batch: &mut Batch) {
        self.inner.push(cx, port, batch)
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        self.inner.run_task(cx)
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        self.inner.handlers()
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        self.inner.read_handler(name)
    }
}
