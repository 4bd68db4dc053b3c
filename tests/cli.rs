//! The `vrouter` command as users call it.

use std::process::{Command, Output};

fn vrouter(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vrouter")).args(args).output().expect("vrouter runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn run_prints_handlers_like_click() {
    let o = vrouter(&[
        "run",
        "-e",
        "src :: InfiniteSource(LIMIT $N, STOP true) -> c :: Counter -> Discard;",
        "N=5",
        "-h",
        "c.count",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "5\n", "one handler: the value alone");
    let o = vrouter(&[
        "run",
        "-e",
        "src :: InfiniteSource(LIMIT 3, STOP true) -> c :: Counter -> Discard;",
        "-h",
        "c.count",
        "-h",
        "src.count",
    ]);
    assert_eq!(stdout(&o), "c.count:\n3\n\nsrc.count:\n3\n\n", "several: name, value, blank line");
    let o = vrouter(&[
        "run",
        "-e",
        "a :: InfiniteSource(LIMIT 2, STOP true) -> x :: Counter -> y :: Counter -> Discard;",
        "-h",
        "Counter.count",
    ]);
    assert_eq!(stdout(&o), "x.count:\n2\n\ny.count:\n2\n\n", "a class name selects its elements");
}

#[test]
fn run_reads_files_and_writes_the_flat_configuration() {
    let dir = std::env::temp_dir().join(format!("vrouter-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("r.click");
    std::fs::write(&conf, "elementclass Twice { input -> Counter -> Counter -> output }\nInfiniteSource(LIMIT 4, STOP true) -> t :: Twice -> Discard;\n").unwrap();
    let flat = dir.join("flat.click");
    let o = vrouter(&["run", conf.to_str().unwrap(), "-o", flat.to_str().unwrap(), "-h", "t/Counter@1.count", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "0\n", "-q sets up without running");
    let text = std::fs::read_to_string(&flat).unwrap();
    assert!(text.contains("t/Counter@1 :: Counter"), "{text}");
    // The flat form runs too.
    let o = vrouter(&["run", flat.to_str().unwrap(), "-h", "t/Counter@2.count"]);
    assert_eq!(stdout(&o), "4\n", "{}", stderr(&o));
    // The router's `config` and `flatconfig` handlers (made when read) give the text and the
    // flat form.
    let o = vrouter(&["run", conf.to_str().unwrap(), "-q", "-h", "config", "-h", "flatconfig"]);
    let original = std::fs::read_to_string(&conf).unwrap();
    assert_eq!(stdout(&o), format!("config:\n{original}\nflatconfig:\n{text}\n"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn check_reports_errors_with_locations_and_exit_status() {
    let o = vrouter(&["check", "-e", "InfiniteSource -> Counter -> Discard;"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = vrouter(&["check", "-e", "s :: InfiniteSource -> Countr -> Discard;\nq :: Queue -> d :: Discard;"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("config:1:24: error: unknown element class 'Countr'"), "{e}");
    assert!(e.contains("hint: did you mean 'Counter'?"), "{e}");
    assert!(e.contains("config:2:1: error: 'q' input 0 unused"), "{e}");
    let o = vrouter(&["check", "-e", "InfiniteSource -> q :: Queue -> Tee -> Discard;"]);
    assert!(stderr(&o).contains("'q' pull output 0 connected to 'Tee@3' push input 0"), "{}", stderr(&o));
    let o = vrouter(&["check", "-e", "a :: Counter(; b"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("config:1:"), "{}", stderr(&o));
}

#[test]
fn flatten_is_idempotent_and_dot_draws_ports() {
    let conf = "elementclass C { input -> Counter -> output } s :: InfiniteSource -> C -> q :: Queue -> u :: Unqueue -> Discard;";
    let once = vrouter(&["flatten", "-e", conf]);
    assert!(once.status.success(), "{}", stderr(&once));
    let twice = vrouter(&["flatten", "-e", &stdout(&once)]);
    assert_eq!(stdout(&once), stdout(&twice));
    let dot = vrouter(&["dot", "-e", conf]);
    let d = stdout(&dot);
    assert!(d.starts_with("digraph"), "{d}");
    assert!(d.contains("cluster"), "compounds are clusters: {d}");
}

#[test]
fn elements_and_xen_abi() {
    let o = vrouter(&["elements", "--brief"]);
    assert!(stdout(&o).contains("RadixIPLookup"));
    let o = vrouter(&["elements", "Queue"]);
    assert!(stdout(&o).contains("# Synopsis"));
    let o = vrouter(&["elements", "Queu"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("did you mean 'Queue'?"));
    let o = vrouter(&["xen", "abi"]);
    assert!(stdout(&o).contains("sizeof(netif_tx_request_t) 12\n"));
    assert!(stdout(&o).contains("__CONST_RING_SIZE(netif_tx,4096) 256\n"));
}

#[test]
fn closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_vrouter"))
        .args(["elements"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little, then close the pipe, as `| head` does.
    let mut first = [0u8; 16];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Waits until `path` exists (a server's socket), at most five seconds.
fn wait_for(path: &std::path::Path) {
    let t0 = std::time::Instant::now();
    while !path.exists() {
        assert!(t0.elapsed() < std::time::Duration::from_secs(5), "{} never appeared", path.display());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn control_socket_serves_handlers_to_vrouter_control() {
    let dir = std::env::temp_dir().join(format!("vrouter-cli-control-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sock = dir.join("router.sock");
    let config = format!(
        "ControlSocket(unix, {}); ControlSocket(TCP, 41930+, LOCALHOST true, READONLY true);\n\
         RatedSource(RATE 1000) -> c :: Counter -> q :: Queue(50) -> Unqueue -> Discard;",
        sock.display()
    );
    let mut router = Command::new(env!("CARGO_BIN_EXE_vrouter")).args(["run", "-e", &config]).spawn().unwrap();
    wait_for(&sock);
    let s = sock.to_str().unwrap();
    let ctl = |args: &[&str]| {
        let mut all = vec!["control", s];
        all.extend_from_slice(args);
        vrouter(&all)
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    let o = ctl(&["read", "c.count"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).trim().parse::<u64>().unwrap() > 0, "{}", stdout(&o));
    assert!(ctl(&["write", "q.capacity", "7"]).status.success());
    assert_eq!(stdout(&ctl(&["read", "q.capacity"])), "7\n");
    assert!(stdout(&ctl(&["read", "list"])).contains("\nc\n"));
    assert!(ctl(&["check", "c.reset", "--write"]).status.success());
    let o = ctl(&["write", "c.count", "3"]);
    assert_eq!((o.status.code(), stderr(&o).contains("530 Handler 'c.count' read-only")), (Some(1), true));
    let o = ctl(&["read", "nosuch.count"]);
    assert!(stderr(&o).contains("510 No element named 'nosuch'"), "{}", stderr(&o));
    // The TCP socket found a free port from 41930 on, and refuses writes.
    let port = stdout(&ctl(&["read", "ControlSocket@2.port"])).trim().to_string();
    let o = vrouter(&["control", &port, "read", "c.count"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = vrouter(&["control", &port, "write", "c.reset"]);
    assert!(stderr(&o).contains("530 Permission denied"), "{}", stderr(&o));
    router.kill().unwrap();
    router.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn to_dump_writes_standard_output_for_a_dash() {
    let o = vrouter(&["run", "-e", "InfiniteSource(LIMIT 2, STOP true) -> ToDump(-, NANO false);"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A microsecond pcap header, then two records of Click's 69-byte default packet.
    assert_eq!(&o.stdout[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
    assert_eq!(o.stdout.len(), 24 + 2 * (16 + 69));
}
