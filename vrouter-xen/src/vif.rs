//! The vif handshake in xenstore, as pure state machines (no I/O), plus small drivers that
//! run them over a [`Platform`].
//!
//! The front end starts `Initialising` and waits for the back end's `InitWait`; it then sets
//! up its rings, writes `tx-ring-ref`, `rx-ring-ref`, `event-channel` (or
//! `event-channel-tx`/`-rx`), `request-rx-copy=1`, `feature-rx-notify=1` and goes
//! `Connected`. The back end advertises its features, goes `InitWait`, waits for the front
//! end to be `Initialised` or `Connected`, reads and checks its keys, connects the rings and
//! goes `Connected`. Either side tears down through `Closing` to `Closed`.
//!
//! The machines take what was read from the store ([`FrontendHandshake::on_backend_state`],
//! [`BackendHandshake::on_frontend_state`], [`BackendHandshake::frontend_details`]) and emit
//! [`Action`]s for the caller to perform.

use crate::abi::{DomId, XenbusState};
use crate::net::{EventChannelSpec, NetError, RingInfo};
use crate::netback::Netback;
use crate::netfront::Netfront;
use crate::platform::{Platform, XenError};
use crate::sys;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The xenstore directories of one vif.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VifPaths {
    /// `/local/domain/<front>/device/vif/<devid>`.
    pub frontend: String,
    /// `/local/domain/<back>/backend/vif/<front>/<devid>`.
    pub backend: String,
}

impl VifPaths {
    /// The usual paths for vif `devid` of domain `front`, served by domain `back`.
    pub fn new(back: DomId, front: DomId, devid: u32) -> Self {
        VifPaths {
            frontend: format!("/local/domain/{front}/device/vif/{devid}"),
            backend: format!("/local/domain/{back}/backend/vif/{front}/{devid}"),
        }
    }
}

/// Something the caller of a handshake machine must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Write a value in xenstore.
    Write {
        /// Path.
        path: String,
        /// Value.
        value: String,
    },
    /// Watch a path.
    Watch {
        /// Path.
        path: String,
        /// Token.
        token: String,
    },
    /// Front end: read the back end's features and call
    /// [`FrontendHandshake::backend_details`].
    ReadBackend,
    /// Front end: set up rings and event channel, then call
    /// [`FrontendHandshake::rings_ready`].
    SetUpRings,
    /// Back end: read the front end's keys and call [`BackendHandshake::frontend_details`].
    ReadFrontend,
    /// Back end: map these rings and bind the channel, then call
    /// [`BackendHandshake::rings_connected`].
    ConnectRings(RingInfo),
    /// The link is up.
    Up,
    /// The link is down: release the rings.
    Down,
}

/// A handshake that went wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    /// The peer wrote something that is not a XenbusState.
    #[error("peer state {0:?} is not a XenbusState")]
    BadState(String),
    /// The peer moved to a state the protocol does not allow from here.
    #[error("peer went {peer:?} while we are {ours:?}")]
    OutOfOrder {
        /// Our state.
        ours: XenbusState,
        /// The peer's new state.
        peer: XenbusState,
    },
    /// A key the front end must write is missing.
    #[error("front end did not write {0}")]
    MissingKey(&'static str),
    /// A key has a value we cannot use.
    #[error("front end wrote {key}={value:?}")]
    BadValue {
        /// Key.
        key: &'static str,
        /// Value.
        value: String,
    },
    /// The handshake did not finish in time.
    #[error("handshake timed out in state {0:?}")]
    Timeout(XenbusState),
}

fn state_str(s: XenbusState) -> String {
    (s as u32).to_string()
}

/// The front end's side of the vif handshake.
#[derive(Debug)]
pub struct FrontendHandshake {
    paths: VifPaths,
    state: XenbusState,
    peer: XenbusState,
    up: bool,
    actions: VecDeque<Action>,
    error: Option<HandshakeError>,
}

