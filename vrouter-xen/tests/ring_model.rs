//! Property test: a front and a back end driven by random schedules, starting near the
//! `u32` wrap-around, against a simple model. Every request gets exactly one response, in
//! order, and no notification is ever lost: a side that went to sleep after its final check
//! is woken whenever work arrives for it.

use proptest::prelude::*;
use std::collections::VecDeque;
use std::sync::Arc;
use vrouter_xen::abi::{NetifTxRequest, NetifTxResponse};
use vrouter_xen::ring::{BackRing, FrontRing, NetTx};
use vrouter_xen::shm::SharedPage;

#[derive(Clone, Debug)]
enum Op {
    /// The front end queues this many requests (as many as fit) and publishes them.
    FrontSend(u32),
    /// The back end, if awake or notified, consumes up to this many requests.
    BackWork(u32),
    /// The back end answers up to this many consumed requests and publishes the answers.
    BackAnswer(u32),
    /// The front end, if awake or notified, consumes up to this many responses.
    FrontWork(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u32..300).prop_map(Op::FrontSend),
        (0u32..300).prop_map(Op::BackWork),
        (0u32..300).prop_map(Op::BackAnswer),
        (0u32..300).prop_map(Op::FrontWork),
    ]
}

struct Sim {
    front: FrontRing<NetTx>,
    back: BackRing<NetTx>,
    next_seq: u32,
    /// Sequence numbers sent and not yet answered, oldest first (the model).
    outstanding: VecDeque<u32>,
    /// Consumed by the back end, not yet answered.
    back_pending: VecDeque<NetifTxRequest>,
    answered: u64,
    back_awake: bool,
    back_kicked: bool,
    front_awake: bool,
    front_kicked: bool,
}

impl Sim {
    fn new(start: u32) -> Self {
        let page = Arc::new(SharedPage::new_zeroed());
        let front = FrontRing::init(page.clone(), start).unwrap();
        let back = BackRing::attach(page).unwrap();
        Sim {
            front,
            back,
            next_seq: 0,
            outstanding: VecDeque::new(),
            back_pending: VecDeque::new(),
            answered: 0,
            back_awake: false,
            back_kicked: false,
            front_awake: false,
            front_kicked: false,
        }
    }

    fn step(&mut self, op: &Op) {
        match *op {
            Op::FrontSend(n) => {
                let n = n.min(self.front.free_requests());
                for _ in 0..n {
                    let seq = self.next_seq;
                    self.next_seq += 1;
                    let req = NetifTxRequest { gref: seq, id: (seq % 256) as u16, ..Default::default() };
                    self.front.push_request(&req).unwrap();
                    self.outstanding.push_back(seq);
                }
                if self.front.push_requests_and_check_notify() {
                    self.back_kicked = true;
                }
            }
            Op::BackWork(n) => {
                if !(self.back_awake || self.back_kicked) {
                    return;
                }
                self.back_kicked = false;
                self.back_awake = true;
                for _ in 0..n {
                    match self.back.next_request().unwrap() {
                        Some(r) => self.back_pending.push_back(r),
                        None => break,
                    }
                }
                // Sleep only when there is nothing left to consume or answer.
                if self.back_pending.is_empty() && !self.back.final_check_for_requests().unwrap() {
                    self.back_awake = false;
                }
            }
            Op::BackAnswer(n) => {
                for _ in 0..n {
                    let Some(r) = self.back_pending.pop_front() else {
                        break;
                    };
                    self.back.push_response(&NetifTxResponse { id: r.id, status: (r.gref % 7) as i16 }).unwrap();
                }
                if self.back.push_responses_and_check_notify() {
                    self.front_kicked = true;
                }
            }
            Op::FrontWork(n) => {
                if !(self.front_awake || self.front_kicked) {
                    return;
                }
                self.front_kicked = false;
                self.front_awake = true;
                let mut got = Vec::new();
                self.front.consume_responses(n, |r| got.push(r)).unwrap();
                for r in got {
                    let seq = self.outstanding.pop_front().expect("a response with no request");
                    assert_eq!(r.id, (seq % 256) as u16, "response out of order or duplicated");
                    assert_eq!(r.status, (seq % 7) as i16);
                    self.answered += 1;
                }
                if !self.front.final_check_for_responses().unwrap() {
                    self.front_awake = false;
                }
            }
        }
        self.check_no_lost_wakeup();
    }

