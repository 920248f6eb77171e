//! Any text through the splitter, the parser, the planner and the notifications (against the seed
//! graph): an error is fine, a panic or a hang is a bug. A statement that parses must print as text
//! that parses back to the same statement.
#![no_main]

use std::sync::OnceLock;

use kgraph::query::{parser, plan, split};
use kgraph::{Graph, Session};
use libfuzzer_sys::fuzz_target;

fn seed() -> &'static Graph {
    static SEED: OnceLock<Graph> = OnceLock::new();
    SEED.get_or_init(|| {
        let mut session = Session::new();
        // The seed script is part of the repository and is checked by the test suite.
        session.run(include_str!("../../../graphs/czech-apt31.cypher")).expect("the seed graph loads");
        session.into_graph()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for range in split::scan(text).statements {
        let Ok(statement) = parser::parse_statement(text, range) else { continue };
        let printed = statement.to_string();
        let again = parser::parse_statement(&printed, 0..printed.len())
            .unwrap_or_else(|e| panic!("printed statement does not parse: {printed}\n{e}"));
        assert_eq!(again.to_string(), printed, "printing is not stable");
        if plan::plan(&statement, seed()).is_ok() {
            // What a statement may not have meant: walks every clause and expression.
            let _ = kgraph::query::notify::check(&statement, seed());
        }
    }
});
