//! Replays the control protocol's fuzz corpus (fuzz/corpus/control_protocol) so that every
//! seed and every input ever found is checked by `cargo test`.

#[test]
fn control_protocol() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/control_protocol");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        click_core::control::fuzz_session(&std::fs::read(e.unwrap().path()).unwrap());
        n += 1;
    }
    assert!(n >= 3, "only {n} corpus files");
}
