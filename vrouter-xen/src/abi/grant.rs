//! `xen/grant_table.h`: grant references, grant entries and grant copy.

/// `grant_ref_t`.
pub type GrantRef = u32;
/// `domid_t`.
pub type DomId = u16;
/// `DOMID_SELF`.
pub const DOMID_SELF: DomId = 0x7FF0;

/// `xen_pfn_t` on this architecture.
#[cfg(target_arch = "x86")]
pub type XenPfn = u32;
/// `xen_pfn_t` on this architecture.
#[cfg(not(target_arch = "x86"))]
pub type XenPfn = u64;

/// `GNTTAB_NR_RESERVED_ENTRIES`: grant references a guest leaves to the toolstack.
pub const GNTTAB_NR_RESERVED_ENTRIES: u32 = 8;

/// `GTF_invalid`: the entry grants nothing.
pub const GTF_INVALID: u16 = 0;
/// `GTF_permit_access`: the domain may map and access the frame.
pub const GTF_PERMIT_ACCESS: u16 = 1;
/// `GTF_accept_transfer`.
pub const GTF_ACCEPT_TRANSFER: u16 = 2;
/// `GTF_transitive`.
pub const GTF_TRANSITIVE: u16 = 3;
/// `GTF_type_mask`.
pub const GTF_TYPE_MASK: u16 = 3;
/// `GTF_readonly`: read-only access only.
pub const GTF_READONLY: u16 = 1 << 2;
/// `GTF_reading`: the grant is mapped for reading (set by the hypervisor).
pub const GTF_READING: u16 = 1 << 3;
/// `GTF_writing`: the grant is mapped for writing (set by the hypervisor).
pub const GTF_WRITING: u16 = 1 << 4;
/// `GTF_PWT`.
pub const GTF_PWT: u16 = 1 << 5;
/// `GTF_PCD`.
pub const GTF_PCD: u16 = 1 << 6;
/// `GTF_PAT`.
pub const GTF_PAT: u16 = 1 << 7;
/// `GTF_sub_page`.
pub const GTF_SUB_PAGE: u16 = 1 << 8;
/// `GTF_transfer_committed`.
pub const GTF_TRANSFER_COMMITTED: u16 = 1 << 2;
/// `GTF_transfer_completed`.
pub const GTF_TRANSFER_COMPLETED: u16 = 1 << 3;

/// `GNTCOPY_source_gref`: the source is a grant reference, not a local frame.
pub const GNTCOPY_SOURCE_GREF: u16 = 1 << 0;
/// `GNTCOPY_dest_gref`: the destination is a grant reference, not a local frame.
pub const GNTCOPY_DEST_GREF: u16 = 1 << 1;

/// `GNTST_okay`.
pub const GNTST_OKAY: i16 = 0;
/// `GNTST_general_error`.
pub const GNTST_GENERAL_ERROR: i16 = -1;
/// `GNTST_bad_domain`.
pub const GNTST_BAD_DOMAIN: i16 = -2;
/// `GNTST_bad_gntref`.
pub const GNTST_BAD_GNTREF: i16 = -3;
/// `GNTST_bad_handle`.
pub const GNTST_BAD_HANDLE: i16 = -4;
/// `GNTST_bad_virt_addr`.
pub const GNTST_BAD_VIRT_ADDR: i16 = -5;
/// `GNTST_bad_dev_addr`.
pub const GNTST_BAD_DEV_ADDR: i16 = -6;
/// `GNTST_no_device_space`.
pub const GNTST_NO_DEVICE_SPACE: i16 = -7;
/// `GNTST_permission_denied`.
pub const GNTST_PERMISSION_DENIED: i16 = -8;
/// `GNTST_bad_page`.
pub const GNTST_BAD_PAGE: i16 = -9;
/// `GNTST_bad_copy_arg`: the copy crosses a page boundary.
pub const GNTST_BAD_COPY_ARG: i16 = -10;
/// `GNTST_address_too_big`.
pub const GNTST_ADDRESS_TOO_BIG: i16 = -11;
/// `GNTST_eagain`.
pub const GNTST_EAGAIN: i16 = -12;
/// `GNTST_no_space`.
pub const GNTST_NO_SPACE: i16 = -13;

/// `grant_entry_v1_t`: one entry of a guest's grant table.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GrantEntryV1 {
    /// `GTF_*`.
    pub flags: u16,
    /// The domain being granted access.
    pub domid: DomId,
    /// The frame granted.
    pub frame: u32,
}

impl GrantEntryV1 {
    /// The entry as the 8 bytes of its C layout.
    pub fn to_bytes(&self) -> [u8; 8] {
        let mut b = [0u8; 8];
        b[0..2].copy_from_slice(&self.flags.to_ne_bytes());
        b[2..4].copy_from_slice(&self.domid.to_ne_bytes());
        b[4..8].copy_from_slice(&self.frame.to_ne_bytes());
        b
    }

    /// The entry from the 8 bytes of its C layout.
    pub fn from_bytes(b: [u8; 8]) -> Self {
        GrantEntryV1 {
            flags: u16::from_ne_bytes([b[0], b[1]]),
            domid: u16::from_ne_bytes([b[2], b[3]]),
            frame: u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
        }
    }
}

/// The `u` union of `struct gnttab_copy_ptr`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union GnttabCopyPtrU {
    /// A grant reference (with `GNTCOPY_*_gref`).
    pub gref: GrantRef,
    /// A local frame number (without).
    pub gmfn: XenPfn,
}

/// `struct gnttab_copy_ptr`: one side of a grant copy.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct GnttabCopyPtr {
    /// The grant reference or the frame.
    pub u: GnttabCopyPtrU,
    /// The domain owning the grant.
    pub domid: DomId,
    /// Byte offset in the page.
    pub offset: u16,
}

/// `gnttab_copy_t`: a copy between grants or frames, done by the hypervisor.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct GnttabCopy {
    /// Where to copy from.
    pub source: GnttabCopyPtr,
    /// Where to copy to.
    pub dest: GnttabCopyPtr,
    /// Bytes to copy.
    pub len: u16,
    /// `GNTCOPY_*`.
    pub flags: u16,
    /// `GNTST_*`, written by the hypervisor.
    pub status: i16,
}
