//! Sources, sinks and basic plumbing.

mod address_info;
mod counter;
mod discard;
mod hash_switch;
mod idle;
mod infinite_source;
mod null;
mod pad;
mod paint;
mod paint_switch;
mod paint_tee;
mod print;
mod rated_source;
mod round_robin_switch;
mod script;
mod set_timestamp;
mod static_thread_sched;
mod strip;
mod strip_to_network_header;
mod switch;
mod tee;
mod timed_source;
mod truncate;
mod unstrip;

pub use address_info::AddressInfo;
pub use counter::Counter;
pub use discard::Discard;
pub use hash_switch::HashSwitch;
pub use idle::Idle;
pub use infinite_source::InfiniteSource;
pub use null::Null;
pub use pad::Pad;
pub use paint::Paint;
pub use paint_switch::PaintSwitch;
pub use paint_tee::PaintTee;
pub use print::Print;
pub use rated_source::RatedSource;
pub use round_robin_switch::RoundRobinSwitch;
pub use script::Script;
pub use set_timestamp::SetTimestamp;
pub use static_thread_sched::StaticThreadSched;
pub use strip::Strip;
pub use strip_to_network_header::StripToNetworkHeader;
pub use switch::Switch;
pub use tee::Tee;
pub use timed_source::TimedSource;
pub use truncate::Truncate;
pub use unstrip::Unstrip;

use click_core::{ElementClass, Registry};

/// A source's packet contents: DATA as given, or repeated (or cut) to LENGTH bytes; zeros
/// when DATA is empty (Click's InfiniteSource rule, shared by the sources here).
pub(crate) fn source_payload(data: &[u8], length: Option<usize>) -> Vec<u8> {
    match length {
        None => data.to_vec(),
        Some(n) if data.is_empty() => vec![0; n],
        Some(n) => data.iter().copied().cycle().take(n).collect(),
    }
}

/// Registers this family's classes.
pub fn register(r: &mut Registry) {
    r.register(ElementClass { name: "Counter", make: || Box::new(Counter::default()), doc: Counter::DOC });
    r.register(ElementClass { name: "Discard", make: || Box::new(Discard::default()), doc: Discard::DOC });
    r.register(ElementClass { name: "Idle", make: || Box::new(Idle), doc: Idle::DOC });
    r.register(ElementClass {
        name: "InfiniteSource",
        make: || Box::new(InfiniteSource::default()),
        doc: InfiniteSource::DOC,
    });
    r.register(ElementClass { name: "Null", make: || Box::new(Null), doc: Null::DOC });
    r.register(ElementClass {
        name: "StaticThreadSched",
        make: || Box::new(StaticThreadSched),
        doc: StaticThreadSched::DOC,
    });
    r.register(ElementClass { name: "Tee", make: || Box::new(Tee::default()), doc: Tee::DOC });
    r.register(ElementClass { name: "Strip", make: || Box::new(Strip::default()), doc: Strip::DOC });
    r.register(ElementClass { name: "Unstrip", make: || Box::new(Unstrip::default()), doc: Unstrip::DOC });
    r.register(ElementClass { name: "Paint", make: || Box::new(Paint::default()), doc: Paint::DOC });
    r.register(ElementClass { name: "PaintTee", make: || Box::new(PaintTee::default()), doc: PaintTee::DOC });
    r.register(ElementClass { name: "Print", make: || Box::new(Print::default()), doc: Print::DOC });
    r.register(ElementClass { name: "AddressInfo", make: || Box::new(AddressInfo::default()), doc: AddressInfo::DOC });
    r.register(ElementClass { name: "HashSwitch", make: || Box::new(HashSwitch::default()), doc: HashSwitch::DOC });
    r.register(ElementClass { name: "Pad", make: || Box::new(Pad::default()), doc: Pad::DOC });
    r.register(ElementClass { name: "PaintSwitch", make: || Box::new(PaintSwitch::default()), doc: PaintSwitch::DOC });
    r.register(ElementClass { name: "RatedSource", make: || Box::new(RatedSource::default()), doc: RatedSource::DOC });
    r.register(ElementClass {
        name: "RoundRobinSwitch",
        make: || Box::new(RoundRobinSwitch::default()),
        doc: RoundRobinSwitch::DOC,
    });
    r.register(ElementClass {
        name: "SetTimestamp",
        make: || Box::new(SetTimestamp::default()),
        doc: SetTimestamp::DOC,
    });
    r.register(ElementClass {
        name: "StripToNetworkHeader",
        make: || Box::new(StripToNetworkHeader),
        doc: StripToNetworkHeader::DOC,
    });
    r.register(ElementClass { name: "Switch", make: || Box::new(Switch::new(true)), doc: Switch::DOC });
    r.register(ElementClass { name: "StaticSwitch", make: || Box::new(Switch::new(false)), doc: Switch::DOC });
    r.register(ElementClass { name: "TimedSource", make: || Box::new(TimedSource::default()), doc: TimedSource::DOC });
    r.register(ElementClass { name: "Truncate", make: || Box::new(Truncate::default()), doc: Truncate::DOC });
    r.register(ElementClass { name: "Script", make: || Box::new(Script::new(false)), doc: Script::DOC });
    r.register(ElementClass { name: "DriverManager", make: || Box::new(Script::new(true)), doc: Script::DOC });
}
