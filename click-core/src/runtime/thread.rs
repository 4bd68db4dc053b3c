//! The driver loop of one thread.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use super::{
    Arena, Context, Shared, ThreadState, drain_crossings, flush, refresh_task_runs, run_paired, run_task, run_timer,
    select,
};
use crate::element::HandlerError;

/// Task runs between checks of timers, messages and other threads (Click runs 128).
pub(crate) const TASKS_PER_ROUND: usize = 128;
/// Idle rounds spent looking for work again (yielding the CPU in between) before the thread sleeps.
pub const DEFAULT_SPIN_ROUNDS: u32 = 64;
/// Longest sleep, so that a stop request is seen even if a wake-up is lost.
const MAX_SLEEP: Duration = Duration::from_millis(20);
/// Longest sleep while tasks are scheduled but found no work (polling sources).
const POLL_SLEEP: Duration = Duration::from_micros(100);

/// A request to a running thread.
pub(crate) enum Control {
    Read { elem: usize, handler: String, reply: Sender<Result<String, HandlerError>> },
    Write { elem: usize, handler: String, value: String, reply: Sender<Result<(), HandlerError>> },
}

/// Reads a handler of an element in `arena`.
pub(crate) fn read_handler(
    arena: &Arena,
    st: &ThreadState,
    elem: usize,
    handler: &str,
) -> Result<String, HandlerError> {
    if let Some(v) = st.read_task_handler(elem, handler) {
        return Ok(v);
    }
    let guard = arena[elem].try_borrow().map_err(|_| HandlerError::Failed("element busy".into()))?;
    let el = guard.as_ref().ok_or(HandlerError::NotRunning)?;
    el.read_handler(handler)
}

/// Writes a handler of an element in `arena`, delivering whatever it pushes.
pub(crate) fn write_handler(
    shared: &Shared,
    arena: &Arena,
    st: &mut ThreadState,
    elem: usize,
    handler: &str,
    value: &str,
) -> Result<(), HandlerError> {
    let result = write_now(shared, arena, st, elem, handler, value);
    flush(shared, arena, st);
    result
}

/// Writes a handler of an element in `arena`, leaving what it pushes queued.
pub(crate) fn write_now(
    shared: &Shared,
    arena: &[std::cell::RefCell<Option<Box<dyn crate::element::Element>>>],
    st: &mut ThreadState,
    elem: usize,
    handler: &str,
    value: &str,
) -> Result<(), HandlerError> {
    if let Some(r) = st.write_task_handler(elem, handler, value) {
        return r;
    }
    let mut guard = arena[elem].try_borrow_mut().map_err(|_| HandlerError::Failed("element busy".into()))?;
    let el = guard.as_mut().ok_or(HandlerError::NotRunning)?;
    let mut cx = Context::new(shared, arena, &mut *st, elem as u32);
    crate::router::write_element(el.as_mut(), handler, value, &mut cx)
}

fn handle_control(shared: &Shared, arena: &Arena, st: &mut ThreadState, msg: Control) {
    match msg {
        Control::Read { elem, handler, reply } => {
            let _ = reply.send(read_handler(arena, st, elem, &handler));
        }
        Control::Write { elem, handler, value, reply } => {
            let _ = reply.send(write_handler(shared, arena, st, elem, &handler, &value));
        }
    }
}

/// Options of a run.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LoopOptions {
    /// Stop when a single-threaded router has nothing left to do: no scheduled task, no
    /// timer, no packet in flight.
    pub stop_when_idle: bool,
    /// Idle rounds to spin before sleeping.
    pub spin_rounds: u32,
    /// Most runs one task run may stand for (see [`super::Context::task_burst`]).
    pub task_runs: u32,
}

