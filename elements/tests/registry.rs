//! Every registered class is well formed: its codes parse and its documentation has the
//! sections `vrouter elements` promises.

use click_core::spec::{FlowCode, PortCount, ProcessingCode};
use elements::standard_registry;

#[test]
fn every_class_has_valid_codes_and_documentation() {
    let registry = standard_registry();
    assert!(registry.classes().count() >= 10);
    for class in registry.classes() {
        let e = (class.make)();
        PortCount::parse(e.port_count()).unwrap_or_else(|err| panic!("{}: {err}", class.name));
        ProcessingCode::parse(e.processing()).unwrap_or_else(|err| panic!("{}: {err}", class.name));
        FlowCode::parse(e.flow_code()).unwrap_or_else(|err| panic!("{}: {err}", class.name));
        for section in ["# Synopsis", "# Ports and processing", "# Example", "```click"] {
            assert!(class.doc.contains(section), "{} documentation lacks {section}", class.name);
        }
    }
}
