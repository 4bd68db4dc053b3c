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

#[test]
fn the_host_serves_every_domains_handlers_on_its_control_socket() {
    let root = env!("CARGO_MANIFEST_DIR");
    let sock = std::env::temp_dir().join(format!("vrouter-host-control-{}.sock", std::process::id()));
    let mut host = Command::new(env!("CARGO_BIN_EXE_vrouter"))
        .args(["host", &format!("{root}/examples/two-vnets/host.toml"), "--seconds", "30", "--control"])
        .arg(&sock)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ctl = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_vrouter")).arg("control").arg(&sock).args(args).output().unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // Wait for the socket, then for frames through the plain network's router.
    let t0 = std::time::Instant::now();
    let count = loop {
        let (ok, out, _) = ctl(&["read", "plain/c.count"]);
        if ok && out.trim().parse::<u64>().is_ok_and(|n| n > 100) {
            break out.trim().parse::<u64>().unwrap();
        }
        assert!(t0.elapsed().as_secs() < 20, "plain/c.count never grew: {out}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(count > 100);
    // The other domain's router, a write into it, and the physical side's router.
    let (ok, out, err) = ctl(&["read", "qos/list"]);
    assert!(ok && out.contains("\nps\n"), "{out}{err}");
    assert!(ctl(&["write", "qos/lo.capacity", "64"]).0);
    assert_eq!(ctl(&["read", "qos/lo.capacity"]).1, "64\n");
    let (ok, out, _) = ctl(&["read", "list"]);
    assert!(ok && out.contains("\ndemux\n"), "{out}");
    let (ok, _, err) = ctl(&["read", "nosuch/c.count"]);
    assert!(!ok && err.contains("510 No element named 'nosuch'"), "{err}");
    let (ok, _, err) = ctl(&["read", "plain/nosuch.count"]);
    assert!(!ok && err.contains("510"), "{err}");
    // Interrupted, the host stops its domains and removes its sockets.
    Command::new("kill").args(["-INT", &host.id().to_string()]).status().unwrap();
    assert!(host.wait().unwrap().success());
    assert!(!sock.exists());
}
