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

use super::visit::{children_mut, visit_expr};
use super::{CreateItem, Op, WriteAction};
use crate::query::expr::{CExpr, Function};

pub(super) fn writes(mut root: Op) -> Op {
    mark(&mut root, Above::default());
    root
}

/// What the operators above one read, up to the root or to the nearest that reads all its input
/// before it evaluates anything (a SET or DELETE, a writer that does not stream).
#[derive(Clone, Default)]
struct Above {
    /// A pattern (or anything else that stops pulling before the input ends): what a CREATE or
    /// MERGE adds would show.
    patterns: bool,
    /// A property or label of an entity: what a MERGE's ON MATCH SET changes on an entity an
    /// earlier row yielded would show.
    state: bool,
    /// The writers above that stream, each by what it may create and match: a writer below may
    /// stream under them only if neither could create what the other matches.
    writers: Vec<Footprint>,
}

/// What a CREATE or MERGE may create, and so (for a MERGE) match: the labels of each node it
/// creates, the type of each relationship. A node pattern matches a node that has its labels, so
/// one writer's node may match another's when one's labels are a subset of the other's.
#[derive(Clone)]
struct Footprint {
    nodes: Vec<Vec<String>>,
    types: Vec<String>,
}

impl Footprint {
    /// `None` where it cannot be told: ON MATCH SET changes entities whatever their other labels,
    /// a label set on creation adds to them, a pattern in a property reads anything.
    fn of(items: &[CreateItem], on_create: &[WriteAction], on_match: &[WriteAction]) -> Option<Footprint> {
        if !on_match.is_empty() || on_create.iter().any(|a| matches!(a, WriteAction::AddLabels { .. })) {
            return None;
        }
        let (mut nodes, mut types) = (Vec::new(), Vec::new());
        for item in items {
            let (properties, spread) = match item {
                CreateItem::Node { labels, properties, spread, .. } => {
                    nodes.push(labels.clone());
                    (properties, spread)
                }
                CreateItem::Relationship { rel_type, properties, spread, .. } => {
                    types.push(rel_type.clone());
                    (properties, spread)
                }
            };
            if !properties.iter().map(|(_, e)| e).chain(spread.iter()).all(pattern_free) {
                return None;
            }
        }
        Some(Footprint { nodes, types })
    }

    /// Whether one could create what the other matches.
    fn meets(&self, other: &Footprint) -> bool {
        let within = |a: &[String], b: &[String]| a.iter().all(|l| b.contains(l));
        self.nodes.iter().any(|a| other.nodes.iter().any(|b| within(a, b) || within(b, a)))
            || self.types.iter().any(|t| other.types.contains(t))
    }
}

/// Marks the writers at and under `op` that may stream, given what the operators above it read.
fn mark(op: &mut Op, above: Above) {
    let for_input = match op {
        Op::Create { input, items, stream } => {
            let footprint = Footprint::of(items, &[], &[]);
            *stream = !above.patterns && apart(&footprint, &above) && blind(input, true);
            streamed(*stream, above, footprint)
        }
        Op::Merge { input, stream, create, on_create, on_match, .. } => {
            let footprint = Footprint::of(create, on_create, on_match);
            // ON CREATE SET changes only the entity the row creates, before the row is yielded. A
            // MERGE that sets what it matches streams only over input that holds no entity.
            *stream = !above.patterns
                && (on_match.is_empty() || !above.state)
                && apart(&footprint, &above)
                && blind(input, on_match.is_empty());
            streamed(*stream, above, footprint)
        }
        // Reads all its input before it evaluates anything.
        Op::Write { .. } => Above::default(),
        // These evaluate their expressions on each row as it comes, and yield once all have come.
        Op::Sort { keys, .. } => Above::default().and(keys.iter().map(|(k, _)| k)),
        Op::Aggregate { keys, aggregates, .. } => Above::default()
            .and(keys.iter().chain(aggregates.iter().flat_map(|a| a.arg.iter().chain(a.param.iter())))),
        Op::Discard { .. } | Op::Distinct { .. } | Op::Skip { .. } | Op::Trim { .. } => above,
        // A limit over a writer reads its input to the end (`drain`), past the rows it yields.
        Op::Limit { drain: true, .. } => above,
        Op::Project { exprs, .. } => above.and(exprs.iter()),
        Op::Filter { predicate: e, .. }
        | Op::Assign { expr: e, .. }
        | Op::Unwind { expr: e, .. }
        | Op::LoadCsv { source: e, .. } => above.and([&*e]),
        _ => Above::everything(),
    };
    for child in children_mut(op) {
        mark(child, for_input.clone());
    }
}

