//! What KernelTap, KernelTun, FromHost and ToHost share: a TUN/TAP device the router
//! creates, its address set-up, and a process-wide table so that a FromHost and a ToHost
//! naming the same device use one descriptor.

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

use click_core::{Batch, Ipv4Prefix, Packet};

use super::sys::{self, DeviceError, TunTap};

/// A device opened by this process: its name, whether it is a TAP, its descriptor.
type OpenDevice = (String, bool, Arc<TunTap>);

/// Devices opened by this process.
static OPEN: Mutex<Vec<OpenDevice>> = Mutex::new(Vec::new());

/// Opens (or finds already opened by another element) the TUN/TAP device `name`.
pub fn open_shared(name: &str, tap: bool) -> Result<Arc<TunTap>, DeviceError> {
    let mut open = OPEN.lock().unwrap_or_else(|e| e.into_inner());
    open.retain(|(_, _, d)| Arc::strong_count(d) > 1);
    if let Some((_, _, d)) = open.iter().find(|(n, t, _)| n == name && *t == tap) {
        return Ok(d.clone());
    }
    let d = Arc::new(TunTap::open(name, tap)?);
    open.push((d.name().to_string(), tap, d.clone()));
    Ok(d)
}

/// Address set-up of a created device.
#[derive(Clone, Debug, Default)]
pub struct DeviceSetup {
    /// Kernel-side address and prefix.
    pub addr: Option<Ipv4Prefix>,
    /// Default route through this host, if any.
    pub gateway: Option<Ipv4Addr>,
    /// Ethernet address (TAP only).
    pub ether: Option<[u8; 6]>,
    /// MTU.
    pub mtu: u32,
}

/// Brings the device up with its addresses.
pub fn configure_device(name: &str, tap: bool, setup: &DeviceSetup) -> Result<(), String> {
    if tap && let Some(mac) = setup.ether {
        sys::set_ether(name, mac).map_err(|e| e.to_string())?;
    }
    sys::set_link(name, true, Some(setup.mtu)).map_err(|e| e.to_string())?;
    if let Some(p) = setup.addr {
        sys::set_ipv4(name, p.addr, p.mask).map_err(|e| e.to_string())?;
    }
    if let Some(gw) = setup.gateway
        && !gw.is_unspecified()
    {
        // Click runs route(8) here too; a routing socket would be a lot of code for one call.
        let status = std::process::Command::new("ip")
            .args(["route", "replace", "default", "via", &gw.to_string(), "dev", name])
            .status()
            .map_err(|e| format!("{name}: cannot run 'ip route': {e}"))?;
        if !status.success() {
            return Err(format!("{name}: 'ip route replace default via {gw}' failed"));
        }
    }
    Ok(())
}

/// Counters and buffers of one device end.
#[derive(Default)]
pub struct TapIo {
    /// The device.
    pub dev: Option<Arc<TunTap>>,
    buf: Vec<u8>,
    /// Packets read.
    pub received: u64,
    /// Packets written.
    pub sent: u64,
    /// Packets dropped (write errors, reads too long).
    pub drops: u64,
    /// Writes that found the kernel's queue full.
    pub overflows: u64,
    /// Whether a read error was reported already.
    reported: bool,
}

impl TapIo {
    /// Reads up to `burst` packets (one `read` each) into `out`; returns how many.
    pub fn recv(&mut self, name: &str, burst: usize, headroom: usize, out: &mut Batch) -> usize {
        let Some(dev) = &self.dev else { return 0 };
        if self.buf.is_empty() {
            self.buf = vec![0; sys::MAX_FRAME];
        }
        let mut n = 0;
        while n < burst {
            match dev.read(&mut self.buf) {
                Ok(len) => {
                    let mut p = Packet::make(headroom, len, 0);
                    p.data_mut().copy_from_slice(&self.buf[..len]);
                    out.push(p);
                    n += 1;
                }
                Err(e) if sys::is_transient(&e) => break,
                Err(e) => {
                    if !self.reported {
                        self.reported = true;
                        click_core::chatter::chatter(&format!("{name}: {}: {e}", dev.name()));
                    }
                    break;
                }
            }
        }
        self.received += n as u64;
        n
    }

    /// Writes one packet; a full queue or an error drops it (counted).
    pub fn send(&mut self, name: &str, p: &Packet, quiet: bool) {
        let Some(dev) = &self.dev else {
            self.drops += 1;
            return;
        };
        match dev.write(p.data()) {
            Ok(_) => self.sent += 1,
            Err(e) => {
                self.drops += 1;
                if sys::is_transient(&e) {
                    self.overflows += 1;
                }
                if !quiet && (self.drops.is_power_of_two()) {
                    click_core::chatter::chatter(&format!("{name}: {}: {e} ({} drops so far)", dev.name(), self.drops));
                }
            }
        }
    }
}
