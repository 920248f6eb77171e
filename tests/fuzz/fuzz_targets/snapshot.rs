//! Any bytes as a snapshot: refused with an error or decoded, never a panic or an allocation the
//! file cannot justify. What decodes must encode and decode back to the same graph.
#![no_main]

use std::path::Path;

use kgraph::snapshot;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(graph) = snapshot::from_bytes(data, Path::new("fuzz.kgs")) else { return };
    let bytes = snapshot::to_bytes(&graph);
    let back = snapshot::from_bytes(&bytes, Path::new("again.kgs")).expect("a saved graph loads");
    assert!(back == graph, "save ∘ load changed the graph");
});