/// Runs one thread's elements until the router stops.
pub(crate) fn run_thread(
    shared: &Shared,
    arena: &Arena,
    st: &mut ThreadState,
    control: &Receiver<Control>,
    opts: LoopOptions,
) {
    let waker = &shared.wakers[st.id];
    *waker.thread.lock().expect("waker lock") = Some(std::thread::current());
    let mut idle_rounds = 0u32;
    // A stop interceptor (DriverManager) on this thread must wake when elements on other
    // threads ask to stop: watch the request count.
    let interceptor = shared.stop_interceptor.filter(|&e| shared.thread_of[e as usize] == st.id);
    let mut stops_seen = 0u64;
    if st.max_task_runs != opts.task_runs {
        st.max_task_runs = opts.task_runs;
        st.task_runs_may_change();
    }
    loop {
        if shared.stop.load(Ordering::Acquire) {
            break;
        }
        st.round_time = crate::clock::now();
        let mut worked = false;
        while let Ok(msg) = control.try_recv() {
            handle_control(shared, arena, st, msg);
            worked = true;
        }
        if drain_crossings(shared, st) > 0 {
            worked = true;
        }
        if let Some(e) = interceptor {
            let stops = shared.stop_requests.load(Ordering::Acquire);
            if stops != stops_seen {
                stops_seen = stops;
                st.set_scheduled(e, true);
            }
        }
        flush(shared, arena, st);
        if st.task_runs_stale {
            refresh_task_runs(shared, arena, st);
        }

        if st.task_runs > 1 {
            // A run that stands for several counts as that many, so timers, handlers and
            // other threads' packets are looked at after as many packets as when each ran
            // alone. (A handler write sets `task_runs` back to 1 at once.)
            let mut runs = 0;
            while runs < TASKS_PER_ROUND {
                let Some(t) = st.next_task() else { break };
                if let Some(pair) = st.pair {
                    let (w, n) = run_paired(shared, arena, st, pair, t);
                    worked |= w;
                    runs += n;
                } else {
                    worked |= run_task::<true>(shared, arena, st, t, st.task_runs);
                    runs += st.runs_used as usize;
                }
                if shared.stop.load(Ordering::Relaxed) {
                    break;
                }
            }
        } else {
            for _ in 0..TASKS_PER_ROUND {
                let Some(t) = st.next_task() else { break };
                worked |= run_task::<false>(shared, arena, st, t, 1);
                if shared.stop.load(Ordering::Relaxed) {
                    break;
                }
            }
        }

        let now = crate::clock::now();
        st.round_time = now;
        while let Some(t) = st.pop_due_timer(now) {
            run_timer(shared, arena, st, t);
            worked = true;
        }

        if !st.selects.is_empty()
            && worked
            && st.selects.checked.is_none_or(|c| now.saturating_duration_since(c) >= select::CHECK_EVERY)
        {
            st.selects.checked = Some(now);
            if st.selects.wait(Duration::ZERO, None) > 0 {
                run_selected(shared, arena, st);
            }
        }

        if worked {
            idle_rounds = 0;
            continue;
        }
        idle_rounds += 1;
        let nothing_scheduled = !st.any_task_scheduled();
        if opts.stop_when_idle
            && shared.nthreads == 1
            && nothing_scheduled
            && st.next_timer().is_none()
            && st.selects.is_empty()
            && shared.crossings[st.id].is_empty()
        {
            shared.request_stop();
            break;
        }
        if idle_rounds < opts.spin_rounds {
            // Idle but about to look again: let whatever else wants this CPU run first (on a
            // machine the router shares with the hosts it serves, their TCP stacks; alone on
            // its CPU, the call returns at once). Spinning instead held one of two cores from
            // both iperf3 ends: TCP through `GSO true` 0.58-0.99 of the kernel's rate against
            // 0.97-0.99 yielding, 64-byte UDP 1.01-1.39x against 1.01-1.10x (four runs each).
            std::thread::yield_now();
            continue;
        }
        // Under `timewarp nowait` an idle thread jumps the clock to its next timer.
        if nothing_scheduled
            && crate::clock::jumping()
            && let Some(at) = st.next_timer()
        {
            crate::clock::jump_to(at);
            idle_rounds = 0;
            continue;
        }
        let mut timeout = st
            .next_timer()
            .map_or(MAX_SLEEP, |at| crate::clock::real_delay(at.saturating_duration_since(now)).min(MAX_SLEEP));
        if !nothing_scheduled {
            timeout = timeout.min(POLL_SLEEP);
        }
        // With descriptors to watch, sleep in ppoll on them and on the thread's eventfd.
        let event = if st.selects.is_empty() { None } else { waker.event.get_or_init(select::new_eventfd).as_ref() };
        waker.polling.store(event.is_some(), Ordering::SeqCst);
        waker.sleeping.store(true, Ordering::SeqCst);
        // Re-check after announcing sleep so that a wake-up sent in between is not lost.
        let stop_pending = interceptor.is_some() && shared.stop_requests.load(Ordering::SeqCst) != stops_seen;
        let mut selected = 0;
        if control.is_empty()
            && shared.crossings[st.id].is_empty()
            && !stop_pending
            && !shared.stop.load(Ordering::SeqCst)
        {
            if st.selects.is_empty() {
                std::thread::park_timeout(timeout);
            } else {
                // Without an eventfd (refused by the system), sleep at most the polling time.
                let timeout = if event.is_some() { timeout } else { timeout.min(POLL_SLEEP) };
                selected = st.selects.wait(timeout, event);
            }
        } else if !st.selects.is_empty() {
            selected = st.selects.wait(Duration::ZERO, None);
        }
        waker.sleeping.store(false, Ordering::SeqCst);
        waker.polling.store(false, Ordering::SeqCst);
        if selected > 0 {
            run_selected(shared, arena, st);
            idle_rounds = 0;
        }
    }
    *waker.thread.lock().expect("waker lock") = None;
}

/// Calls `selected` of the elements whose descriptors were found readable, and delivers what
/// they pushed.
fn run_selected(shared: &Shared, arena: &Arena, st: &mut ThreadState) {
    let ready = std::mem::take(&mut st.selects.ready);
    for &(fd, elem) in &ready {
        if let Ok(mut guard) = arena[elem as usize].try_borrow_mut()
            && let Some(el) = guard.as_mut()
        {
            let mut cx = Context::new(shared, arena, &mut *st, elem);
            el.selected(&mut cx, fd);
        }
        flush(shared, arena, st);
    }
    st.selects.ready = ready;
}
