//! The `stream` pass: a CREATE or MERGE whose input cannot see the graph, and whose output reaches
//! nothing that reads it, runs each row as it comes instead of reading all its input first.
//!
//! A writing clause reads all its input before it writes so that the statement never sees its own
//! writes half-way: `MATCH (a:A) CREATE (:A)` must not find the nodes it creates, and `CREATE (:A)
//! WITH 1 AS x MATCH (a:A) RETURN count(a)` counts them all on every row. Both need a reader: below
//! the writer (a scan, an expansion, a pattern in an expression, a procedure) or above it before
//! the next operator that reads all its input anyway (a sort, an aggregation, another such
//! writer). Where there is none — `LOAD CSV … MERGE (:ThreatActor {name: row.name})`, `UNWIND
//! range(1, 1000000) AS i CREATE (:N {i: i})` — the rows are the same either way, and streaming
//! them keeps a load of any size in the memory of one row instead of all of them.
//!
//! A `LIMIT` above a writer reads its input to the end all the same (the planner says so), so every
//! row is written either way. MERGE's own matching reads the graph row by row in both modes, in the
//! same order.

use super::Op;
use super::visit::{children_mut, visit_expr};
use crate::query::expr::{CExpr, Function};

pub(super) fn writes(mut root: Op) -> Op {
    mark(&mut root, Above::NOTHING);
    root
}

/// What the operators above one read, up to the root or to the nearest that reads all its input
/// before it evaluates anything (a SET or DELETE, a writer that does not stream).
#[derive(Clone, Copy)]
struct Above {
    /// A pattern (or anything else that stops pulling before the input ends): what a CREATE or
    /// MERGE adds would show.
    patterns: bool,
    /// A property or label of an entity: what a MERGE's ON MATCH SET changes on an entity an
    /// earlier row yielded would show.
    state: bool,
}

/// Marks the writers at and under `op` that may stream, given what the operators above it read.
fn mark(op: &mut Op, above: Above) {
    let for_input = match op {
        Op::Create { input, stream, .. } => {
            *stream = !above.patterns && blind(input);
            if *stream { above } else { Above::NOTHING }
        }
        Op::Merge { input, stream, on_match, .. } => {
            // ON CREATE SET changes only the entity the row creates, before the row is yielded.
            *stream = !above.patterns && (on_match.is_empty() || !above.state) && blind(input);
            if *stream { above } else { Above::NOTHING }
        }
        // Reads all its input before it evaluates anything.
        Op::Write { .. } => Above::NOTHING,
        // These evaluate their expressions on each row as it comes, and yield once all have come.
        Op::Sort { keys, .. } => Above::NOTHING.and(keys.iter().map(|(k, _)| k)),
        Op::Aggregate { keys, aggregates, .. } => Above::NOTHING
            .and(keys.iter().chain(aggregates.iter().flat_map(|a| a.arg.iter().chain(a.param.iter())))),
        Op::Discard { .. } | Op::Distinct { .. } | Op::Skip { .. } | Op::Trim { .. } => above,
        // A limit over a writer reads its input to the end (`drain`), past the rows it yields.
        Op::Limit { drain: true, .. } => above,
        Op::Project { exprs, .. } => above.and(exprs.iter()),
        Op::Filter { predicate: e, .. }
        | Op::Assign { expr: e, .. }
        | Op::Unwind { expr: e, .. }
        | Op::LoadCsv { source: e, .. } => above.and([&*e]),
        _ => Above::EVERYTHING,
    };
    for child in children_mut(op) {
        mark(child, for_input);
    }
}

impl Above {
    const NOTHING: Above = Above { patterns: false, state: false };
    const EVERYTHING: Above = Above { patterns: true, state: true };

    /// What is read above once `exprs` are read too.
    fn and<'e>(self, exprs: impl IntoIterator<Item = &'e CExpr>) -> Above {
        exprs.into_iter().fold(self, |above, e| Above {
            patterns: above.patterns || !pattern_free(e),
            state: above.state || !state_free(e),
        })
    }
}

