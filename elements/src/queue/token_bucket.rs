//! A token bucket shared by the rate-limiting elements (not an element itself).

use std::time::Instant;

/// Tokens accumulate at `rate` per second up to `capacity`.
#[derive(Clone, Debug)]
pub(crate) struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Option<Instant>,
}

impl TokenBucket {
    /// A full bucket.
    pub(crate) fn new(rate: f64, capacity: f64) -> TokenBucket {
        TokenBucket { rate, capacity: capacity.max(1.0), tokens: capacity.max(1.0), last: None }
    }

    fn refill(&mut self, now: Instant) {
        if let Some(last) = self.last {
            let dt = now.saturating_duration_since(last).as_secs_f64();
            self.tokens = (self.tokens + dt * self.rate).min(self.capacity);
        }
        self.last = Some(now);
    }

    /// Tokens available now.
    pub(crate) fn available(&mut self, now: Instant) -> f64 {
        self.refill(now);
        self.tokens
    }

    /// Spends `n` tokens even if that leaves the bucket in debt (for a packet already
    /// dequeued: sending it late is better than dropping it).
    pub(crate) fn consume(&mut self, n: f64) {
        self.tokens -= n;
    }

    /// Seconds until `n` tokens will be there.
    pub(crate) fn wait_for(&self, n: f64) -> f64 {
        ((n - self.tokens) / self.rate).max(0.0)
    }

    /// The rate in tokens per second.
    pub(crate) fn rate(&self) -> f64 {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn refills_at_the_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(100.0, 2.0);
        assert_eq!(b.available(t0), 2.0);
        b.consume(2.0);
        assert_eq!(b.available(t0), 0.0);
        assert!((b.wait_for(1.0) - 0.01).abs() < 1e-9);
        assert!((b.available(t0 + Duration::from_millis(10)) - 1.0).abs() < 1e-9);
        // Debt is allowed, and refills never exceed the capacity.
        b.consume(3.0);
        assert!(b.available(t0 + Duration::from_millis(10)) < 0.0);
        assert_eq!(b.available(t0 + Duration::from_secs(10)), 2.0);
    }
}
