//! Reachability instead of paths. `MATCH (a)-[*1..3]->(b) RETURN count(DISTINCT b)` asks which nodes
//! are reachable, not by how many paths: enumerating every path grows exponentially with the
//! length, while a breadth-first search visits each node once. A variable-length expansion may
//! yield each reachable end once (instead of once per path) when nothing above it can tell the
//! difference:
//!
//! - every row it yields ends up under a `DISTINCT` or in an aggregation whose aggregates ignore
//!   repeats (`count(DISTINCT …)`, `collect(DISTINCT …)`, `min`, `max`), through operators that treat
//!   rows one at a time and never count them (filters, projections, other expansions);
//! - its relationships are not visible: no variable, no named path, and no other relationship of the
//!   same MATCH that must differ from them;
//! - its minimum length is 0 or 1: a shortest path is a path with no repeated relationship, so the
//!   nodes at distance 1..=max are exactly the ends of such paths (the start node itself is reached
//!   again only through a cycle, which the search detects; see `exec::reach`);
//! - the expressions above it give the same value for the same row (no `rand()`), and read no
//!   pattern (which this check does not look into).

use super::visit::{children, children_mut, deterministic};
use super::{AggKind, AggSpec, Op};

/// Marks the expansions of `root` that may search for reachable nodes.
pub(super) fn mark(mut root: Op) -> Op {
    let mut guarded = Vec::new();
    collect_guarded(&root, &mut guarded);
    visit(&mut root, false, &guarded);
    root
}

/// Relationship slots that some expansion must keep distinct from its own.
fn collect_guarded(op: &Op, guarded: &mut Vec<usize>) {
    match op {
        Op::Expand { distinct_from, .. } | Op::VarExpand { distinct_from, .. } => {
            guarded.extend(distinct_from);
        }
        _ => {}
    }
    for child in children(op) {
        collect_guarded(child, guarded);
    }
}

fn visit(op: &mut Op, repeats_ignored: bool, guarded: &[usize]) {
    let below = match op {
        Op::Distinct { .. } => true,
        Op::Aggregate { keys, aggregates, outputs, .. } => {
            aggregates.iter().all(ignores_repeats)
                && keys.iter().chain(outputs.iter()).all(deterministic)
                && aggregates.iter().flat_map(|a| a.arg.iter().chain(a.param.iter())).all(deterministic)
        }
        Op::Project { exprs, .. } => repeats_ignored && exprs.iter().all(deterministic),
        Op::Filter { predicate, .. } => repeats_ignored && deterministic(predicate),
        Op::Expand { .. } | Op::NodeScan { .. } => repeats_ignored,
        Op::NodeById { value, .. } => repeats_ignored && deterministic(value),
        Op::NodeIndexSeek { probe, .. } | Op::RelIndexSeek { probe, .. } => {
            repeats_ignored && probe.exprs().into_iter().all(deterministic)
        }
        Op::VarExpand { rel, anonymous, reachable, min, distinct_from, properties, .. } => {
            *reachable = repeats_ignored
                && *anonymous
                && *min <= 1
                && distinct_from.is_empty()
                && !guarded.contains(rel)
                && properties.iter().all(|(_, e)| deterministic(e));
            repeats_ignored
        }
        _ => false,
    };
    for child in children_mut(op) {
        visit(child, below, guarded);
    }
}

fn ignores_repeats(a: &AggSpec) -> bool {
    a.distinct || matches!(a.kind, AggKind::Min | AggKind::Max)
}