impl FrontendHandshake {
    /// Starts: writes `Initialising` and watches the back end's state.
    pub fn new(paths: VifPaths) -> Self {
        let mut h = FrontendHandshake {
            paths,
            state: XenbusState::Initialising,
            peer: XenbusState::Unknown,
            up: false,
            actions: VecDeque::new(),
            error: None,
        };
        h.set_state(XenbusState::Initialising);
        h.actions
            .push_back(Action::Watch { path: format!("{}/state", h.paths.backend), token: "backend-state".into() });
        h
    }

    fn set_state(&mut self, s: XenbusState) {
        self.state = s;
        self.actions.push_back(Action::Write { path: format!("{}/state", self.paths.frontend), value: state_str(s) });
    }

    fn w(&mut self, key: &str, value: impl ToString) {
        self.actions
            .push_back(Action::Write { path: format!("{}/{key}", self.paths.frontend), value: value.to_string() });
    }

    fn fail(&mut self, e: HandshakeError) {
        self.error.get_or_insert(e);
        self.close();
    }

    /// Our state.
    pub fn state(&self) -> XenbusState {
        self.state
    }

    /// Whether the link is up.
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// The error that ended the handshake, if any.
    pub fn error(&self) -> Option<&HandshakeError> {
        self.error.as_ref()
    }

    /// The paths.
    pub fn paths(&self) -> &VifPaths {
        &self.paths
    }

    /// The next thing to do.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// Feeds the back end's `state` node as read (absent: `None`).
    pub fn on_backend_state(&mut self, raw: Option<&str>) {
        let Some(raw) = raw else { return };
        let Some(peer) = XenbusState::parse(raw) else {
            return self.fail(HandshakeError::BadState(raw.to_string()));
        };
        if peer == self.peer {
            return;
        }
        self.peer = peer;
        use XenbusState::*;
        match (self.state, peer) {
            (Closed, _) => {}
            (_, Closing | Closed) => self.close(),
            (Initialising, InitWait) => self.actions.push_back(Action::ReadBackend),
            (Initialising, Initialised | Connected | Reconfiguring | Reconfigured) => {
                self.fail(HandshakeError::OutOfOrder { ours: self.state, peer })
            }
            (Connected, Connected) if !self.up => {
                self.up = true;
                self.actions.push_back(Action::Up);
            }
            (Connected, Initialising | InitWait | Initialised | Unknown) if self.up => {
                self.fail(HandshakeError::OutOfOrder { ours: self.state, peer })
            }
            _ => {}
        }
    }

    /// Feeds the back end's keys (`lookup("feature-rx-copy")`): this front end only receives
    /// by copy, so the back end must offer `feature-rx-copy=1`.
    pub fn backend_details(&mut self, lookup: impl Fn(&str) -> Option<String>) {
        if self.state != XenbusState::Initialising {
            return;
        }
        match lookup("feature-rx-copy").as_deref().map(str::trim) {
            Some("1") => self.actions.push_back(Action::SetUpRings),
            Some(v) => self.fail(HandshakeError::BadValue { key: "feature-rx-copy", value: v.to_string() }),
            None => self.fail(HandshakeError::MissingKey("feature-rx-copy")),
        }
    }

    /// The rings are set up: publishes them and goes `Connected`.
    pub fn rings_ready(&mut self, info: RingInfo) {
        if self.state != XenbusState::Initialising {
            return;
        }
        self.w("tx-ring-ref", info.tx_ring_ref);
        self.w("rx-ring-ref", info.rx_ring_ref);
        match info.evtchn {
            EventChannelSpec::Single(p) => self.w("event-channel", p),
            EventChannelSpec::Split { tx, rx } => {
                self.w("event-channel-tx", tx);
                self.w("event-channel-rx", rx);
            }
        }
        self.w("request-rx-copy", 1);
        self.w("feature-rx-notify", 1);
        self.w("feature-sg", 0);
        self.w("feature-gso-tcpv4", 0);
        self.set_state(XenbusState::Connected);
        if self.peer == XenbusState::Connected {
            self.up = true;
            self.actions.push_back(Action::Up);
        }
    }

    /// Tears down: `Closing`, then `Closed`.
    pub fn close(&mut self) {
        if matches!(self.state, XenbusState::Closing | XenbusState::Closed) {
            return;
        }
        self.set_state(XenbusState::Closing);
        if self.up {
            self.up = false;
        }
        self.actions.push_back(Action::Down);
        self.set_state(XenbusState::Closed);
    }
}

