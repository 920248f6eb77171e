//! Any bytes as a JSON Lines or GraphML file (by their first byte, as a load tells them apart):
//! refused with an error or read, never a panic or an allocation the file cannot justify. A graph
//! read from JSON Lines, written as JSON Lines and read again, is the same graph.
#![no_main]

use kgraph::export::{ExportFormat, Selection, write};
use kgraph::readback::{looks_like_graphml, read_graphml, read_jsonl};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if looks_like_graphml(data) {
        let _ = read_graphml(data);
        return;
    }
    let (graph, _) = read_jsonl(data);
    let mut out = Vec::new();
    write(&graph, &Selection::all(&graph), ExportFormat::Jsonl, &mut out).expect("writes to memory");
    let (back, problems) = read_jsonl(&out);
    assert!(problems.is_empty(), "an export reads back without problems: {problems:?}");
    assert!(back == graph, "JSON Lines out and in changed the graph");
});
