//! Operators that start from what something names rather than a scan: nodes by id or through a
//! property index, relationships through a relationship index, and the rows of a procedure.

use std::collections::{HashSet, VecDeque};

use super::*;

/// Nodes found from a value computed per input row, without a scan: through a property index, or
/// by id.
pub(super) struct NodeSeek<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) slot: usize,
    pub(super) by: SeekBy<'p>,
    pub(super) row: Option<Row>,
    pub(super) nodes: VecDeque<NodeId>,
}

pub(super) enum SeekBy<'p> {
    /// The nodes with `label` whose `key` the probe asks for.
    Index { label: &'p str, key: &'p str, probe: &'p IndexProbe },
    /// The node whose id is the value, or with `list`, those whose ids the list holds, once each.
    Id { value: &'p CExpr, list: bool },
}

impl<'p> Operator<'p> for NodeSeek<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        loop {
            if let Some(row) = &self.row {
                // An id may name no node (or a deleted one); an index names only nodes.
                while let Some(n) = self.nodes.pop_front() {
                    if ctx.graph().contains_node(n) {
                        let mut out = row.clone();
                        put(&mut out, self.slot, Value::Node(n));
                        return Ok(Some(out));
                    }
                }
            }
            let Some(row) = self.input.next(ctx)? else { return Ok(None) };
            ctx.interrupt.check()?;
            self.nodes = match self.by {
                SeekBy::Index { label, key, probe } => index_nodes(ctx, &row, label, key, probe)?.into(),
                SeekBy::Id { value: expr, list } => {
                    let value = ctx.eval(expr, &row)?;
                    // `id(n) IN x` fails for what `IN` fails for, as the filter it replaces would.
                    if list && !matches!(value, Value::List(_) | Value::Null) {
                        return Err(QueryError::new(
                            ErrorKind::TypeError,
                            format!("IN expects a List, got {}", value.type_name()),
                            Some(expr_span(expr)),
                        ));
                    }
                    let mut seen = HashSet::new();
                    ids_of(&value, list).into_iter().filter(|i| seen.insert(*i)).map(NodeId).collect()
                }
            };
            self.row = Some(row);
        }
    }
}

/// What a probe asks an index for on one row, its expressions evaluated.
enum Asked {
    Equal(Value),
    Prefix(String),
    Range(Option<(Value, bool)>, Option<(Value, bool)>),
    /// A prefix that is not a string, which `STARTS WITH` is never true for.
    Nothing,
}

fn ask(ctx: &mut Ctx, row: &Row, probe: &IndexProbe) -> Result<Asked, QueryError> {
    Ok(match probe {
        IndexProbe::Equal(e) => Asked::Equal(ctx.eval(e, row)?),
        IndexProbe::Prefix(e) => match ctx.eval(e, row)? {
            Value::String(prefix) => Asked::Prefix(prefix),
            _ => Asked::Nothing,
        },
        IndexProbe::Range { lower, upper } => {
            let end = |end: &Option<(CExpr, bool)>| -> Result<Option<(Value, bool)>, QueryError> {
                end.as_ref().map(|(e, included)| Ok((ctx.eval(e, row)?, *included))).transpose()
            };
            let lower = end(lower)?;
            Asked::Range(lower, end(upper)?)
        }
    })
}

fn as_ref(end: &Option<(Value, bool)>) -> Option<(&Value, bool)> {
    end.as_ref().map(|(v, i)| (v, *i))
}

/// The nodes a property index proposes for one row. A range end or prefix that is null gives none,
/// as the comparison it stands for is never true; a prefix that is not a string likewise.
fn index_nodes(
    ctx: &mut Ctx,
    row: &Row,
    label: &str,
    key: &str,
    probe: &IndexProbe,
) -> Result<Vec<NodeId>, QueryError> {
    let asked = ask(ctx, row, probe)?;
    let g = ctx.graph();
    Ok(match asked {
        Asked::Equal(v) => g.index_lookup(label, key, &v),
        Asked::Prefix(p) => g.index_prefix(label, key, &p),
        Asked::Range(lower, upper) => g.index_range(label, key, as_ref(&lower), as_ref(&upper)),
        Asked::Nothing => Vec::new(),
    })
}

