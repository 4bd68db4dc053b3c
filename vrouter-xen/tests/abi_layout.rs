//! Checks `abi_table()` and `abi_constants()` against Xen's real C headers.
//!
//! Needs Xen's public headers (Debian/Ubuntu: `apt-get install libxen-dev`) and a C compiler
//! (`cc`). Without them this test fails; it never passes silently.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const HEADERS: &[&str] = &["xen/xen.h", "xen/grant_table.h", "xen/io/ring.h", "xen/io/netif.h", "xen/io/xenbus.h"];

fn include_dir() -> std::path::PathBuf {
    let dir =
        std::env::var_os("XEN_INCLUDE_DIR").map(Into::into).unwrap_or_else(|| std::path::PathBuf::from("/usr/include"));
    for h in HEADERS {
        assert!(
            dir.join(h).exists(),
            "Xen's public header {} is missing: install libxen-dev (apt-get install -y libxen-dev) \
             or set XEN_INCLUDE_DIR to a directory holding xen/io/netif.h",
            dir.join(h).display()
        );
    }
    dir
}

fn parse(table: &str) -> BTreeMap<String, i64> {
    table
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap_or_else(|| panic!("bad line {l:?}"));
            (k.to_string(), v.parse().unwrap_or_else(|_| panic!("bad value in {l:?}")))
        })
        .collect()
}

