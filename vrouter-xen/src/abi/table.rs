//! The layout table that `vrouter xen abi` prints and `tests/abi_layout.rs` checks against C.

use super::*;
use std::fmt::Write as _;
use std::mem::offset_of;

/// Sizes and field offsets of the ABI types, one per line, named as in C:
/// `sizeof(TYPE) N`, `offsetof(TYPE,FIELD) N`, and `__CONST_RING_SIZE(netif_tx,4096) N`.
pub fn abi_table() -> String {
    let mut rows: Vec<(String, usize)> = Vec::new();
    let mut size = |name: &str, n: usize| rows.push((format!("sizeof({name})"), n));
    size("netif_tx_request_t", size_of::<NetifTxRequest>());
    size("netif_tx_response_t", size_of::<NetifTxResponse>());
    size("netif_rx_request_t", size_of::<NetifRxRequest>());
    size("netif_rx_response_t", size_of::<NetifRxResponse>());
    size("netif_extra_info_t", size_of::<NetifExtraInfo>());
    size("union netif_tx_sring_entry", size_of::<NetifTxSringEntry>());
    size("union netif_rx_sring_entry", size_of::<NetifRxSringEntry>());
    size("netif_tx_sring_t", size_of::<NetifTxSring>());
    size("netif_rx_sring_t", size_of::<NetifRxSring>());
    size("grant_entry_v1_t", size_of::<GrantEntryV1>());
    size("gnttab_copy_t", size_of::<GnttabCopy>());
    size("struct gnttab_copy_ptr", size_of::<GnttabCopyPtr>());
    size("grant_ref_t", size_of::<GrantRef>());
    size("domid_t", size_of::<DomId>());
    size("RING_IDX", size_of::<RingIdx>());
    size("XenbusState", size_of::<XenbusState>());

    let mut off = |ty: &str, field: &str, n: usize| rows.push((format!("offsetof({ty},{field})"), n));
    off("netif_tx_request_t", "gref", offset_of!(NetifTxRequest, gref));
    off("netif_tx_request_t", "offset", offset_of!(NetifTxRequest, offset));
    off("netif_tx_request_t", "flags", offset_of!(NetifTxRequest, flags));
    off("netif_tx_request_t", "id", offset_of!(NetifTxRequest, id));
    off("netif_tx_request_t", "size", offset_of!(NetifTxRequest, size));
    off("netif_tx_response_t", "id", offset_of!(NetifTxResponse, id));
    off("netif_tx_response_t", "status", offset_of!(NetifTxResponse, status));
    off("netif_rx_request_t", "id", offset_of!(NetifRxRequest, id));
    off("netif_rx_request_t", "pad", offset_of!(NetifRxRequest, pad));
    off("netif_rx_request_t", "gref", offset_of!(NetifRxRequest, gref));
    off("netif_rx_response_t", "id", offset_of!(NetifRxResponse, id));
    off("netif_rx_response_t", "offset", offset_of!(NetifRxResponse, offset));
    off("netif_rx_response_t", "flags", offset_of!(NetifRxResponse, flags));
    off("netif_rx_response_t", "status", offset_of!(NetifRxResponse, status));
    let u = offset_of!(NetifExtraInfo, u);
    off("netif_extra_info_t", "type", offset_of!(NetifExtraInfo, ty));
    off("netif_extra_info_t", "flags", offset_of!(NetifExtraInfo, flags));
    off("netif_extra_info_t", "u", u);
    off("netif_extra_info_t", "u.gso.size", u + offset_of!(NetifExtraGso, size));
    off("netif_extra_info_t", "u.gso.type", u + offset_of!(NetifExtraGso, ty));
    off("netif_extra_info_t", "u.gso.pad", u + offset_of!(NetifExtraGso, pad));
    off("netif_extra_info_t", "u.gso.features", u + offset_of!(NetifExtraGso, features));
    off("netif_extra_info_t", "u.mcast.addr", u + offset_of!(NetifExtraMcast, addr));
    off("netif_extra_info_t", "u.hash.type", u + offset_of!(NetifExtraHash, ty));
    off("netif_extra_info_t", "u.hash.algorithm", u + offset_of!(NetifExtraHash, algorithm));
    off("netif_extra_info_t", "u.hash.value", u + offset_of!(NetifExtraHash, value));
    off("netif_extra_info_t", "u.pad", u + offset_of!(NetifExtraInfoU, pad));
    for (ty, pad) in
        [("netif_tx_sring_t", offset_of!(NetifTxSring, pad)), ("netif_rx_sring_t", offset_of!(NetifRxSring, pad))]
    {
        // Both instantiations share the header layout; the entry offset is checked per type.
        off(ty, "req_prod", offset_of!(NetifTxSring, req_prod));
        off(ty, "req_event", offset_of!(NetifTxSring, req_event));
        off(ty, "rsp_prod", offset_of!(NetifTxSring, rsp_prod));
        off(ty, "rsp_event", offset_of!(NetifTxSring, rsp_event));
        off(ty, "pvt", offset_of!(NetifTxSring, pvt));
        off(ty, "__pad", pad);
    }
    off("netif_tx_sring_t", "ring", offset_of!(NetifTxSring, ring));
    off("netif_rx_sring_t", "ring", offset_of!(NetifRxSring, ring));
    off("grant_entry_v1_t", "flags", offset_of!(GrantEntryV1, flags));
    off("grant_entry_v1_t", "domid", offset_of!(GrantEntryV1, domid));
    off("grant_entry_v1_t", "frame", offset_of!(GrantEntryV1, frame));
    off("gnttab_copy_t", "source", offset_of!(GnttabCopy, source));
    off("gnttab_copy_t", "source.u.ref", offset_of!(GnttabCopy, source));
    off("gnttab_copy_t", "source.domid", offset_of!(GnttabCopy, source) + offset_of!(GnttabCopyPtr, domid));
    off("gnttab_copy_t", "source.offset", offset_of!(GnttabCopy, source) + offset_of!(GnttabCopyPtr, offset));
    off("gnttab_copy_t", "dest", offset_of!(GnttabCopy, dest));
    off("gnttab_copy_t", "dest.u.gmfn", offset_of!(GnttabCopy, dest) + offset_of!(GnttabCopyPtr, u));
    off("gnttab_copy_t", "dest.domid", offset_of!(GnttabCopy, dest) + offset_of!(GnttabCopyPtr, domid));
    off("gnttab_copy_t", "dest.offset", offset_of!(GnttabCopy, dest) + offset_of!(GnttabCopyPtr, offset));
    off("gnttab_copy_t", "len", offset_of!(GnttabCopy, len));
    off("gnttab_copy_t", "flags", offset_of!(GnttabCopy, flags));
    off("gnttab_copy_t", "status", offset_of!(GnttabCopy, status));

    rows.push(("__CONST_RING_SIZE(netif_tx,4096)".into(), NET_TX_RING_SIZE));
    rows.push(("__CONST_RING_SIZE(netif_rx,4096)".into(), NET_RX_RING_SIZE));

    let mut out = String::new();
    for (k, v) in rows {
        let _ = writeln!(out, "{k} {v}");
    }
    out
}