/// Whether the rows `op` yields are the same whatever the graph holds and whenever they are
/// pulled: no scan, expansion, seek, procedure or pattern below it. Nodes the input row already
/// holds (an argument) are fine: a CREATE or MERGE adds to the graph and changes nothing those
/// rows' expressions can read without a pattern.
fn blind(op: &Op) -> bool {
    match op {
        Op::Once | Op::Argument => true,
        Op::Unwind { input, expr: e, .. }
        | Op::LoadCsv { input, source: e, .. }
        | Op::Filter { input, predicate: e, .. }
        | Op::Assign { input, expr: e, .. } => pattern_free(e) && blind(input),
        Op::Project { input, exprs, .. } => exprs.iter().all(pattern_free) && blind(input),
        Op::Distinct { input }
        | Op::Skip { input, .. }
        | Op::Limit { input, .. }
        | Op::Trim { input, .. } => blind(input),
        _ => false,
    }
}

/// Whether `e` reads nothing of an entity's state (properties, labels) nor a pattern.
fn state_free(e: &CExpr) -> bool {
    let mut free = pattern_free(e);
    visit_expr(e, &mut |x| {
        free &= !matches!(
            x,
            CExpr::Property(..)
                | CExpr::HasLabels(..)
                | CExpr::HasLabelsOf(..)
                | CExpr::LabelTest(..)
                | CExpr::MapProjection { .. }
                | CExpr::Call(Function::Labels | Function::Properties | Function::Keys, ..)
        );
    });
    free
}

fn pattern_free(e: &CExpr) -> bool {
    let mut free = true;
    visit_expr(e, &mut |x| {
        free &= !matches!(
            x,
            CExpr::PatternExists { .. } | CExpr::PatternComprehension { .. } | CExpr::Subquery(..)
        );
    });
    free
}

#[cfg(test)]
mod tests {
    use crate::graph::Graph;
    use crate::query::parser::parse_statement;
    use crate::query::plan::{Passes, plan_with};

    fn explain(q: &str) -> String {
        let statement = parse_statement(q, 0..q.len()).expect("parses");
        plan_with(&statement, &Graph::default(), Passes::all()).expect("plans").to_string()
    }

    #[test]
    fn writers_over_blind_inputs_stream() {
        for q in [
            "UNWIND range(1, 10) AS i CREATE (:N {i: i})",
            "LOAD CSV FROM 'x.csv' AS row MERGE (:A {name: row[0]})",
            "UNWIND [1, 2] AS i WITH i WHERE i > 1 CREATE (n:N) RETURN count(n)",
            "UNWIND [1, 2] AS i CREATE (n:N) RETURN n ORDER BY n.x LIMIT 1",
            "UNWIND [1, 2] AS i CREATE (n:A) RETURN n LIMIT 1",
        ] {
            assert!(explain(q).contains("as rows come"), "{q}:\n{}", explain(q));
        }
    }

    #[test]
    fn writers_that_something_could_tell_apart_read_their_input_first() {
        for q in [
            // The input reads the graph.
            "MATCH (a:A) CREATE (:A)",
            "UNWIND [1, 2] AS i WITH i WHERE exists { (:A) } CREATE (:A)",
            // Something above reads the graph.
            "UNWIND [1, 2] AS i CREATE (:A) WITH i MATCH (a:A) RETURN i, count(a)",
            "UNWIND [1, 2] AS i CREATE (n:A) RETURN size([(n)--() | 1]) AS d",
        ] {
            assert!(!explain(q).contains("as rows come"), "{q}:\n{}", explain(q));
        }
        // The second MERGE reads what the first wrote: it reads all its input first, and so the
        // first, below it, may stream.
        let plan = explain("UNWIND [1, 2] AS i MERGE (a:A {i: i}) MERGE (b:A {i: i + 1})");
        assert_eq!(plan.matches("as rows come").count(), 1, "{plan}");
        assert!(plan.lines().nth(1).is_some_and(|l| l.trim() == "Merge"), "{plan}");
    }
}