/// The features a back end advertises by default: copy-only RX, no scatter-gather or GSO.
pub const DEFAULT_BACKEND_FEATURES: &[(&str, &str)] = &[
    ("feature-sg", "0"),
    ("feature-gso-tcpv4", "0"),
    ("feature-gso-tcpv6", "0"),
    ("feature-rx-copy", "1"),
    ("feature-rx-flip", "0"),
    ("feature-split-event-channels", "0"),
    ("feature-multicast-control", "0"),
];

/// The back end's side of the vif handshake.
#[derive(Debug)]
pub struct BackendHandshake {
    paths: VifPaths,
    split_offered: bool,
    state: XenbusState,
    peer: XenbusState,
    up: bool,
    asked: bool,
    actions: VecDeque<Action>,
    error: Option<HandshakeError>,
}

impl BackendHandshake {
    /// Starts: advertises `features`, goes `InitWait`, watches the front end's state.
    pub fn new(paths: VifPaths, features: &[(&str, &str)]) -> Self {
        let mut h = BackendHandshake {
            paths,
            split_offered: features.iter().any(|(k, v)| *k == "feature-split-event-channels" && *v == "1"),
            state: XenbusState::Initialising,
            peer: XenbusState::Unknown,
            up: false,
            asked: false,
            actions: VecDeque::new(),
            error: None,
        };
        for (k, v) in features {
            h.actions.push_back(Action::Write { path: format!("{}/{k}", h.paths.backend), value: v.to_string() });
        }
        h.set_state(XenbusState::InitWait);
        h.actions
            .push_back(Action::Watch { path: format!("{}/state", h.paths.frontend), token: "frontend-state".into() });
        h
    }

    fn set_state(&mut self, s: XenbusState) {
        self.state = s;
        self.actions.push_back(Action::Write { path: format!("{}/state", self.paths.backend), value: state_str(s) });
    }

    fn fail(&mut self, e: HandshakeError) {
        self.error.get_or_insert(e);
        self.close();
    }

    /// Our state.
    pub fn state(&self) -> XenbusState {
        self.state
    }

    /// Whether the link is up.
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// The error that ended the handshake, if any.
    pub fn error(&self) -> Option<&HandshakeError> {
        self.error.as_ref()
    }

    /// The paths.
    pub fn paths(&self) -> &VifPaths {
        &self.paths
    }

    /// The next thing to do.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// Feeds the front end's `state` node as read (absent: `None`).
    pub fn on_frontend_state(&mut self, raw: Option<&str>) {
        let Some(raw) = raw else { return };
        let Some(peer) = XenbusState::parse(raw) else {
            return self.fail(HandshakeError::BadState(raw.to_string()));
        };
        if peer == self.peer {
            return;
        }
        self.peer = peer;
        use XenbusState::*;
        match (self.state, peer) {
            (Closed, _) => {}
            (_, Closing | Closed) => self.close(),
            (InitWait, Initialised | Connected) if !self.asked => {
                self.asked = true;
                self.actions.push_back(Action::ReadFrontend);
            }
            (Connected, Initialising | InitWait | Unknown) => {
                self.fail(HandshakeError::OutOfOrder { ours: self.state, peer })
            }
            _ => {}
        }
    }

    /// Feeds the front end's keys (`lookup("tx-ring-ref")` etc.); checks them and asks the
    /// caller to connect the rings, or fails the handshake.
    pub fn frontend_details(&mut self, lookup: impl Fn(&str) -> Option<String>) {
        match parse_details(&lookup) {
            Ok(RingInfo { evtchn: EventChannelSpec::Split { .. }, .. }) if !self.split_offered => {
                self.fail(HandshakeError::BadValue {
                    key: "event-channel-tx",
                    value: "split channels were not offered".into(),
                })
            }
            Ok(info) => self.actions.push_back(Action::ConnectRings(info)),
            Err(e) => self.fail(e),
        }
    }