/// Builds a C program printing each key of `keys` as C computes it, and runs it.
fn run_c(keys: &[String], consts: &[&str]) -> String {
    let inc = include_dir();
    let mut c = String::from("#include <stddef.h>\n#include <stdint.h>\n#include <stdio.h>\n");
    for h in HEADERS {
        c += &format!("#include <{h}>\n");
    }
    c += "int main(void) {\n";
    for k in keys {
        c += &format!("  printf(\"%s %lld\\n\", \"{k}\", (long long)({k}));\n");
    }
    for k in consts {
        c += &format!("  printf(\"%s %lld\\n\", \"{k}\", (long long)({k}));\n");
    }
    c += "  return 0;\n}\n";
    let dir = std::env::temp_dir().join(format!("vrouter-xen-abi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("abi.c");
    let exe = dir.join("abi");
    std::fs::write(&src, c).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out =
        Command::new(&cc).arg("-std=gnu11").arg("-I").arg(&inc).arg("-o").arg(&exe).arg(&src).output().unwrap_or_else(
            |e| panic!("cannot run the C compiler {cc:?}: {e}; install a C compiler (build-essential)"),
        );
    assert!(out.status.success(), "compiling against Xen's headers failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let run = Command::new(&exe).output().unwrap();
    assert!(run.status.success());
    let _ = std::fs::remove_dir_all(Path::new(&dir));
    String::from_utf8(run.stdout).unwrap()
}

#[test]
fn layout_and_constants_match_xen_headers() {
    let ours = parse(&vrouter_xen::abi_table());
    // The table must cover at least these; a shrinking table would otherwise pass.
    for must in [
        "sizeof(netif_tx_request_t)",
        "sizeof(netif_tx_response_t)",
        "sizeof(netif_rx_request_t)",
        "sizeof(netif_rx_response_t)",
        "sizeof(netif_extra_info_t)",
        "sizeof(netif_tx_sring_t)",
        "sizeof(netif_rx_sring_t)",
        "sizeof(grant_entry_v1_t)",
        "sizeof(gnttab_copy_t)",
        "offsetof(netif_tx_sring_t,ring)",
        "offsetof(netif_tx_sring_t,rsp_event)",
        "offsetof(netif_extra_info_t,u.gso.features)",
        "offsetof(netif_extra_info_t,u.hash.value)",
        "offsetof(gnttab_copy_t,status)",
        "__CONST_RING_SIZE(netif_tx,4096)",
        "__CONST_RING_SIZE(netif_rx,4096)",
    ] {
        assert!(ours.contains_key(must), "abi_table() lacks {must}");
    }
    let consts = vrouter_xen::abi::abi_constants();
    let names: Vec<&str> = consts.iter().map(|(n, _)| *n).collect();
    let keys: Vec<String> = ours.keys().cloned().collect();
    let theirs = parse(&run_c(&keys, &names));
    let mut bad = Vec::new();
    for (k, v) in &ours {
        if theirs.get(k) != Some(v) {
            bad.push(format!("{k}: ours {v}, C {:?}", theirs.get(k)));
        }
    }
    for (n, v) in &consts {
        if theirs.get(*n) != Some(v) {
            bad.push(format!("{n}: ours {v}, C {:?}", theirs.get(*n)));
        }
    }
    assert!(bad.is_empty(), "ABI mismatches:\n{}", bad.join("\n"));
    assert_eq!(ours["__CONST_RING_SIZE(netif_tx,4096)"], 256);
    assert_eq!(ours["__CONST_RING_SIZE(netif_rx,4096)"], 256);
    assert!(consts.len() >= 60);
}

/// With the `xen` feature: the ioctl numbers of the real-Xen platform against Linux's
/// `include/uapi/xen/*.h` as Debian ships them (`/usr/include/xen/sys/`).
#[cfg(feature = "xen")]
#[test]
fn ioctl_numbers_match_linux_headers() {
    use vrouter_xen::xen::ioctl::*;
    let inc = include_dir();
    for h in ["xen/sys/gntalloc.h", "xen/sys/gntdev.h", "xen/sys/evtchn.h"] {
        assert!(inc.join(h).exists(), "{} is missing: install libxen-dev", inc.join(h).display());
    }
    let ours: Vec<(&str, u32)> = vec![
        ("IOCTL_GNTALLOC_ALLOC_GREF", IOCTL_GNTALLOC_ALLOC_GREF),
        ("IOCTL_GNTALLOC_DEALLOC_GREF", IOCTL_GNTALLOC_DEALLOC_GREF),
        ("IOCTL_GNTDEV_MAP_GRANT_REF", IOCTL_GNTDEV_MAP_GRANT_REF),
        ("IOCTL_GNTDEV_UNMAP_GRANT_REF", IOCTL_GNTDEV_UNMAP_GRANT_REF),
        ("IOCTL_GNTDEV_GRANT_COPY", IOCTL_GNTDEV_GRANT_COPY),
        ("IOCTL_EVTCHN_BIND_INTERDOMAIN", IOCTL_EVTCHN_BIND_INTERDOMAIN),
        ("IOCTL_EVTCHN_BIND_UNBOUND_PORT", IOCTL_EVTCHN_BIND_UNBOUND_PORT),
        ("IOCTL_EVTCHN_UNBIND", IOCTL_EVTCHN_UNBIND),
        ("IOCTL_EVTCHN_NOTIFY", IOCTL_EVTCHN_NOTIFY),
        ("IOCTL_EVTCHN_RESET", IOCTL_EVTCHN_RESET),
    ];
    let mut c = String::from("#include <stdio.h>\n#include <stdint.h>\n#include <sys/ioctl.h>\n#include <xen/xen.h>\n");
    c += "#include <xen/sys/gntalloc.h>\n#include <xen/sys/gntdev.h>\n#include <xen/sys/evtchn.h>\nint main(void) {\n";
    for (n, _) in &ours {
        c += &format!("  printf(\"{n} %lu\\n\", (unsigned long)({n}));\n");
    }
    c += "  return 0;\n}\n";
    let dir = std::env::temp_dir().join(format!("vrouter-xen-ioctl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("i.c"), c).unwrap();
    let out = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .arg("-I")
        .arg(&inc)
        .arg("-o")
        .arg(dir.join("i"))
        .arg(dir.join("i.c"))
        .output()
        .expect("a C compiler");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run = Command::new(dir.join("i")).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let theirs = parse(&String::from_utf8(run.stdout).unwrap());
    for (n, v) in ours {
        assert_eq!(theirs.get(n), Some(&i64::from(v)), "{n}");
    }
}
