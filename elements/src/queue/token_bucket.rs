//! Click's token bucket (not an element itself): the arithmetic of Click's `TokenBucket`, so
//! that rate limiters pass the same packets at the same moments.
//!
//! Time is counted in whole milliseconds ("jiffies", Click's user-level `CLICK_HZ` of 1000);
//! the bucket is refilled only by whole ticks. Tokens are 32-bit fixed-point fractions of the
//! capacity: the capacity is divided into `token_scale` parts per token so that a full bucket
//! is `u32::MAX`, and each tick adds `tokens_per_tick` parts (at least 1). A rate therefore
//! reads back rounded (`rate()`), and a full bucket may hold slightly more than `capacity`
//! whole tokens' worth.
//!
//! A new bucket holds no tokens but has never been refilled; its first refill finds it
//! "infinitely" out of date and fills it to capacity (Click's counter starts at time point 0,
//! ages before the current clock). Changing the rate (`assign`) keeps the fill fraction, as
//! Click's live reconfiguration does.

use std::sync::OnceLock;
use std::time::Instant;

const MAX_TOKENS: u32 = u32::MAX;
/// Ticks per second.
const FREQUENCY: u32 = 1000;

/// Milliseconds since a fixed point early in the process, wrapping as Click's `click_jiffies_t`.
pub(crate) fn jiffies(now: Instant) -> u32 {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let origin = *ORIGIN.get_or_init(click_core::clock::now);
    now.saturating_duration_since(origin).as_millis() as u32
}

/// A rate, a capacity and a fill level, in Click's fixed-point units.
#[derive(Clone, Debug)]
pub(crate) struct TokenBucket {
    tokens_per_tick: u32,
    token_scale: u32,
    /// Ticks to fill an empty bucket; 0 for an unlimited rate.
    time_until_full: u32,
    /// The fill level: `u32::MAX` is full.
    fraction: u32,
    /// Tick of the last refill; `None` before the first one.
    time_point: Option<u32>,
}

impl TokenBucket {
    /// A bucket refilling at `rate` tokens a second and holding `capacity` tokens (Click's
    /// `TokenBucket::assign`): a capacity of 0 means an idle rate (never refills).
    pub(crate) fn new(rate: u32, capacity: u32) -> TokenBucket {
        let mut b = TokenBucket {
            tokens_per_tick: 0,
            token_scale: 1,
            time_until_full: u32::MAX,
            fraction: 0,
            time_point: None,
        };
        b.assign(rate, capacity);
        b
    }

    /// Sets the rate and capacity, keeping the fill fraction and the time point.
    pub(crate) fn assign(&mut self, mut rate: u32, mut capacity: u32) {
        if capacity == 0 {
            rate = 0;
            capacity = MAX_TOKENS;
        }
        if rate != 0 {
            // At least one tick's worth of tokens must fit in the capacity.
            capacity = capacity.max((rate - 1) / FREQUENCY + 1);
        }
        self.token_scale = MAX_TOKENS / capacity;
        let per_tick = u64::from(rate) * u64::from(self.token_scale) / u64::from(FREQUENCY);
        debug_assert!(per_tick <= u64::from(u32::MAX));
        if rate != 0 {
            self.tokens_per_tick = (per_tick as u32).max(1);
            self.time_until_full = (MAX_TOKENS - 1) / self.tokens_per_tick + 1;
        } else {
            self.tokens_per_tick = 0;
            self.time_until_full = u32::MAX;
        }
    }

    /// The rate in tokens per second as the fixed-point arithmetic gives it back (rounded).
    pub(crate) fn rate(&self) -> u32 {
        let t = u64::from(self.tokens_per_tick);
        let r = (t * u64::from(FREQUENCY) + t / 2) / u64::from(self.token_scale);
        r.min(u64::from(MAX_TOKENS)) as u32
    }