    /// The rings are connected: goes `Connected`.
    pub fn rings_connected(&mut self) {
        if self.state == XenbusState::InitWait {
            self.set_state(XenbusState::Connected);
            self.up = true;
            self.actions.push_back(Action::Up);
        }
    }

    /// Connecting the rings failed (e.g. the grants were refused).
    pub fn connect_failed(&mut self, why: HandshakeError) {
        self.fail(why);
    }

    /// Tears down: `Closing`, then `Closed`.
    pub fn close(&mut self) {
        if matches!(self.state, XenbusState::Closing | XenbusState::Closed) {
            return;
        }
        self.set_state(XenbusState::Closing);
        self.up = false;
        self.actions.push_back(Action::Down);
        self.set_state(XenbusState::Closed);
    }
}

fn parse_details(lookup: &impl Fn(&str) -> Option<String>) -> Result<RingInfo, HandshakeError> {
    let num = |key: &'static str| -> Result<Option<u32>, HandshakeError> {
        match lookup(key) {
            None => Ok(None),
            Some(v) => v.trim().parse::<u32>().map(Some).map_err(|_| HandshakeError::BadValue { key, value: v }),
        }
    };
    let tx_ring_ref = num("tx-ring-ref")?.ok_or(HandshakeError::MissingKey("tx-ring-ref"))?;
    let rx_ring_ref = num("rx-ring-ref")?.ok_or(HandshakeError::MissingKey("rx-ring-ref"))?;
    let evtchn = match (num("event-channel")?, num("event-channel-tx")?, num("event-channel-rx")?) {
        (Some(p), _, _) => EventChannelSpec::Single(p),
        (None, Some(tx), Some(rx)) => EventChannelSpec::Split { tx, rx },
        _ => return Err(HandshakeError::MissingKey("event-channel")),
    };
    for key in ["request-rx-copy", "feature-rx-notify"] {
        match num(key)? {
            Some(1) => {}
            Some(v) => {
                return Err(HandshakeError::BadValue { key, value: v.to_string() });
            }
            None => return Err(HandshakeError::MissingKey(key)),
        }
    }
    Ok(RingInfo { tx_ring_ref, rx_ring_ref, evtchn })
}

/// What the toolstack writes before either end starts: each side's pointer to the other.
pub fn toolstack_create_vif(
    store: &mut impl Platform,
    back: DomId,
    front: DomId,
    devid: u32,
) -> Result<VifPaths, XenError> {
    let p = VifPaths::new(back, front, devid);
    store.write(&format!("{}/backend", p.frontend), &p.backend)?;
    store.write(&format!("{}/backend-id", p.frontend), &back.to_string())?;
    store.write(&format!("{}/frontend", p.backend), &p.frontend)?;
    store.write(&format!("{}/frontend-id", p.backend), &front.to_string())?;
    store.write(&format!("{}/handle", p.backend), &devid.to_string())?;
    Ok(p)
}

fn wait_watch(plat: &mut impl Platform, deadline: Instant) -> Result<bool, XenError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Ok(false);
    }
    let ready = sys::poll_readable(plat.watch_fd(), Some(left.min(Duration::from_millis(50))))?;
    if ready {
        plat.take_watch_events()?;
    }
    Ok(true)
}

