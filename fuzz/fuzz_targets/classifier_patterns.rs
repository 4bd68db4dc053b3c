//! Classifier patterns, one per line: parsing and matching must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    elements::fuzzing::classifier_patterns(&String::from_utf8_lossy(data));
});