/// Whether a writer of `footprint` is apart from every streaming writer above it.
fn apart(footprint: &Option<Footprint>, above: &Above) -> bool {
    above.writers.is_empty() || footprint.as_ref().is_some_and(|f| above.writers.iter().all(|w| !w.meets(f)))
}

/// What the input of a writer sees above it: as the writer's own, with the writer among the
/// streaming ones when it streams; a fresh start when it reads all its input first.
fn streamed(stream: bool, mut above: Above, footprint: Option<Footprint>) -> Above {
    if !stream {
        return Above::default();
    }
    match footprint {
        Some(f) => above.writers.push(f),
        // Streaming with nothing known of it: only under nothing else that streams (`apart`), and
        // with nothing that streams below it.
        None => above.patterns = true,
    }
    above
}

impl Above {
    fn everything() -> Above {
        Above { patterns: true, state: true, writers: Vec::new() }
    }

    /// What is read above once `exprs` are read too.
    fn and<'e>(mut self, exprs: impl IntoIterator<Item = &'e CExpr>) -> Above {
        for e in exprs {
            self.patterns |= !pattern_free(e);
            self.state |= !state_free(e);
        }
        self
    }
}

/// Whether the rows `op` yields are the same whatever the graph holds and whenever they are
/// pulled: no scan, expansion, seek, procedure or pattern below it. Nodes the input row already
/// holds (an argument) are fine: a CREATE or MERGE adds to the graph and changes nothing those
/// rows' expressions can read without a pattern. With `writers`, CREATE and MERGE below count too:
/// either they stream, apart from the writer above (which `mark` sees to as it goes down), or they
/// read all their input and write before the writer above starts.
fn blind(op: &Op, writers: bool) -> bool {
    match op {
        Op::Once | Op::Argument => true,
        Op::Unwind { input, expr: e, .. }
        | Op::LoadCsv { input, source: e, .. }
        | Op::Filter { input, predicate: e, .. }
        | Op::Assign { input, expr: e, .. } => pattern_free(e) && blind(input, writers),
        Op::Project { input, exprs, .. } => exprs.iter().all(pattern_free) && blind(input, writers),
        Op::Distinct { input }
        | Op::Skip { input, .. }
        | Op::Limit { input, .. }
        | Op::Trim { input, .. } => blind(input, writers),
        Op::Create { input, .. } | Op::Merge { input, .. } if writers => blind(input, writers),
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
        // Two MERGEs of the same label: the second would see what the first writes for later
        // rows. They do not both stream: the first reads all its input and writes first, and the
        // second may then stream over what it yields.
        let plan = explain("UNWIND [1, 2] AS i MERGE (a:A {i: i}) MERGE (b:A {i: i + 1})");
        assert_eq!(plan.matches("as rows come").count(), 1, "{plan}");
        assert!(plan.lines().any(|l| l.trim() == "Merge"), "the first reads its input first:\n{plan}");
    }

    #[test]
    fn writers_apart_stream_one_over_the_other() {
        // The import every LOAD CSV tutorial writes: nothing one MERGE creates can match another's.
        let plan = explain(
            "LOAD CSV WITH HEADERS FROM 'x.csv' AS row MERGE (a:Actor {name: row.actor}) \
             MERGE (c:Country {name: row.country}) MERGE (a)-[:BASED_IN]->(c)",
        );
        assert_eq!(plan.matches("as rows come").count(), 3, "{plan}");
        // A node without labels matches anything; a label in common; a type in common.
        for q in [
            "UNWIND [1, 2] AS i MERGE (a:A {i: i}) MERGE (b {i: i})",
            "UNWIND [1, 2] AS i MERGE (a:A:B {i: i}) MERGE (b:B {i: i})",
            "UNWIND [1, 2] AS i MERGE (a:A {i: i}) MERGE (b:B {i: i}) MERGE (a)-[:R]->(b) MERGE (b)-[:R]->(a)",
            "UNWIND [1, 2] AS i MERGE (a:A {i: i}) ON MATCH SET a.seen = true MERGE (b:B {i: i})",
        ] {
            let plan = explain(q);
            assert!(plan.lines().any(|l| l.trim() == "Merge"), "{q}: one reads its input first\n{plan}");
        }
    }
}
