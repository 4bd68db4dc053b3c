//! Bytes sent to a ControlSocket server: it must never panic, and every answer must be well
//! formed (`click_core::control::fuzz_session` checks it).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    click_core::control::fuzz_session(data);
});
