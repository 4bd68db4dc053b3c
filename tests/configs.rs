//! Click configurations, as users write them, through the whole stack: config-lang, the
//! element library and the runtime.

use std::path::{Path, PathBuf};

use vrouter::core::config_lang;
use vrouter::core::{Router, RouterBuilder, RunOptions};

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("shared").join(rel)
}

fn build(text: &str, file: &str, vars: &[(&str, &str)]) -> Result<Router, String> {
    let vars: Vec<(String, String)> = vars.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    let compiled =
        config_lang::compile(text, file, &vars).map_err(|d| config_lang::render_diagnostics(&d, &[(file, text)]))?;
    let registry = vrouter::elements::standard_registry();
    Router::from_flat(&compiled.graph, &registry).map_err(|e| e.to_string())
}

fn handler(r: &Router, name: &str) -> u64 {
    r.read_handler(name).unwrap_or_else(|e| panic!("{name}: {e}")).trim().parse().unwrap()
}

/// Every element of class `class`, by name.
fn of_class(r: &Router, class: &str) -> Vec<String> {
    r.element_names()
        .iter()
        .filter(|n| r.read_handler(&format!("{n}.class")).as_deref() == Ok(class))
        .cloned()
        .collect()
}

#[test]
fn corpus_check_reports_only_missing_classes_once_each() {
    let registry = vrouter::elements::standard_registry();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut dirs = vec![shared("corpus/click-conf")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "click") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() > 50);
    let mut clean = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.display().to_string();
        let Ok(compiled) = config_lang::compile(&text, &name, &[]) else {
            // grid.click is an m4 template that Click itself cannot parse (config-lang's corpus test).
            assert!(name.ends_with("grid.click"), "{name} does not compile");
            continue;
        };
        match RouterBuilder::from_flat(&compiled.graph, &registry).check() {
            Ok(_) => clean += 1,
            Err(errors) => {
                let mut seen = std::collections::HashSet::new();
                for e in &errors.0 {
                    // A configuration may fail only because classes are missing; the other
                    // errors it shows must come from elements whose class is unknown.
                    if let Some(class) = e.message.strip_prefix("unknown element class '") {
                        assert!(seen.insert(class.to_string()), "{name}: {} reported twice", e.message);
                        assert!(e.location.is_some(), "{name}: {} has no location", e.message);
                    }
                }
                // fromhost-tunnel.click was written for Click's Linux kernel module: ToHost with no
                // device, and the Ethernet address of a real `eth1`. Here it fails on those.
                if name.ends_with("fromhost-tunnel.click") {
                    assert!(
                        errors.0.iter().all(|e| e.message.contains("ToHost") || e.message.contains("eth1")),
                        "{errors}"
                    );
                    continue;
                }
                assert!(!seen.is_empty(), "{name}: fails without any unknown class:\n{errors}");
            }
        }
    }
    assert!(clean >= 3, "only {clean} corpus configurations check clean");
}

#[test]
fn fake_iprouter_runs_unchanged_and_forwards() {
    let path = shared("corpus/click-conf/fake-iprouter.click");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut r = build(&text, "fake-iprouter.click", &[]).unwrap();
    r.run();
    let sources = of_class(&r, "InfiniteSource");
    assert_eq!(sources.len(), 1);
    assert_eq!(handler(&r, &format!("{}.count", sources[0])), 600_000);
    // Every packet goes eth1 -> IP -> route 0/0 -> out0: forwarded or held in out0.
    let discards = of_class(&r, "Discard");
    let delivered: u64 = discards.iter().map(|d| handler(&r, &format!("{d}.count"))).sum();
    let held = handler(&r, "out0.length") + handler(&r, "out0.drops");
    assert_eq!(delivered + held, 600_000);
    assert!(delivered > 500_000, "{delivered} forwarded");
    assert_eq!(handler(&r, "out1.length") + handler(&r, "out1.drops"), 0);
    assert_eq!(handler(&r, "tol.count"), 0);
    for dt in ["dt1", "dt2"] {
        assert_eq!(handler(&r, &format!("{dt}.drops")), 0);
    }
}

#[test]
fn bench_fake_iprouter_with_its_driver_manager() {
    let text = std::fs::read_to_string(shared("bench/f_fakeiprouter.click")).unwrap();
    let mut r = build(&text, "f_fakeiprouter.click", &[("N", "20000")]).unwrap();
    r.run();
    assert_eq!(handler(&r, "counter0.count") + handler(&r, "out0.drops") + handler(&r, "out0.length"), 20_000);
}