/// Runs the front end's handshake for vif `devid` against back end `back`: sets up a
/// [`Netfront`] on frames from `first_frame` and returns it once both sides are connected.
pub fn connect_frontend<P: Platform>(
    plat: P,
    back: DomId,
    devid: u32,
    first_frame: u32,
    timeout: Duration,
) -> Result<Netfront<P>, NetError> {
    let paths = VifPaths::new(back, plat.domid(), devid);
    let mut h = FrontendHandshake::new(paths.clone());
    let mut nf: Option<Netfront<P>> = None;
    let mut plat = Some(plat);
    let deadline = Instant::now() + timeout;
    loop {
        while let Some(a) = h.poll_action() {
            let store: &mut P = match (&mut nf, &mut plat) {
                (Some(n), _) => n.platform_mut(),
                (None, Some(p)) => p,
                (None, None) => return Err(NetError::Config("platform lost".into())),
            };
            match a {
                Action::Write { path, value } => store.write(&path, &value)?,
                Action::Watch { path, token } => store.watch(&path, &token)?,
                Action::ReadBackend => {
                    let v = store.read(&format!("{}/feature-rx-copy", paths.backend))?;
                    h.backend_details(|k| if k == "feature-rx-copy" { v.clone() } else { None });
                }
                Action::SetUpRings => {
                    let p = plat.take().ok_or_else(|| NetError::Config("rings set up twice".into()))?;
                    let n = Netfront::new(p, back, first_frame, 0)?;
                    h.rings_ready(n.ring_info());
                    nf = Some(n);
                }
                Action::Up => return nf.ok_or_else(|| NetError::Config("up without rings".into())),
                Action::Down => {}
                Action::ReadFrontend | Action::ConnectRings(_) => {}
            }
        }
        if let Some(e) = h.error() {
            return Err(NetError::Config(format!("vif handshake failed: {e}")));
        }
        if h.state() == XenbusState::Closed {
            return Err(NetError::Config("vif closed during handshake".into()));
        }
        let store: &mut P = match (&mut nf, &mut plat) {
            (Some(n), _) => n.platform_mut(),
            (None, Some(p)) => p,
            (None, None) => return Err(NetError::Config("platform lost".into())),
        };
        let st = store.read(&format!("{}/state", paths.backend))?;
        h.on_backend_state(st.as_deref());
        if !h.actions.is_empty() {
            continue;
        }
        if !wait_watch(store, deadline)? {
            return Err(NetError::Config(HandshakeError::Timeout(h.state()).to_string()));
        }
    }
}

