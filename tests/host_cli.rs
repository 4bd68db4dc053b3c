//! `vrouter host` on the two-network example, end to end: the command starts both domains,
//! forwards the embedded traffic through them, prints the table and stops by itself.

use std::process::Command;

#[test]
fn the_two_vnets_example_runs_and_forwards_on_both_networks() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO_BIN_EXE_vrouter"))
        .args(["host", &format!("{root}/examples/two-vnets/host.toml"), "--seconds", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    // The last table: one line per network with frames in and out.
    let last: Vec<&str> = stdout.lines().rev().take(2).collect();
    for name in ["plain", "qos"] {
        let line = last.iter().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name} row in\n{stdout}"));
        let f: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
        let (frames_in, frames_out, restarts) = (f[1], f[2], f[5]);
        assert!(frames_in > 1000 && frames_out > 1000, "{line}");
        assert_eq!(restarts, 0, "{line}");
    }
}

#[test]
fn the_xen_elements_are_registered() {
    for class in ["FromNetfront", "ToNetfront", "Netback", "HypervisorDemux"] {
        let out = Command::new(env!("CARGO_BIN_EXE_vrouter")).args(["elements", class]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("# Synopsis") && text.contains("# Handlers"), "{class}: {text}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_vrouter"))
        .args(["check", "-e", "FromNetfront -> Queue -> ToNetfront;"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
