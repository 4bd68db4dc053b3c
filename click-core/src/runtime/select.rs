//! Waiting on file descriptors (Click's `add_select`).
//!
//! An element asks its thread to watch a descriptor ([`InitContext::add_select`],
//! [`Context::add_select`]); when the descriptor becomes readable, the thread calls the
//! element's [`Element::selected`]. A device or a shared-memory ring then needs no thread of
//! its own to turn "data arrived" into a task wake-up: the router's thread sleeps in
//! `ppoll(2)` on its elements' descriptors and on an eventfd of its own (which other threads
//! signal to wake it), where a thread with nothing to watch parks.
//!
//! While the thread is busy it still looks at the descriptors at least every [`CHECK_EVERY`]
//! (at the end of a scheduling round), so that an element that unscheduled its task is not
//! starved by busy neighbours; a round of 128 task runs can take a millisecond, and a ring
//! that waits that long overflows.
//!
//! [`InitContext::add_select`]: super::InitContext::add_select
//! [`Context::add_select`]: super::Context::add_select
//! [`Element::selected`]: crate::element::Element::selected

// System calls on descriptors: each unsafe block below states what it relies on.
#![allow(unsafe_code)]

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// Longest time between two looks at the descriptors while the thread is busy.
pub(crate) const CHECK_EVERY: Duration = Duration::from_micros(20);

/// The descriptors one thread watches.
#[derive(Default)]
pub(crate) struct Selects {
    /// (descriptor, element) pairs, in the order they were added.
    entries: Vec<(RawFd, u32)>,
    /// `ppoll`'s argument, rebuilt in place for each call (no allocation once grown).
    pollfds: Vec<libc::pollfd>,
    /// The entries found readable by the last [`wait`](Self::wait).
    pub ready: Vec<(RawFd, u32)>,
    /// When the busy thread last looked.
    pub checked: Option<std::time::Instant>,
    /// Descriptors dropped because they were closed while watched (`POLLNVAL`).
    pub invalid: u64,
}

impl Selects {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Watches `fd` for `elem`; adding a pair twice has no effect.
    pub fn add(&mut self, fd: RawFd, elem: u32) {
        if !self.entries.contains(&(fd, elem)) {
            self.entries.push((fd, elem));
        }
    }

    /// Stops watching `fd` for `elem`.
    pub fn remove(&mut self, fd: RawFd, elem: u32) {
        self.entries.retain(|&e| e != (fd, elem));
        self.ready.retain(|&e| e != (fd, elem));
    }

    /// Waits until a watched descriptor or `wake` is readable, or `timeout` passes (zero:
    /// just look). Fills [`ready`](Self::ready) and returns how many entries are ready.
    /// `wake` is drained if it was signalled.
    pub fn wait(&mut self, timeout: Duration, wake: Option<&OwnedFd>) -> usize {
        self.ready.clear();
        self.pollfds.clear();
        for &(fd, _) in &self.entries {
            self.pollfds.push(libc::pollfd { fd, events: libc::POLLIN, revents: 0 });
        }
        if let Some(w) = wake {
            self.pollfds.push(libc::pollfd { fd: w.as_raw_fd(), events: libc::POLLIN, revents: 0 });
        }
        let ts = libc::timespec {
            tv_sec: timeout.as_secs().min(i32::MAX as u64) as libc::time_t,
            tv_nsec: timeout.subsec_nanos() as libc::c_long,
        };
        // SAFETY: `pollfds` is a live, initialised array of `len` pollfd structures that
        // ppoll may write `revents` into; `ts` outlives the call; a null signal mask means
        // "leave the mask alone".
        let n = unsafe {
            libc::ppoll(self.pollfds.as_mut_ptr(), self.pollfds.len() as libc::nfds_t, &ts, std::ptr::null())
        };
        if n <= 0 {
            // Timeout, or EINTR: nothing ready.
            return 0;
        }
        if let Some(w) = wake
            && self.pollfds.last().is_some_and(|p| p.revents != 0)
        {
            drain(w);
        }
        let mut closed = false;
        for (i, p) in self.pollfds[..self.entries.len()].iter().enumerate() {
            if p.revents & libc::POLLNVAL != 0 {
                closed = true;
            } else if p.revents != 0 {
                self.ready.push(self.entries[i]);
            }
        }
        if closed {
            // A descriptor closed while watched would make every later ppoll return at once.
            let before = self.entries.len();
            let pollfds = &self.pollfds;
            let mut i = 0;
            self.entries.retain(|_| {
                let keep = pollfds[i].revents & libc::POLLNVAL == 0;
                i += 1;
                keep
            });
            self.invalid += (before - self.entries.len()) as u64;
        }
        self.ready.len()
    }
}

/// A non-blocking eventfd, or `None` if the system refuses one (the thread then parks and
/// watches its descriptors only between rounds).
pub(crate) fn new_eventfd() -> Option<OwnedFd> {
    // SAFETY: eventfd takes no pointers; a non-negative result is a new descriptor that
    // nothing else owns.
    let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
    // SAFETY: see above: `fd` is ours to own.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Signals an eventfd made by [`new_eventfd`].
pub(crate) fn signal(fd: &OwnedFd) {
    let one: u64 = 1;
    // SAFETY: writes 8 bytes from a live u64 to a descriptor we own; a full counter
    // (EAGAIN) means it is already signalled.
    let _ = unsafe { libc::write(fd.as_raw_fd(), (&raw const one).cast(), 8) };
}

/// Resets an eventfd made by [`new_eventfd`].
pub(crate) fn drain(fd: &OwnedFd) {
    let mut v: u64 = 0;
    // SAFETY: reads at most 8 bytes into a live u64 from a descriptor we own; EAGAIN (not
    // signalled) leaves `v` alone.
    let _ = unsafe { libc::read(fd.as_raw_fd(), (&raw mut v).cast(), 8) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_descriptor_is_reported_and_closed_one_is_dropped() {
        let a = new_eventfd().unwrap();
        let b = new_eventfd().unwrap();
        let mut s = Selects::default();
        s.add(a.as_raw_fd(), 1);
        s.add(a.as_raw_fd(), 1);
        s.add(b.as_raw_fd(), 2);
        assert_eq!(s.wait(Duration::ZERO, None), 0);
        signal(&b);
        assert_eq!(s.wait(Duration::from_secs(1), None), 1);
        assert_eq!(s.ready, vec![(b.as_raw_fd(), 2)]);
        drain(&b);
        assert_eq!(s.wait(Duration::ZERO, None), 0);
        s.remove(b.as_raw_fd(), 2);
        signal(&b);
        assert_eq!(s.wait(Duration::ZERO, None), 0);
        // A watched descriptor that is not open (closed without `remove`) is dropped and
        // counted, not polled forever. (A number far above any open descriptor, so that no
        // other test's descriptor can take it.)
        s.add(999_999, 3);
        let _ = s.wait(Duration::ZERO, None);
        assert_eq!(s.invalid, 1);
        s.remove(a.as_raw_fd(), 1);
        assert!(s.is_empty());
    }

    #[test]
    fn wake_descriptor_ends_the_wait_and_is_drained() {
        let w = new_eventfd().unwrap();
        let mut s = Selects::default();
        signal(&w);
        let t = std::time::Instant::now();
        assert_eq!(s.wait(Duration::from_secs(5), Some(&w)), 0);
        assert!(t.elapsed() < Duration::from_secs(4));
        // Drained: the next wait times out.
        let t = std::time::Instant::now();
        s.wait(Duration::from_millis(20), Some(&w));
        assert!(t.elapsed() >= Duration::from_millis(15));
    }
}
