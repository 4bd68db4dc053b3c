//! Messages elements print while running (Click's `click_chatter`): `Print`'s lines, warnings.
//!
//! They go to standard error, one line each, unless a capture is active (tests use it to
//! check output text exactly).

use std::sync::Mutex;

static CAPTURE: Mutex<Option<Vec<String>>> = Mutex::new(None);

/// Emits one message line.
pub fn chatter(line: &str) {
    let mut cap = CAPTURE.lock().unwrap_or_else(|e| e.into_inner());
    match cap.as_mut() {
        Some(lines) => lines.push(line.to_string()),
        None => eprintln!("{line}"),
    }
}

/// Starts capturing messages instead of printing them (process-wide).
pub fn start_capture() {
    *CAPTURE.lock().unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
}

/// Stops capturing and returns what was captured.
pub fn take_capture() -> Vec<String> {
    CAPTURE.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_default()
}