#[test]
fn every_element_example_checks() {
    let registry = vrouter::elements::standard_registry();
    for class in registry.classes() {
        let Some(start) = class.doc.find("```click") else { panic!("{} has no example", class.name) };
        let body = &class.doc[start + 8..];
        let example: String = body[..body.find("```").unwrap()]
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        // Examples may name files relative to the repository.
        let example =
            example.replace("../shared/", &format!("{}/", shared("").display().to_string().trim_end_matches('/')));
        let compiled = config_lang::compile(&example, class.name, &[]).unwrap_or_else(|d| {
            panic!("{} example:\n{}", class.name, config_lang::render_diagnostics(&d, &[(class.name, &example)]))
        });
        if let Err(e) = RouterBuilder::from_flat(&compiled.graph, &registry).check() {
            panic!("{} example does not check:\n{e}\n{example}", class.name);
        }
    }
}

#[test]
fn readme_example_runs() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("```click").expect("README shows a configuration") + 8;
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    let mut r = build(example, "README.md", &[]).unwrap();
    r.run();
    assert_eq!(handler(&r, "c.count"), 1_000_000);
}

#[test]
fn ip_router_with_arp_on_a_real_capture() {
    // ntp.pcap holds NTP over UDP between two hosts. The router answers ARP for its own
    // address, resolves next hops with ARPQuerier (a responder stands in for the neighbour)
    // and writes every output with ToDump.
    let dir = std::env::temp_dir().join(format!("vrouter-arp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = |n: &str| dir.join(n).display().to_string();
    let config = format!(
        r#"
        AddressInfo(me 10.9.9.1/24 02:00:00:00:00:01, nbr 10.9.9.2 02:00:00:00:00:02);
        src :: FromDump({pcap}, STOP true);
        c :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
        aq :: ARPQuerier(me);
        src -> c;
        c[0] -> ar :: ARPResponder(me) -> ToDump({arp});
        c[1] -> [1]aq;
        c[2] -> Strip(14) -> chk :: CheckIPHeader -> rt :: RadixIPLookup(0.0.0.0/0 10.9.9.2 0);
        c[3] -> other :: Counter -> Discard;
        rt[0] -> dec :: DecIPTTL -> aq -> t :: Tee;
        t[0] -> fwd :: ToDump({fwd});
        t[1] -> arpc :: Classifier(12/0806, -);
        arpc[0] -> nbr :: ARPResponder(nbr) -> [1]aq;
        arpc[1] -> Discard;
        dec[1] -> ICMPError(me, timeexceeded) -> ToDump({icmp});
        chk[1] -> bad :: Counter -> Discard;
        "#,
        pcap = shared("corpus/pcap/ntp.pcap").display(),
        arp = out("arp.pcap"),
        fwd = out("fwd.pcap"),
        icmp = out("icmp.pcap"),
    );
    let mut r = build(&config, "arp-router.click", &[]).unwrap();
    r.run_with(RunOptions { stop_when_idle: true });
    assert_eq!(handler(&r, "src.count"), 12);
    assert_eq!(handler(&r, "bad.count"), 0);
    assert_eq!(handler(&r, "aq.queries"), 1, "one query resolves the gateway");
    assert_eq!(handler(&r, "aq.responses"), 1);
    // Every IP packet was forwarded (plus the one ARP query that went out through the Tee).
    let ip_packets = 12 - handler(&r, "other.count");
    assert_eq!(handler(&r, "fwd.count"), ip_packets + 1);
    drop(r);

    // Read the forwarded frames back: Ethernet to the neighbour, TTL one less, valid checksum.
    let original = std::fs::read(shared("corpus/pcap/ntp.pcap")).unwrap();
    let forwarded = std::fs::read(out("fwd.pcap")).unwrap();
    // First forwarded record after the ARP query: compare with the first original packet.
    let rec = |b: &[u8], i: usize| -> Vec<u8> {
        let big = b[0] == 0xa1;
        let mut off = 24;
        for _ in 0..i {
            let cl = if big {
                u32::from_be_bytes(b[off + 8..off + 12].try_into().unwrap())
            } else {
                u32::from_le_bytes(b[off + 8..off + 12].try_into().unwrap())
            };
            off += 16 + cl as usize;
        }
        let cl = if big {
            u32::from_be_bytes(b[off + 8..off + 12].try_into().unwrap())
        } else {
            u32::from_le_bytes(b[off + 8..off + 12].try_into().unwrap())
        };
        b[off + 16..off + 16 + cl as usize].to_vec()
    };
    let orig0 = rec(&original, 0);
    let fwd = (0..3).map(|i| rec(&forwarded, i)).find(|f| f[12..14] == [0x08, 0x00]).expect("an IP frame");
    assert_eq!(&fwd[0..6], &[2, 0, 0, 0, 0, 2], "to the neighbour's address, learned by ARP");
    assert_eq!(&fwd[6..12], &[2, 0, 0, 0, 0, 1]);
    assert_eq!(fwd[14 + 8], orig0[14 + 8] - 1, "TTL decremented");
    assert_eq!(&fwd[14 + 12..], &orig0[14 + 12..fwd.len()], "addresses and payload untouched");
    let _ = std::fs::remove_dir_all(dir);
}

/// The scenario of Click's test/ip/iplookups-01: routes added, replaced and removed through
/// handlers while a DriverManager prints lookups; every table must print the same sequence.
#[test]
fn route_table_handlers_behave_like_clicks() {
    let steps = [
        ("add", "18.26/16 1.0.0.1 0", "0 1.0.0.1"),
        ("add", "18.26.0/18 2.0.0.2 1", "1 2.0.0.2"),
        ("add", "18.26.0/17 3.0.0.3 2", "1 2.0.0.2"),
        ("remove", "18.26.0/18 2.0.0.2 1", "2 3.0.0.3"),
        ("remove", "18.26.0/16 1.0.0.1 0", "2 3.0.0.3"),
        ("add", "18.26.0/12 4.0.0.4 0", "2 3.0.0.3"),
        ("remove", "18.26.0/17 3.0.0.3 2", "0 4.0.0.4"),
        ("add", "0.0.0.0/32 99.99.99.99 0", "0 4.0.0.4"),
        ("add", "18.26.4.9/32 5.0.0.5 0", "0 5.0.0.5"),
        ("remove", "18.26.4.9/32 5.0.0.5 0", "0 4.0.0.4"),
        // Adding a route that exists fails and changes nothing.
        ("add", "18.26.0/12 6.0.0.6 0", "0 4.0.0.4"),
        ("set", "18.26.0/12 7.0.0.7 0", "0 7.0.0.7"),
        ("remove", "18.26.0/12 7.0.0.7 0", "-1"),
    ];
    for table in ["RadixIPLookup", "DirectIPLookup", "LinearIPLookup"] {
        let config = format!("i :: Idle -> r :: {table} -> i; r[1] -> i; r[2] -> i;");
        let mut r = build(&config, "lookups.click", &[]).unwrap();
        for (op, arg, want) in steps {
            let result = r.write_handler(&format!("r.{op}"), arg);
            assert_eq!(result.is_err(), arg.contains("6.0.0.6"), "{table} {op} {arg}: {result:?}");
            assert_eq!(r.read_handler("r.lookup 18.26.4.9").unwrap(), want, "{table} after {op} {arg}");
        }
    }
    // StaticIPLookup's routes are fixed: as in Click, it has only `table` and `lookup`.
    let mut r = build("i :: Idle -> r :: StaticIPLookup(18.26/16 1.0.0.1 0) -> i;", "lookups.click", &[]).unwrap();
    assert!(r.write_handler("r.add", "18.26.4.9/32 5.0.0.5 0").is_err());
    assert_eq!(r.read_handler("r.lookup 18.26.4.9").unwrap(), "0 1.0.0.1");
}

#[test]
fn driver_manager_counts_stops_from_other_threads() {
    // Two pipelines on two threads, each source asking to stop when done: the script on
    // thread 0 must see both requests.
    let text = "a :: InfiniteSource(LENGTH 64, LIMIT $N, BURST 32, STOP true) -> ca :: Counter -> Discard;
        b :: InfiniteSource(LENGTH 64, LIMIT $N, BURST 32, STOP true) -> cb :: Counter -> Discard;
        StaticThreadSched(b 1);
        DriverManager(wait_stop 2);";
    let mut r = build(text, "two-pipelines.click", &[("N", "100000")]).unwrap();
    assert_eq!(r.thread_count(), 2);
    r.run();
    assert_eq!(handler(&r, "ca.count"), 100_000);
    assert_eq!(handler(&r, "cb.count"), 100_000);
}

#[test]
fn the_two_pipelines_example_runs_on_two_threads() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/two-pipelines.click")).unwrap();
    let r = build(&text, "two-pipelines.click", &[]).unwrap();
    // Thread 0 keeps the DriverManager; each pipeline has a thread of its own.
    assert_eq!(r.thread_count(), 3);
    assert_eq!(r.thread_of(r.find("a").unwrap()), 1);
    assert_eq!(r.thread_of(r.find("b").unwrap()), 2);
}
