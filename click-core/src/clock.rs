//! The router's clock, which Click's `timewarp` router handler can speed up or slow down.
//!
//! Without a warp (the usual case) [`now`] is `Instant::now()` and [`Timestamp::now`]
//! the system clock, after one relaxed atomic load. Writing a factor to `timewarp` makes both
//! run that many times faster than real time from that moment on (they stay continuous):
//! timers, the driver's round time and packet timestamps all follow, so a Script's
//! `wait 10s` under a warp of 10 takes one real second. Writing `nowait` keeps the speed but
//! lets a thread with nothing to do jump the clock to its next timer instead of sleeping
//! (Click's `warp_nowait`, meant for simulations). As in Click the warp is process-wide.
//!
//! Only time read through this module is warped: the runtime's and [`Timestamp::now`]'s.
//!
//! [`Timestamp::now`]: crate::Timestamp::now

use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

const NONE: u8 = 0;
const LINEAR: u8 = 1;
const NOWAIT: u8 = 2;

/// Which warp is on; `NONE` lets readers skip the lock.
static KIND: AtomicU8 = AtomicU8::new(NONE);
static WARP: Mutex<Warp> = Mutex::new(Warp { speed: 1.0, steady: None, wall: (0, 0) });

struct Warp {
    speed: f64,
    /// A real instant and the warped instant it stands for.
    steady: Option<(Instant, Instant)>,
    /// The same for the system clock, in nanoseconds since the epoch.
    wall: (i64, i64),
}

impl Warp {
    fn steady_at(&self, real: Instant) -> Instant {
        match self.steady {
            Some((r, w)) => w + real.saturating_duration_since(r).mul_f64(self.speed),
            None => real,
        }
    }

    fn wall_at(&self, real: i64) -> i64 {
        let (r, w) = self.wall;
        if self.steady.is_none() {
            return real;
        }
        w + ((real - r) as f64 * self.speed) as i64
    }

    /// Re-anchors at the current real time, keeping both clocks continuous.
    fn anchor(&mut self) {
        let real = Instant::now();
        let wall = raw_wall_nanos();
        let (steady_w, wall_w) = (self.steady_at(real), self.wall_at(wall));
        self.steady = Some((real, steady_w));
        self.wall = (wall, wall_w);
    }
}

fn lock() -> std::sync::MutexGuard<'static, Warp> {
    WARP.lock().unwrap_or_else(|e| e.into_inner())
}

fn raw_wall_nanos() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i64)
}

/// The current (possibly warped) monotonic time: what timers and `Context::coarse_now` use.
#[inline]
pub fn now() -> Instant {
    let real = Instant::now();
    if KIND.load(Ordering::Relaxed) == NONE { real } else { warped_steady(real) }
}

#[cold]
#[inline(never)]
fn warped_steady(real: Instant) -> Instant {
    lock().steady_at(real)
}

#[cold]
#[inline(never)]
fn warped_wall(nanos: i64) -> i64 {
    lock().wall_at(nanos)
}

/// The warped system time for a raw reading of `nanos` since the epoch.
#[inline]
pub(crate) fn warp_wall(nanos: i64) -> i64 {
    if KIND.load(Ordering::Relaxed) == NONE { nanos } else { warped_wall(nanos) }
}

/// The real time to wait for `warped` to pass on the warped clock.
#[inline]
pub fn real_delay(warped: Duration) -> Duration {
    if KIND.load(Ordering::Relaxed) == NONE { warped } else { warped.div_f64(lock().speed) }
}

/// True when an idle thread should jump the clock to its next timer (`nowait`).
#[inline]
pub fn jumping() -> bool {
    KIND.load(Ordering::Relaxed) == NOWAIT
}

/// With `nowait`: moves both clocks forward so that [`now`] is `at` (if it is not yet).
pub fn jump_to(at: Instant) {
    if !jumping() {
        return;
    }
    let mut w = lock();
    let real = Instant::now();
    let cur = w.steady_at(real);
    if at > cur {
        let ahead = at - cur;
        let wall = raw_wall_nanos();
        let wall_w = w.wall_at(wall) + ahead.as_nanos() as i64;
        w.steady = Some((real, at));
        w.wall = (wall, wall_w);
    }
}

/// The `timewarp` handler's value: the speed, or `nowait`.
pub fn read() -> String {
    if jumping() {
        return "nowait".into();
    }
    let s = lock().speed;
    // Click prints a double as `%g` would, shortest form.
    if s == s.trunc() && s.abs() < 1e15 { format!("{}", s as i64) } else { format!("{s}") }
}

/// A write to `timewarp`: a speed factor (a positive real number) or `nowait`.
pub fn write(text: &str) -> Result<(), String> {
    let text = text.trim();
    if text == "nowait" {
        let mut w = lock();
        w.anchor();
        KIND.store(NOWAIT, Ordering::Relaxed);
        return Ok(());
    }
    let factor: f64 = text.parse().ok().filter(|f: &f64| f.is_finite()).ok_or("expected double")?;
    if factor <= 0.0 {
        return Err("timefactor must be > 0".into());
    }
    let mut w = lock();
    if KIND.load(Ordering::Relaxed) == NONE && factor == 1.0 {
        return Ok(());
    }
    w.anchor();
    w.speed = factor;
    KIND.store(LINEAR, Ordering::Relaxed);
    Ok(())
}
