//! Element configuration strings: splitting and every typed argument reader must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    elements::fuzzing::element_arguments(&String::from_utf8_lossy(data));
});