/// The values of the ABI's constants, under their C names.
pub fn abi_constants() -> Vec<(&'static str, i64)> {
    macro_rules! c {
        ($($c:literal => $v:expr),* $(,)?) => { vec![$(($c, i64::from($v))),*] };
    }
    c! {
        "XEN_NETIF_NR_SLOTS_MIN" => XEN_NETIF_NR_SLOTS_MIN,
        "XEN_NETIF_MAX_TX_SIZE" => XEN_NETIF_MAX_TX_SIZE,
        "NETTXF_csum_blank" => NETTXF_CSUM_BLANK,
        "NETTXF_data_validated" => NETTXF_DATA_VALIDATED,
        "NETTXF_more_data" => NETTXF_MORE_DATA,
        "NETTXF_extra_info" => NETTXF_EXTRA_INFO,
        "NETRXF_data_validated" => NETRXF_DATA_VALIDATED,
        "NETRXF_csum_blank" => NETRXF_CSUM_BLANK,
        "NETRXF_more_data" => NETRXF_MORE_DATA,
        "NETRXF_extra_info" => NETRXF_EXTRA_INFO,
        "NETRXF_gso_prefix" => NETRXF_GSO_PREFIX,
        "NETIF_RSP_DROPPED" => NETIF_RSP_DROPPED,
        "NETIF_RSP_ERROR" => NETIF_RSP_ERROR,
        "NETIF_RSP_OKAY" => NETIF_RSP_OKAY,
        "NETIF_RSP_NULL" => NETIF_RSP_NULL,
        "XEN_NETIF_EXTRA_TYPE_NONE" => XEN_NETIF_EXTRA_TYPE_NONE,
        "XEN_NETIF_EXTRA_TYPE_GSO" => XEN_NETIF_EXTRA_TYPE_GSO,
        "XEN_NETIF_EXTRA_TYPE_MCAST_ADD" => XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
        "XEN_NETIF_EXTRA_TYPE_MCAST_DEL" => XEN_NETIF_EXTRA_TYPE_MCAST_DEL,
        "XEN_NETIF_EXTRA_TYPE_HASH" => XEN_NETIF_EXTRA_TYPE_HASH,
        "XEN_NETIF_EXTRA_TYPE_MAX" => XEN_NETIF_EXTRA_TYPE_MAX,
        "XEN_NETIF_EXTRA_FLAG_MORE" => XEN_NETIF_EXTRA_FLAG_MORE,
        "XEN_NETIF_GSO_TYPE_NONE" => XEN_NETIF_GSO_TYPE_NONE,
        "XEN_NETIF_GSO_TYPE_TCPV4" => XEN_NETIF_GSO_TYPE_TCPV4,
        "XEN_NETIF_GSO_TYPE_TCPV6" => XEN_NETIF_GSO_TYPE_TCPV6,
        "GTF_invalid" => GTF_INVALID,
        "GTF_permit_access" => GTF_PERMIT_ACCESS,
        "GTF_accept_transfer" => GTF_ACCEPT_TRANSFER,
        "GTF_transitive" => GTF_TRANSITIVE,
        "GTF_type_mask" => GTF_TYPE_MASK,
        "GTF_readonly" => GTF_READONLY,
        "GTF_reading" => GTF_READING,
        "GTF_writing" => GTF_WRITING,
        "GTF_PWT" => GTF_PWT,
        "GTF_PCD" => GTF_PCD,
        "GTF_PAT" => GTF_PAT,
        "GTF_sub_page" => GTF_SUB_PAGE,
        "GTF_transfer_committed" => GTF_TRANSFER_COMMITTED,
        "GTF_transfer_completed" => GTF_TRANSFER_COMPLETED,
        "GNTCOPY_source_gref" => GNTCOPY_SOURCE_GREF,
        "GNTCOPY_dest_gref" => GNTCOPY_DEST_GREF,
        "GNTTAB_NR_RESERVED_ENTRIES" => GNTTAB_NR_RESERVED_ENTRIES,
        "GNTST_okay" => GNTST_OKAY,
        "GNTST_general_error" => GNTST_GENERAL_ERROR,
        "GNTST_bad_domain" => GNTST_BAD_DOMAIN,
        "GNTST_bad_gntref" => GNTST_BAD_GNTREF,
        "GNTST_bad_handle" => GNTST_BAD_HANDLE,
        "GNTST_bad_virt_addr" => GNTST_BAD_VIRT_ADDR,
        "GNTST_bad_dev_addr" => GNTST_BAD_DEV_ADDR,
        "GNTST_no_device_space" => GNTST_NO_DEVICE_SPACE,
        "GNTST_permission_denied" => GNTST_PERMISSION_DENIED,
        "GNTST_bad_page" => GNTST_BAD_PAGE,
        "GNTST_bad_copy_arg" => GNTST_BAD_COPY_ARG,
        "GNTST_address_too_big" => GNTST_ADDRESS_TOO_BIG,
        "GNTST_eagain" => GNTST_EAGAIN,
        "GNTST_no_space" => GNTST_NO_SPACE,
        "DOMID_SELF" => DOMID_SELF,
        "XenbusStateUnknown" => XenbusState::Unknown as u32,
        "XenbusStateInitialising" => XenbusState::Initialising as u32,
        "XenbusStateInitWait" => XenbusState::InitWait as u32,
        "XenbusStateInitialised" => XenbusState::Initialised as u32,
        "XenbusStateConnected" => XenbusState::Connected as u32,
        "XenbusStateClosing" => XenbusState::Closing as u32,
        "XenbusStateClosed" => XenbusState::Closed as u32,
        "XenbusStateReconfiguring" => XenbusState::Reconfiguring as u32,
        "XenbusStateReconfigured" => XenbusState::Reconfigured as u32,
    }
}
