//! Patterns inside expressions — `WHERE (a)-[:KNOWS]->(b)`, `[(a)-->(b) | b.name]`,
//! `EXISTS { MATCH … }` — matched from the row being evaluated, through the store's adjacency API.

use super::error::{ErrorKind, QueryError};
use super::expr::{CExpr, EvalCtx};
use crate::graph::{Direction, EdgeId, NodeId, Sym};
use crate::value::Value;

#[derive(Debug, Clone)]
pub struct NodeSpec {
    pub slot: usize,
    /// Bound before the pattern: its value must match, nothing is enumerated.
    pub bound: bool,
    pub labels: Vec<String>,
    /// A label expression beyond the labels (`:A|B`), which the node must satisfy too.
    pub label_expr: Option<super::ast::LabelExpr>,
    pub properties: Vec<(String, CExpr)>,
}

#[derive(Debug, Clone)]
pub struct RelSpec {
    pub slot: usize,
    pub bound: bool,
    pub types: Vec<String>,
    pub direction: Direction,
    pub properties: Vec<(String, CExpr)>,
    /// `(min, max)` for a variable-length relationship; its slot then holds a list.
    pub length: Option<(u64, Option<u64>)>,
}

#[derive(Debug, Clone)]
pub struct PatternSpec {
    pub start: NodeSpec,
    pub steps: Vec<(RelSpec, NodeSpec)>,
    /// A named path: its slot and how to build it.
    pub path: Option<(usize, CExpr)>,
}

fn put(row: &mut Vec<Value>, slot: usize, v: Value) {
    if row.len() <= slot {
        row.resize(slot + 1, Value::Null);
    }
    row[slot] = v;
}

fn properties_match(
    props: &crate::graph::Properties,
    wanted: &[(String, CExpr)],
    row: &[Value],
    ctx: &EvalCtx,
) -> Result<bool, QueryError> {
    for (k, e) in wanted {
        let want = e.eval(row, ctx)?;
        let have = ctx.graph.symbol(k).and_then(|s| props.get(s));
        if have.is_none_or(|h| h.cypher_eq(&want) != Some(true)) {
            return Ok(false);
        }
    }
    Ok(true)
}

fn node_ok(spec: &NodeSpec, n: NodeId, row: &[Value], ctx: &EvalCtx) -> Result<bool, QueryError> {
    if spec.bound && row.get(spec.slot) != Some(&Value::Node(n)) {
        return Ok(false);
    }
    let has = |l: &str| ctx.graph.symbol(l).is_some_and(|s| ctx.graph.has_label(n, s));
    let labelled = spec.labels.iter().all(|l| has(l))
        && spec.label_expr.as_ref().is_none_or(|e| e.matches(&has, !ctx.graph.labels(n).is_empty()));
    Ok(labelled && properties_match(ctx.graph.node_properties(n), &spec.properties, row, ctx)?)
}

/// Calls `each` with the row extended by every match of the pattern, until it returns false.
pub fn for_each_match(
    spec: &PatternSpec,
    row: &[Value],
    ctx: &EvalCtx,
    each: &mut dyn FnMut(&[Value]) -> Result<bool, QueryError>,
) -> Result<(), QueryError> {
    let mut row = row.to_vec();
    let starts: Vec<NodeId> = if spec.start.bound {
        match row.get(spec.start.slot) {
            Some(Value::Node(n)) => vec![*n],
            Some(Value::Null) | None => return Ok(()),
            Some(other) => {
                return Err(QueryError::new(
                    ErrorKind::TypeError,
                    format!("a pattern needs a node, got a {}", other.type_name()),
                    None,
                ));
            }
        }
    } else {
        ctx.graph.nodes().collect()
    };
    for n in starts {
        ctx.interrupt.check()?;
        if !node_ok(&spec.start, n, &row, ctx)? {
            continue;
        }
        put(&mut row, spec.start.slot, Value::Node(n));
        if !step(spec, 0, n, &mut Vec::new(), &mut row, ctx, each)? {
            break;
        }
    }
    Ok(())
}

fn step(
    spec: &PatternSpec,
    i: usize,
    at: NodeId,
    used: &mut Vec<EdgeId>,
    row: &mut Vec<Value>,
    ctx: &EvalCtx,
    each: &mut dyn FnMut(&[Value]) -> Result<bool, QueryError>,
) -> Result<bool, QueryError> {
    let Some((rel, node)) = spec.steps.get(i) else {
        if let Some((slot, path)) = &spec.path {
            let p = path.eval(row, ctx)?;
            put(row, *slot, p);
        }
        return each(row);
    };
    let syms: Vec<Sym> = rel.types.iter().filter_map(|t| ctx.graph.symbol(t)).collect();
    if !rel.types.is_empty() && syms.is_empty() && rel.length.is_none_or(|(min, _)| min > 0) {
        return Ok(true);
    }
    let ends: Vec<(Vec<EdgeId>, NodeId)> = match rel.length {
        None => {
            let mut next = Vec::new();
            ctx.graph.neighbours(at, rel.direction, &syms, &mut next);
            let mut ends = Vec::new();
            for (e, n) in next {
                ctx.interrupt.check()?;
                if used.contains(&e) || (rel.bound && row.get(rel.slot) != Some(&Value::Relationship(e))) {
                    continue;
                }
                if properties_match(ctx.graph.edge_properties(e), &rel.properties, row, ctx)? {
                    ends.push((vec![e], n));
                }
            }
            ends
        }
        Some((min, max)) => walks(at, rel, &syms, min, max, used, row, ctx)?,
    };
    for (edges, n) in ends {
        if !node_ok(node, n, row, ctx)? {
            continue;
        }
        let value = if rel.length.is_some() {
            Value::List(edges.iter().map(|e| Value::Relationship(*e)).collect())
        } else {
            Value::Relationship(edges[0])
        };
        put(row, rel.slot, value);
        put(row, node.slot, Value::Node(n));
        let mark = used.len();
        used.extend(&edges);
        let go_on = step(spec, i + 1, n, used, row, ctx, each)?;
        used.truncate(mark);
        if !go_on {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Every walk of `min..=max` relationships from `start`, none used twice (nor in `used`).
#[allow(clippy::too_many_arguments)]
fn walks(
    start: NodeId,
    rel: &RelSpec,
    syms: &[Sym],
    min: u64,
    max: Option<u64>,
    used: &[EdgeId],
    row: &[Value],
    ctx: &EvalCtx,
) -> Result<Vec<(Vec<EdgeId>, NodeId)>, QueryError> {
    let mut found = Vec::new();
    if min == 0 {
        found.push((Vec::new(), start));
    }
    if max == Some(0) {
        return Ok(found);
    }
    let expand = |n: NodeId| {
        let mut next = Vec::new();
        ctx.graph.neighbours(n, rel.direction, syms, &mut next);
        next.reverse();
        next
    };
    let mut path: Vec<EdgeId> = Vec::new();
    let mut stack = vec![expand(start)];
    while let Some(candidates) = stack.last_mut() {
        ctx.interrupt.check()?;
        let Some((e, next)) = candidates.pop() else {
            stack.pop();
            path.pop();
            continue;
        };
        if path.contains(&e)
            || used.contains(&e)
            || !properties_match(ctx.graph.edge_properties(e), &rel.properties, row, ctx)?
        {
            continue;
        }
        path.push(e);
        let depth = path.len() as u64;
        if depth >= min {
            found.push((path.clone(), next));
        }
        if max.is_none_or(|m| depth < m) {
            stack.push(expand(next));
        } else {
            path.pop();
        }
    }
    Ok(found)
}