    /// A sleeping side with no notification pending must have nothing to do.
    fn check_no_lost_wakeup(&mut self) {
        if !self.back_awake && !self.back_kicked {
            assert_eq!(self.back.unconsumed_requests().unwrap(), 0, "back end asleep with requests waiting");
            assert!(self.back_pending.is_empty());
        }
        if !self.front_awake && !self.front_kicked {
            assert_eq!(self.front.unconsumed_responses().unwrap(), 0, "front end asleep with responses waiting");
        }
    }

    /// Runs both sides until nothing is outstanding; they must get there by notifications.
    fn drain(&mut self) {
        for _ in 0..10_000 {
            if self.outstanding.is_empty() {
                return;
            }
            self.step(&Op::BackWork(u32::MAX));
            self.step(&Op::BackAnswer(u32::MAX));
            self.step(&Op::FrontWork(u32::MAX));
        }
        panic!("requests stuck: {} outstanding", self.outstanding.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_request_answered_once_across_wraparound(
        start_back in 0u32..2000,
        ops in proptest::collection::vec(op(), 1..200),
    ) {
        let mut sim = Sim::new(u32::MAX - start_back);
        for op in &ops {
            sim.step(op);
        }
        sim.drain();
        prop_assert_eq!(sim.answered, u64::from(sim.next_seq));
        prop_assert_eq!(sim.front.peer_faults() + sim.back.peer_faults(), 0);
    }
}

#[test]
fn long_run_through_wraparound() {
    let mut sim = Sim::new(u32::MAX - 100);
    for i in 0..2000u32 {
        sim.step(&Op::FrontSend(i % 300));
        sim.step(&Op::BackWork(i % 97));
        sim.step(&Op::BackAnswer(i % 89));
        sim.step(&Op::FrontWork(i % 83));
    }
    sim.drain();
    assert_eq!(sim.answered, u64::from(sim.next_seq));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever a peer writes into the shared page, in whatever order with the ring
    /// operations, nothing panics and every index fault is reported as an error.
    #[test]
    fn arbitrary_peer_writes_never_panic(
        start in any::<u32>(),
        writes in proptest::collection::vec((0usize..4096, any::<u32>(), 0u8..8), 0..64),
    ) {
        let page = Arc::new(SharedPage::new_zeroed());
        let mut f = FrontRing::<NetTx>::init(page.clone(), start).unwrap();
        let mut b = BackRing::<NetTx>::attach(page.clone()).unwrap();
        for (off, val, op) in writes {
            // The "peer" scribbles: an index field or any bytes.
            if off < 16 {
                page.atomic_u32(off & !3).store(val, std::sync::atomic::Ordering::Release);
            } else {
                let _ = page.write(off, &val.to_ne_bytes()[..(4096 - off).min(4)]);
            }
            match op {
                0 => { let _ = f.push_request(&NetifTxRequest::default()); f.push_requests_and_check_notify(); }
                1 => { let _ = f.consume_responses(u32::MAX, |_| ()); }
                2 => { let _ = f.final_check_for_responses(); }
                3 => { let _ = b.next_request(); }
                4 => { let _ = b.push_response(&NetifTxResponse::default()); b.push_responses_and_check_notify(); }
                5 => { let _ = b.final_check_for_requests(); }
                6 => { let _ = b.unconsumed_requests(); }
                _ => { let _ = f.unconsumed_responses(); }
            }
            prop_assert!(f.in_flight() <= f.size());
            prop_assert!(b.unanswered() <= b.size());
        }
    }
}
