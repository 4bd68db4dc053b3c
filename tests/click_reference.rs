//! Differential tests against the original Click: `vrouter run` must print, write and report
//! what Click does for the same configuration and input.
//!
//! Each `tests/click_reference/cases/NAME.click` is run in an empty directory as
//! `vrouter run -f NAME.click IN=<tests/click_reference/inputs> ARGS...` (ARGS from its
//! `// args:` line), and its exit status, standard output (Print, IPPrint, `-h` handler
//! values), standard error and every file it writes (ToDump pcaps) are compared with
//! `tests/click_reference/expected/NAME/`. Those expected files are program outputs of the
//! original Click user-level driver (github.com/kohler/click at commit
//! 9197a594b1c314264935106297aff08d97cbe7ee, configured with `--disable-linuxmodule
//! --enable-userlevel --disable-dpdk`, which gives nanosecond timestamps), run by
//! `tests/click_reference/regenerate.py` on the same cases and inputs; Click's "expensive
//! Packet::push" headroom diagnostics are left out of its standard error, and the cases
//! and inputs directories are removed from paths there (configure-time warnings name the
//! file, runtime messages an input).
//!
//! Directives a case may carry on `//` lines:
//! - `// args: ...`: extra command-line arguments (`-h ELEMENT.HANDLER`, `NAME=value`).
//! - `// ignore-pcap-timestamps: why`: record timestamps in pcaps are not compared (packets
//!   made with the current time).
//! - `// ignore-stderr: why`: standard error is not compared.
//! - `// as-expr: why`: the configuration is given as text with `-e` instead of `-f NAME.click`
//!   (messages then name it `config`).
//! - `// mask: [0-9]+\.[0-9]{6}$`: a line's last word, when it is a decimal number (an age
//!   that depends on timing), is replaced by `*` on both sides.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("click_reference")
}

struct Case {
    name: String,
    path: PathBuf,
    args: Vec<String>,
    ignore_stderr: bool,
    ignore_pcap_timestamps: bool,
    mask_ages: bool,
    as_expr: bool,
}

fn load(path: &Path) -> Case {
    let text = std::fs::read_to_string(path).unwrap();
    let mut case = Case {
        name: path.file_stem().unwrap().to_string_lossy().into_owned(),
        path: path.to_path_buf(),
        args: Vec::new(),
        ignore_stderr: false,
        ignore_pcap_timestamps: false,
        mask_ages: false,
        as_expr: false,
    };
    for line in text.lines() {
        if let Some(a) = line.strip_prefix("// args:") {
            case.args.extend(a.split_whitespace().map(str::to_string));
        } else if line.starts_with("// ignore-stderr:") {
            case.ignore_stderr = true;
        } else if line.starts_with("// ignore-pcap-timestamps:") {
            case.ignore_pcap_timestamps = true;
        } else if line.starts_with("// mask:") {
            case.mask_ages = true;
        } else if line.starts_with("// as-expr:") {
            case.as_expr = true;
        }
    }
    case
}

/// Replaces a trailing decimal number (`0.000000`) on each line by `*`.
fn mask_ages(text: &str) -> String {
    text.lines()
        .map(|l| match l.rsplit_once(' ') {
            Some((head, last)) if last.contains('.') && last.parse::<f64>().is_ok() => format!("{head} *\n"),
            _ => format!("{l}\n"),
        })
        .collect()
}

/// A pcap file with every record's timestamp zeroed.
fn without_timestamps(pcap: &[u8]) -> Vec<u8> {
    let mut out = pcap.to_vec();
    let mut i = 24;
    while i + 16 <= out.len() {
        let caplen = u32::from_le_bytes(out[i + 8..i + 12].try_into().unwrap()) as usize;
        out[i..i + 8].fill(0);
        i += 16 + caplen;
    }
    out
}

