//! IPClassifier/IPFilter patterns, one per line: parsing, compiling and running must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    elements::fuzzing::ip_filter(&String::from_utf8_lossy(data));
});
