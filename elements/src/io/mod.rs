//! Packet I/O: pcap files, Linux network devices (AF_PACKET), TUN/TAP devices, and, with the
//! cargo feature `af_xdp`, AF_XDP sockets; and ControlSocket, handler calls from other programs.

pub mod bpf;
mod control_socket;
mod from_device;
mod from_dump;
mod from_host;
#[cfg(feature = "af_xdp")]
mod from_xdp_device;
mod kernel_tap;
mod kernel_tun;
pub mod offload;
pub mod ring;
pub mod sys;
mod tap_common;
mod to_device;
mod to_dump;
mod to_host;
#[cfg(feature = "af_xdp")]
mod to_xdp_device;
#[cfg(feature = "af_xdp")]
pub mod xdp;

pub use control_socket::ControlSocket;
pub use from_device::FromDevice;
pub use from_dump::FromDump;
pub use from_host::FromHost;
pub use kernel_tap::KernelTap;
pub use kernel_tun::KernelTun;
pub use to_device::ToDevice;
pub use to_dump::ToDump;
pub use to_host::ToHost;
#[cfg(feature = "af_xdp")]
pub use {from_xdp_device::FromXDPDevice, to_xdp_device::ToXDPDevice};

use click_core::{ElementClass, Registry};

/// Registers this family's classes.
pub fn register(r: &mut Registry) {
    r.register(ElementClass { name: "FromDump", make: || Box::new(FromDump::default()), doc: FromDump::DOC });
    r.register(ElementClass { name: "ToDump", make: || Box::new(ToDump::default()), doc: ToDump::DOC });
    r.register(ElementClass { name: "FromDevice", make: || Box::new(FromDevice::default()), doc: FromDevice::DOC });
    r.register(ElementClass { name: "ToDevice", make: || Box::new(ToDevice::default()), doc: ToDevice::DOC });
    r.register(ElementClass { name: "KernelTap", make: || Box::new(KernelTap::default()), doc: KernelTap::DOC });
    r.register(ElementClass { name: "KernelTun", make: || Box::new(KernelTun::default()), doc: KernelTun::DOC });
    r.register(ElementClass { name: "FromHost", make: || Box::new(FromHost::default()), doc: FromHost::DOC });
    r.register(ElementClass { name: "ToHost", make: || Box::new(ToHost::default()), doc: ToHost::DOC });
    r.register(ElementClass {
        name: "ControlSocket",
        make: || Box::new(ControlSocket::default()),
        doc: ControlSocket::DOC,
    });
    #[cfg(feature = "af_xdp")]
    {
        r.register(ElementClass {
            name: "FromXDPDevice",
            make: || Box::new(FromXDPDevice::default()),
            doc: FromXDPDevice::DOC,
        });
        r.register(ElementClass {
            name: "ToXDPDevice",
            make: || Box::new(ToXDPDevice::default()),
            doc: ToXDPDevice::DOC,
        });
    }
}

/// pcap link types we understand.
pub(crate) mod linktype {
    /// Ethernet.
    pub const ETHERNET: u32 = 1;
    /// Raw IP (LINKTYPE_RAW).
    pub const RAW: u32 = 101;
    /// Raw IP as some systems number it (DLT_RAW).
    pub const RAW_ALT: u32 = 12;
    /// Raw IPv4.
    pub const IPV4: u32 = 228;
}