/// The first line where `a` and `b` differ, for the failure report.
fn first_difference(a: &str, b: &str) -> String {
    for (n, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n      click:   {x}\n      vrouter: {y}", n + 1);
        }
    }
    format!("click has {} lines, vrouter {}", a.lines().count(), b.lines().count())
}

/// Runs one case; returns what differs from Click.
fn check(case: &Case) -> Vec<String> {
    let expected = root().join("expected").join(&case.name);
    let work = std::env::temp_dir().join(format!("vrouter-click-ref-{}-{}", std::process::id(), case.name));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vrouter"));
    cmd.arg("run");
    if case.as_expr {
        cmd.arg("-e").arg(std::fs::read_to_string(&case.path).unwrap());
    } else {
        cmd.arg("-f").arg(&case.path);
    }
    let out = cmd
        .arg(format!("IN={}", root().join("inputs").display()))
        .args(&case.args)
        .current_dir(&work)
        .output()
        .expect("vrouter runs");
    let mut diffs = Vec::new();
    let read = |name: &str| std::fs::read_to_string(expected.join(name)).unwrap_or_default();

    let rc = out.status.code().unwrap_or(-1);
    if read("rc").trim() != rc.to_string() {
        diffs.push(format!("exit status: click {}, vrouter {rc}", read("rc").trim()));
    }
    let (mut want_out, mut got_out) = (read("stdout"), String::from_utf8_lossy(&out.stdout).into_owned());
    // Messages name the case file by its path; the expected output keeps only its name.
    let cases_dir = format!("{}/", root().join("cases").display());
    let inputs_dir = format!("{}/", root().join("inputs").display());
    let (mut want_err, mut got_err) =
        (read("stderr"), String::from_utf8_lossy(&out.stderr).replace(&cases_dir, "").replace(&inputs_dir, ""));
    if case.mask_ages {
        (want_out, got_out) = (mask_ages(&want_out), mask_ages(&got_out));
        (want_err, got_err) = (mask_ages(&want_err), mask_ages(&got_err));
    }
    if want_out != got_out {
        diffs.push(format!("stdout differs at {}", first_difference(&want_out, &got_out)));
    }
    if !case.ignore_stderr && want_err != got_err {
        diffs.push(format!("stderr differs at {}", first_difference(&want_err, &got_err)));
    }

    let mut files: Vec<String> = std::fs::read_dir(&expected)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| !matches!(f.as_str(), "stdout" | "stderr" | "rc"))
        .collect();
    files.sort();
    for f in &files {
        let want = std::fs::read(expected.join(f)).unwrap();
        let Ok(got) = std::fs::read(work.join(f)) else {
            diffs.push(format!("{f}: not written"));
            continue;
        };
        let (want, got) = if case.ignore_pcap_timestamps && f.ends_with(".pcap") {
            (without_timestamps(&want), without_timestamps(&got))
        } else {
            (want, got)
        };
        if want != got {
            let at = want.iter().zip(&got).position(|(a, b)| a != b).unwrap_or(want.len().min(got.len()));
            diffs.push(format!("{f}: differs from byte {at} (click {} bytes, vrouter {})", want.len(), got.len()));
        }
    }
    for e in std::fs::read_dir(&work).unwrap() {
        let f = e.unwrap().file_name().to_string_lossy().into_owned();
        if !files.contains(&f) {
            diffs.push(format!("{f}: written by vrouter only"));
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    diffs
}

#[test]
fn vrouter_matches_the_original_click() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "click"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "the cases are missing");
    let mut failures = Vec::new();
    for path in &cases {
        let case = load(path);
        assert!(root().join("expected").join(&case.name).is_dir(), "{}: no expected output", case.name);
        // A case whose output depends on time (rates, Script waits) can lose a race on a
        // loaded machine; a real difference repeats, so a differing case runs up to twice more.
        let mut diffs = check(&case);
        for _ in 0..2 {
            if diffs.is_empty() {
                break;
            }
            diffs = check(&case);
        }
        if !diffs.is_empty() {
            failures.push(format!("{}:\n  {}", case.name, diffs.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Click:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