/// Relationships found through a relationship property index, each bound with its ends.
pub(super) struct RelSeek<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) rel: usize,
    pub(super) from: usize,
    pub(super) to: usize,
    /// `from` is the start node (else the end node).
    pub(super) outgoing: bool,
    pub(super) ty: &'p str,
    pub(super) key: &'p str,
    pub(super) probe: &'p IndexProbe,
    pub(super) row: Option<Row>,
    pub(super) edges: VecDeque<EdgeId>,
}

impl<'p> Operator<'p> for RelSeek<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        loop {
            if let Some(row) = &self.row {
                while let Some(e) = self.edges.pop_front() {
                    ctx.interrupt.check()?;
                    let Some((start, end)) = ctx.graph().endpoints(e) else { continue };
                    let (from, to) = if self.outgoing { (start, end) } else { (end, start) };
                    // `(a)-[r]->(a)`: one variable at both ends asks for a loop.
                    if self.from == self.to && from != to {
                        continue;
                    }
                    let mut out = row.clone();
                    put(&mut out, self.rel, Value::Relationship(e));
                    put(&mut out, self.from, Value::Node(from));
                    put(&mut out, self.to, Value::Node(to));
                    return Ok(Some(out));
                }
            }
            let Some(row) = self.input.next(ctx)? else { return Ok(None) };
            ctx.interrupt.check()?;
            let (ty, key) = (self.ty, self.key);
            let asked = ask(ctx, &row, self.probe)?;
            let g = ctx.graph();
            self.edges = match asked {
                Asked::Equal(v) => g.rel_index_lookup(ty, key, &v),
                Asked::Prefix(p) => g.rel_index_prefix(ty, key, &p),
                Asked::Range(lower, upper) => g.rel_index_range(ty, key, as_ref(&lower), as_ref(&upper)),
                Asked::Nothing => Vec::new(),
            }
            .into();
            self.row = Some(row);
        }
    }
}

/// The node ids a seek value names: an integer (or a float equal to one), or with `list`, each such
/// element of a list. Anything else names no node (`id(n) = null` is never true).
fn ids_of(value: &Value, list: bool) -> Vec<u32> {
    let one = |v: &Value| match v {
        Value::Int(i) => u32::try_from(*i).ok(),
        Value::Float(f) if f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX) => Some(*f as u32),
        _ => None,
    };
    match (value, list) {
        (Value::List(items), true) => items.iter().filter_map(one).collect(),
        (v, false) => one(v).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The rows of a procedure, called once per input row.
pub(super) struct ProcedureCall<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) callee: &'p crate::query::procedures::Callee,
    pub(super) args: &'p [CExpr],
    pub(super) yields: &'p [(usize, usize)],
    pub(super) void: bool,
    pub(super) row: Option<Row>,
    pub(super) results: VecDeque<Vec<Value>>,
}

impl<'p> Operator<'p> for ProcedureCall<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        loop {
            if let Some(row) = &self.row
                && let Some(result) = self.results.pop_front()
            {
                let mut out = row.clone();
                for &(i, slot) in self.yields {
                    put(&mut out, slot, result.get(i).cloned().unwrap_or(Value::Null));
                }
                return Ok(Some(out));
            }
            let Some(row) = self.input.next(ctx)? else { return Ok(None) };
            ctx.interrupt.check()?;
            let args = self.args.iter().map(|a| ctx.eval(a, &row)).collect::<Result<Vec<_>, _>>()?;
            let rows = self.callee.call(ctx.graph(), &args).map_err(|e| {
                QueryError::new(ErrorKind::ArgumentError, format!("{}: {e}", self.callee.name()), None)
            })?;
            self.results = if self.void { VecDeque::from([Vec::new()]) } else { rows.into() };
            self.row = Some(row);
        }
    }
}