    /// The capacity in whole tokens.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> u32 {
        MAX_TOKENS / self.token_scale
    }

    /// `t` tokens as a fraction of the capacity, or `None` if more than a full bucket.
    fn scaled(&self, t: u32) -> Option<u32> {
        t.checked_mul(self.token_scale)
    }

    /// Adds the tokens of the whole ticks since the last refill.
    pub(crate) fn refill(&mut self, now: Instant) {
        let now = jiffies(now);
        let diff = match self.time_point {
            // Never refilled: ages out of date, unless the rate is idle.
            None if self.tokens_per_tick == 0 => 0,
            None => u32::MAX,
            Some(t) if t <= now => now - t,
            Some(_) => 0,
        };
        if diff >= self.time_until_full {
            self.fraction = MAX_TOKENS;
        } else if diff > 0 {
            self.fraction = self.fraction.saturating_add(diff.wrapping_mul(self.tokens_per_tick));
        }
        self.time_point = Some(now);
    }

    /// True if the bucket holds at least `t` tokens.
    pub(crate) fn contains(&self, t: u32) -> bool {
        self.scaled(t).is_some_and(|f| f <= self.fraction)
    }

    /// Sets the fill to `t` tokens (a full bucket if more), leaving the time point (Click's
    /// `set`: on a bucket never refilled, the first refill still fills it).
    pub(crate) fn set(&mut self, t: u32) {
        self.fraction = self.scaled(t).unwrap_or(MAX_TOKENS);
    }

    /// Takes `t` tokens out, emptying the bucket if it holds fewer.
    pub(crate) fn remove(&mut self, t: u32) {
        let f = self.scaled(t).unwrap_or(MAX_TOKENS);
        self.fraction = self.fraction.saturating_sub(f);
    }

    /// Whole ticks (milliseconds) until the bucket holds `t` tokens; `u32::MAX` if never.
    pub(crate) fn ticks_until_contains(&self, t: u32) -> u32 {
        let Some(f) = self.scaled(t) else { return u32::MAX };
        if f <= self.fraction || self.time_until_full == 0 {
            0
        } else {
            // An idle rate never gets there.
            (f - self.fraction - 1).checked_div(self.tokens_per_tick).map_or(u32::MAX, |t| t + 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn starts_full_and_refills_by_whole_ticks() {
        let t0 = Instant::now();
        // 1000 tokens a second, 20 ms of them: 20 tokens, 1 per tick.
        let mut b = TokenBucket::new(1000, 20);
        assert_eq!(b.capacity(), 20);
        assert!(!b.contains(1), "empty until the first refill");
        b.refill(t0);
        for _ in 0..20 {
            assert!(b.contains(1));
            b.remove(1);
        }
        assert!(!b.contains(1));
        assert_eq!(b.ticks_until_contains(1), 1);
        assert_eq!(b.ticks_until_contains(3), 3);
        b.refill(t0 + Duration::from_micros(2500));
        // Two or three whole ticks have passed, depending on where t0 fell in its tick.
        assert!(b.contains(2) && !b.contains(4));
        b.refill(t0 + Duration::from_secs(10));
        assert!(b.contains(20) && !b.contains(21));
    }

    #[test]
    fn fixed_point_as_click() {
        // Click reads 987648 bits a second (123456 bytes, 2469 + 131072 of capacity) back as 123517.
        assert_eq!(TokenBucket::new(123_456, 2469 + 131_072).rate(), 123_517);
        assert_eq!(TokenBucket::new(1000, 20).rate(), 1000);
        // A capacity below one tick's tokens is raised.
        assert_eq!(TokenBucket::new(1_000_000, 1).capacity(), 1000);
        // More tokens than a full bucket are never contained.
        let mut b = TokenBucket::new(10, 1);
        b.refill(Instant::now());
        assert!(b.contains(1) && !b.contains(2));
        assert_eq!(b.ticks_until_contains(2), u32::MAX);
    }

    #[test]
    fn reassigning_keeps_the_fill() {
        let mut b = TokenBucket::new(1000, 20);
        b.refill(Instant::now());
        b.remove(10);
        b.assign(1000, 40);
        // Half full stays half full: 20 of 40.
        assert!(b.contains(19) && !b.contains(21));
    }
}