/// Runs the back end's handshake for vif `devid` of domain `front`: returns a connected
/// [`Netback`] using staging frames from `staging_first`.
pub fn connect_backend<P: Platform>(
    plat: P,
    front: DomId,
    devid: u32,
    staging_first: u32,
    timeout: Duration,
) -> Result<Netback<P>, NetError> {
    let paths = VifPaths::new(plat.domid(), front, devid);
    let mut h = BackendHandshake::new(paths.clone(), DEFAULT_BACKEND_FEATURES);
    let deadline = Instant::now() + timeout;
    let mut nb: Option<Netback<P>> = None;
    let mut plat = Some(plat);
    loop {
        while let Some(a) = h.poll_action() {
            let store: &mut P = match (&mut nb, &mut plat) {
                (Some(n), _) => n.platform_mut(),
                (None, Some(p)) => p,
                (None, None) => return Err(NetError::Config("platform lost".into())),
            };
            match a {
                Action::Write { path, value } => store.write(&path, &value)?,
                Action::Watch { path, token } => store.watch(&path, &token)?,
                Action::ReadFrontend => {
                    let mut vals = std::collections::HashMap::new();
                    for k in [
                        "tx-ring-ref",
                        "rx-ring-ref",
                        "event-channel",
                        "event-channel-tx",
                        "event-channel-rx",
                        "request-rx-copy",
                        "feature-rx-notify",
                    ] {
                        if let Some(v) = store.read(&format!("{}/{k}", paths.frontend))? {
                            vals.insert(k.to_string(), v);
                        }
                    }
                    h.frontend_details(|k| vals.get(k).cloned());
                }
                Action::ConnectRings(info) => {
                    let p = plat.take().ok_or_else(|| NetError::Config("rings connected twice".into()))?;
                    match Netback::connect(p, front, info, staging_first) {
                        Ok(n) => {
                            nb = Some(n);
                            h.rings_connected();
                        }
                        Err(e) => {
                            h.connect_failed(HandshakeError::BadValue { key: "tx-ring-ref", value: e.to_string() });
                            return Err(e);
                        }
                    }
                }
                Action::Up => return nb.ok_or_else(|| NetError::Config("up without rings".into())),
                Action::Down | Action::SetUpRings | Action::ReadBackend => {}
            }
        }
        if let Some(e) = h.error() {
            return Err(NetError::Config(format!("vif handshake failed: {e}")));
        }
        if h.state() == XenbusState::Closed {
            return Err(NetError::Config("vif closed during handshake".into()));
        }
        let store: &mut P = match (&mut nb, &mut plat) {
            (Some(n), _) => n.platform_mut(),
            (None, Some(p)) => p,
            (None, None) => return Err(NetError::Config("platform lost".into())),
        };
        let st = store.read(&format!("{}/state", paths.frontend))?;
        h.on_frontend_state(st.as_deref());
        if !h.actions.is_empty() {
            continue;
        }
        if !wait_watch(store, deadline)? {
            return Err(NetError::Config(HandshakeError::Timeout(h.state()).to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Applies writes to a map; returns the other actions.
    fn run(store: &mut HashMap<String, String>, next: &mut dyn FnMut() -> Option<Action>) -> Vec<Action> {
        let mut other = Vec::new();
        while let Some(a) = next() {
            match a {
                Action::Write { path, value } => {
                    store.insert(path, value);
                }
                Action::Watch { .. } => {}
                a => other.push(a),
            }
        }
        other
    }

    fn info() -> RingInfo {
        RingInfo { tx_ring_ref: 8, rx_ring_ref: 9, evtchn: EventChannelSpec::Single(3) }
    }

    #[test]
    fn happy_path_and_teardown() {
        let p = VifPaths::new(0, 5, 0);
        let mut s = HashMap::new();
        let mut f = FrontendHandshake::new(p.clone());
        let mut b = BackendHandshake::new(p.clone(), DEFAULT_BACKEND_FEATURES);
        assert!(run(&mut s, &mut || f.poll_action()).is_empty());
        assert!(run(&mut s, &mut || b.poll_action()).is_empty());
        assert_eq!(s[&format!("{}/state", p.backend)], "2");
        assert_eq!(s[&format!("{}/feature-rx-copy", p.backend)], "1");
        assert_eq!(s[&format!("{}/state", p.frontend)], "1");
        b.on_frontend_state(s.get(&format!("{}/state", p.frontend)).map(String::as_str));
        assert!(run(&mut s, &mut || b.poll_action()).is_empty());
        f.on_backend_state(Some("2"));
        assert_eq!(run(&mut s, &mut || f.poll_action()), vec![Action::ReadBackend]);
        let be = p.backend.clone();
        let snapshot = s.clone();
        f.backend_details(|k| snapshot.get(&format!("{be}/{k}")).cloned());
        assert_eq!(run(&mut s, &mut || f.poll_action()), vec![Action::SetUpRings]);
        f.rings_ready(info());
        assert!(run(&mut s, &mut || f.poll_action()).is_empty());
        for (k, v) in [
            ("tx-ring-ref", "8"),
            ("rx-ring-ref", "9"),
            ("event-channel", "3"),
            ("request-rx-copy", "1"),
            ("feature-rx-notify", "1"),
            ("state", "4"),
        ] {
            assert_eq!(s[&format!("{}/{k}", p.frontend)], v, "{k}");
        }
        b.on_frontend_state(Some("4"));
        assert_eq!(run(&mut s, &mut || b.poll_action()), vec![Action::ReadFrontend]);
        let fe = p.frontend.clone();
        let snapshot = s.clone();
        b.frontend_details(|k| snapshot.get(&format!("{fe}/{k}")).cloned());
        assert_eq!(run(&mut s, &mut || b.poll_action()), vec![Action::ConnectRings(info())]);
        b.rings_connected();
        assert_eq!(run(&mut s, &mut || b.poll_action()), vec![Action::Up]);
        assert_eq!(b.state(), XenbusState::Connected);
        f.on_backend_state(Some("4"));
        assert_eq!(run(&mut s, &mut || f.poll_action()), vec![Action::Up]);
        assert!(f.is_up() && b.is_up());
        // Front end tears down; back end follows.
        f.close();
        assert_eq!(run(&mut s, &mut || f.poll_action()), vec![Action::Down]);
        assert_eq!(s[&format!("{}/state", p.frontend)], "6");
        b.on_frontend_state(Some("5"));
        assert_eq!(run(&mut s, &mut || b.poll_action()), vec![Action::Down]);
        assert_eq!(b.state(), XenbusState::Closed);
        assert!(f.error().is_none() && b.error().is_none());
    }

    #[test]
    fn misbehaving_back_end() {
        let p = VifPaths::new(0, 5, 0);
        let mut f = FrontendHandshake::new(p.clone());
        f.on_backend_state(Some("banana"));
        assert_eq!(f.error(), Some(&HandshakeError::BadState("banana".into())));
        assert_eq!(f.state(), XenbusState::Closed);
        let mut f = FrontendHandshake::new(p.clone());
        f.on_backend_state(Some("4"));
        assert!(matches!(f.error(), Some(HandshakeError::OutOfOrder { .. })));
        let mut f = FrontendHandshake::new(p.clone());
        f.on_backend_state(Some("99"));
        assert!(matches!(f.error(), Some(HandshakeError::BadState(_))));
        // A back end that cannot copy into our buffers.
        let mut f = FrontendHandshake::new(p);
        f.on_backend_state(Some("2"));
        f.backend_details(|_| Some("0".into()));
        assert!(matches!(f.error(), Some(HandshakeError::BadValue { key: "feature-rx-copy", .. })));
        assert_eq!(f.state(), XenbusState::Closed);
    }

    #[test]
    fn misbehaving_front_end() {
        let p = VifPaths::new(0, 5, 0);
        let details = |pairs: &[(&str, &str)]| -> Result<RingInfo, HandshakeError> {
            let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            parse_details(&|k: &str| m.get(k).cloned())
        };
        let good = [
            ("tx-ring-ref", "8"),
            ("rx-ring-ref", "9"),
            ("event-channel", "3"),
            ("request-rx-copy", "1"),
            ("feature-rx-notify", "1"),
        ];
        assert_eq!(details(&good), Ok(info()));
        assert_eq!(details(&good[1..]), Err(HandshakeError::MissingKey("tx-ring-ref")));
        let mut bad = good;
        bad[0].1 = "-1";
        assert!(matches!(details(&bad), Err(HandshakeError::BadValue { key: "tx-ring-ref", .. })));
        let mut bad = good;
        bad[3].1 = "0";
        assert!(matches!(details(&bad), Err(HandshakeError::BadValue { key: "request-rx-copy", .. })));
        let split = [
            ("tx-ring-ref", "8"),
            ("rx-ring-ref", "9"),
            ("event-channel-tx", "3"),
            ("event-channel-rx", "4"),
            ("request-rx-copy", "1"),
            ("feature-rx-notify", "1"),
        ];
        assert_eq!(details(&split).unwrap().evtchn, EventChannelSpec::Split { tx: 3, rx: 4 });
        // Split channels were not offered: refused.
        let mut b = BackendHandshake::new(p.clone(), DEFAULT_BACKEND_FEATURES);
        b.on_frontend_state(Some("4"));
        b.frontend_details(|k| split.iter().find(|(kk, _)| *kk == k).map(|(_, v)| v.to_string()));
        assert!(matches!(b.error(), Some(HandshakeError::BadValue { key: "event-channel-tx", .. })));
        // Offered: accepted.
        let mut b = BackendHandshake::new(p.clone(), &[("feature-split-event-channels", "1")]);
        b.on_frontend_state(Some("4"));
        b.frontend_details(|k| split.iter().find(|(kk, _)| *kk == k).map(|(_, v)| v.to_string()));
        assert!(b.error().is_none());
        // Bad details close the back end.
        let mut b = BackendHandshake::new(p.clone(), DEFAULT_BACKEND_FEATURES);
        b.on_frontend_state(Some("3"));
        b.frontend_details(|_| None);
        assert_eq!(b.state(), XenbusState::Closed);
        assert!(b.error().is_some());
        // A connected front end that goes back to Initialising is out of order.
        let mut b = BackendHandshake::new(p, DEFAULT_BACKEND_FEATURES);
        b.on_frontend_state(Some("4"));
        b.frontend_details(|k| good.iter().find(|(kk, _)| *kk == k).map(|(_, v)| v.to_string()));
        b.rings_connected();
        b.on_frontend_state(Some("1"));
        assert!(matches!(b.error(), Some(HandshakeError::OutOfOrder { .. })));
        assert_eq!(b.state(), XenbusState::Closed);
    }
}
