//! Operators that shape results: projection, aggregation, DISTINCT, ORDER BY, SKIP, LIMIT.

use std::collections::VecDeque;
use std::hash::Hasher;

// Fx hashing for groups and DISTINCT: SipHash's resistance to chosen collisions buys nothing for a
// query over one's own graph, and it was a tenth of a grouped count's time.
use rustc_hash::{FxHashSet as HashSet, FxHasher};

use crate::value::{equivalent, hash_equivalence};

use super::*;

pub(super) struct Project<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) exprs: &'p [CExpr],
    pub(super) keep_input: bool,
    pub(super) input_width: usize,
}

impl<'p> Operator<'p> for Project<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        let Some(row) = self.input.next(ctx)? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(self.exprs.len() + if self.keep_input { row.len() } else { 0 });
        for e in self.exprs {
            out.push(ctx.eval(e, &row)?);
        }
        if self.keep_input {
            let mut row = row;
            if row.len() < self.input_width {
                row.resize(self.input_width, Value::Null);
            }
            out.extend(row);
        }
        Ok(Some(out))
    }
}

/// The running state of one aggregate in one group.
pub(super) enum Acc {
    Count(i64),
    Collect(Vec<Value>),
    Extreme(Option<Value>),
    Sum(Value),
    Avg {
        sum: f64,
        count: u64,
    },
    /// For standard deviations and `percentileCont`: every number, and the percentile asked for.
    Numbers(Vec<f64>, f64),
    /// For `percentileDisc`, which returns one of the values as it is (an integer stays one, exact
    /// past 2^53): every number, and the percentile asked for.
    Picks(Vec<Value>, f64),
}

impl Acc {
    fn new(kind: AggKind) -> Acc {
        match kind {
            AggKind::CountStar | AggKind::Count | AggKind::CountMatches => Acc::Count(0),
            AggKind::Collect => Acc::Collect(Vec::new()),
            AggKind::Min | AggKind::Max => Acc::Extreme(None),
            AggKind::Sum => Acc::Sum(Value::Int(0)),
            AggKind::Avg => Acc::Avg { sum: 0.0, count: 0 },
            AggKind::PercentileDisc => Acc::Picks(Vec::new(), 0.0),
            _ => Acc::Numbers(Vec::new(), 0.0),
        }
    }

    fn add(&mut self, kind: AggKind, v: Value, span: Span) -> Result<(), QueryError> {
        if v.is_null() && kind != AggKind::CountStar {
            return Ok(());
        }
        let not_numeric = |v: &Value| {
            QueryError::type_error(
                format!("{kind:?}() needs numbers, got a {}", v.type_name()).to_lowercase(),
                span,
            )
        };
        match self {
            Acc::Count(c) => *c += 1,
            Acc::Collect(items) => items.push(v),
            Acc::Extreme(current) => {
                let replace = match current {
                    None => true,
                    Some(c) => {
                        let ord = v.order_cmp(c);
                        if kind == AggKind::Min { ord.is_lt() } else { ord.is_gt() }
                    }
                };
                if replace {
                    *current = Some(v);
                }
            }
            Acc::Sum(total) => {
                *total = match (&*total, &v) {
                    (Value::Int(a), Value::Int(b)) => Value::Int(a.checked_add(*b).ok_or_else(|| {
                        QueryError::new(ErrorKind::ArithmeticError, "integer overflow in sum()", Some(span))
                    })?),
                    (Value::Int(a), Value::Float(b)) => Value::Float(*a as f64 + b),
                    (Value::Float(a), Value::Int(b)) => Value::Float(a + *b as f64),
                    (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
                    _ => return Err(not_numeric(&v)),
                }
            }
            Acc::Numbers(values, _) => match v {
                Value::Int(i) => values.push(i as f64),
                Value::Float(x) => values.push(x),
                other => return Err(not_numeric(&other)),
            },
            Acc::Picks(values, _) => match v {
                Value::Int(_) | Value::Float(_) => values.push(v),
                other => return Err(not_numeric(&other)),
            },
            Acc::Avg { sum, count } => {
                match v {
                    Value::Int(i) => *sum += i as f64,
                    Value::Float(x) => *sum += x,
                    other => return Err(not_numeric(&other)),
                }
                *count += 1;
            }
        }
        Ok(())
    }

    /// Adds `v` as `times` rows holding it would (`times` ≥ 1): counts at once, the rest one by one,
    /// so that sums and averages make the same additions in the same order.
    fn add_times(&mut self, kind: AggKind, v: Value, span: Span, times: u64) -> Result<(), QueryError> {
        if let (AggKind::CountMatches, Acc::Count(c), Value::Int(matches)) = (kind, &mut *self, &v) {
            *c = c.saturating_add(*matches);
            return Ok(());
        }
        if let Acc::Count(c) = self {
            if !v.is_null() || kind == AggKind::CountStar {
                *c = c.saturating_add(i64::try_from(times).unwrap_or(i64::MAX));
            }
            return Ok(());
        }
        for _ in 1..times {
            self.add(kind, v.clone(), span)?;
        }
        self.add(kind, v, span)
    }

    fn finish(self, kind: AggKind) -> Value {
        match self {
            Acc::Numbers(values, _) if values.is_empty() => match kind {
                AggKind::StDev | AggKind::StDevP => Value::Float(0.0),
                _ => Value::Null,
            },
            Acc::Numbers(mut values, p) => match kind {
                AggKind::StDev | AggKind::StDevP => {
                    let n = values.len() as f64;
                    let mean = values.iter().sum::<f64>() / n;
                    let squares: f64 = values.iter().map(|x| (x - mean).powi(2)).sum();
                    let divisor = if kind == AggKind::StDev { n - 1.0 } else { n };
                    Value::Float(if divisor > 0.0 { (squares / divisor).sqrt() } else { 0.0 })
                }
                _ => {
                    values.sort_by(f64::total_cmp);
                    let at = p * (values.len() - 1) as f64;
                    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
                    Value::Float(values[lo] + (values[hi] - values[lo]) * (at - lo as f64))
                }
            },
            Acc::Picks(values, _) if values.is_empty() => Value::Null,
            Acc::Picks(mut values, p) => {
                // Integers against floats by value, exactly.
                values.sort_by(Value::order_cmp);
                let i = ((p * values.len() as f64).ceil() as usize).saturating_sub(1).min(values.len() - 1);
                values.swap_remove(i)
            }
            Acc::Count(c) => Value::Int(c),
            Acc::Collect(items) => Value::List(items),
            Acc::Extreme(v) => v.unwrap_or(Value::Null),
            Acc::Sum(v) => v,
            Acc::Avg { count: 0, .. } => Value::Null,
            Acc::Avg { sum, count } => Value::Float(sum / count as f64),
        }
    }
}

/// The groups of an aggregation, held in flat arrays (a group's keys, then its running aggregates,
/// at its number times their count): no allocation per group, and the keys a probe compares lie
/// side by side.
struct Groups {
    width: usize,
    keys: Vec<Value>,
    accs: Vec<Acc>,
    /// Per group and aggregate, the values a DISTINCT one has seen (empty when none is DISTINCT).
    seen: Vec<HashSet<Equivalent>>,
}

impl Groups {
    fn keys(&self, g: usize) -> &[Value] {
        &self.keys[g * self.width..(g + 1) * self.width]
    }
}

pub(super) struct Aggregate<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) keys: &'p [CExpr],
    pub(super) aggregates: &'p [AggSpec],
    pub(super) outputs: &'p [CExpr],
    pub(super) weight: Option<usize>,
    pub(super) output: Option<VecDeque<Row>>,
}

/// The hash of a group's keys under equivalence, computed on the keys where they are.
fn hash_keys(keys: &[Value]) -> u64 {
    let mut h = FxHasher::default();
    keys.iter().for_each(|k| hash_equivalence(k, &mut h));
    h.finish()
}

fn same_keys(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equivalent(x, y))
}

impl<'p> Aggregate<'p> {
    /// Starts a group with these keys; its number is the count of groups before it.
    fn add_group(&self, groups: &mut Groups, keys: &[Value]) {
        groups.keys.extend_from_slice(keys);
        groups.accs.extend(self.aggregates.iter().map(|a| Acc::new(a.kind)));
        if self.aggregates.iter().any(|a| a.distinct) {
            groups.seen.extend(self.aggregates.iter().map(|_| HashSet::default()));
        }
    }

    /// How many rows this input row stands for: one, or the degree `ExpandCount` put in the weight
    /// slot (one for an optional row without a match, which stands for the row with nulls).
    fn times(&self, row: &[Value]) -> u64 {
        match self.weight.map(|w| get(row, w)) {
            Some(Value::Int(n)) => u64::try_from(*n).unwrap_or(0).max(1),
            _ => 1,
        }
    }

    fn consume(&mut self, ctx: &mut Ctx) -> Result<VecDeque<Row>, QueryError> {
        let (width, count) = (self.keys.len(), self.aggregates.len());
        let mut groups = Groups { width, keys: Vec::new(), accs: Vec::new(), seen: Vec::new() };
        // Counted apart: with neither keys nor aggregates a group takes no room in the arrays.
        let mut group_count = 0usize;
        // Group numbers by the hash of their keys, probed with the keys of each row as evaluated:
        // no copy of a row's keys is made unless it starts a group.
        let mut index: hashbrown::HashTable<usize> = hashbrown::HashTable::new();
        // Group number + 1 by node id, for a grouping by one node (0: no group yet).
        let mut by_node: Vec<u32> = Vec::new();
        // Rows of one group often come in a run (all the ends of one expansion): the last group is
        // checked before hashing.
        let mut last: Option<usize> = None;
        let mut keys: Vec<Value> = Vec::with_capacity(width);
        while let Some(row) = self.input.next(ctx)? {
            ctx.interrupt.check()?;
            keys.clear();
            for k in self.keys {
                keys.push(ctx.eval(k, &row)?);
            }
            let g = match (last.filter(|&g| same_keys(groups.keys(g), &keys)), keys.as_slice()) {
                (Some(g), _) => g,
                // Grouping by one node (`WITH n, count(…)`): its group is found by the node's id,
                // in a table as long as the highest id grouped (four bytes a node at most),
                // without hashing. Other keys of the same grouping go through the hash table.
                (None, [Value::Node(n)]) => {
                    let at = n.0 as usize;
                    if by_node.len() <= at {
                        by_node.resize(at + 1, 0);
                    }
                    match by_node[at] {
                        0 => {
                            self.add_group(&mut groups, &keys);
                            group_count += 1;
                            // Fewer groups than nodes, and nodes number at most u32::MAX.
                            by_node[at] = u32::try_from(group_count).unwrap_or(u32::MAX);
                            group_count - 1
                        }
                        g => g as usize - 1,
                    }
                }
                (None, _) => {
                    let hash = hash_keys(&keys);
                    match index.find(hash, |&g| same_keys(groups.keys(g), &keys)) {
                        Some(&g) => g,
                        None => {
                            self.add_group(&mut groups, &keys);
                            let g = group_count;
                            group_count += 1;
                            index.insert_unique(hash, g, |&g| hash_keys(groups.keys(g)));
                            g
                        }
                    }
                }
            };
            last = Some(g);
            let times = self.times(&row);
            for (i, spec) in self.aggregates.iter().enumerate() {
                let acc = &mut groups.accs[g * count + i];
                if let (Some(param), Acc::Numbers(_, p) | Acc::Picks(_, p)) = (&spec.param, &mut *acc) {
                    *p = match ctx.eval(param, &row)? {
                        Value::Int(i) if (0..=1).contains(&i) => i as f64,
                        Value::Float(x) if (0.0..=1.0).contains(&x) => x,
                        other => {
                            return Err(QueryError::new(
                                ErrorKind::ArgumentError,
                                format!("a percentile must be a number between 0.0 and 1.0, got {other}"),
                                Some(spec.span),
                            ));
                        }
                    };
                }
                let value = match &spec.arg {
                    Some(arg) => ctx.eval(arg, &row)?,
                    None => Value::Bool(true),
                };
                if spec.distinct {
                    // Repeats of a value add nothing to a DISTINCT aggregate, however many.
                    if !value.is_null() && groups.seen[g * count + i].insert(Equivalent(value.clone())) {
                        groups.accs[g * count + i].add(spec.kind, value, spec.span)?;
                    }
                    continue;
                }
                acc.add_times(spec.kind, value, spec.span, times)?;
            }
        }
        // Without grouping keys, aggregating nothing still gives one row (count 0, empty collect).
        if group_count == 0 && width == 0 {
            self.add_group(&mut groups, &[]);
            group_count = 1;
        }
        let mut out = VecDeque::with_capacity(group_count);
        let mut accs = groups.accs.into_iter();
        let mut slots = Vec::with_capacity(width + count);
        for g in 0..group_count {
            slots.clear();
            slots.extend_from_slice(&groups.keys[g * width..(g + 1) * width]);
            slots.extend(
                accs.by_ref().take(count).zip(self.aggregates).map(|(acc, spec)| acc.finish(spec.kind)),
            );
            let row = self.outputs.iter().map(|o| ctx.eval(o, &slots)).collect::<Result<Vec<_>, _>>()?;
            out.push_back(row);
        }
        Ok(out)
    }
}

impl<'p> Operator<'p> for Aggregate<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.output.is_none() {
            self.output = Some(self.consume(ctx)?);
        }
        Ok(self.output.as_mut().and_then(VecDeque::pop_front))
    }
}

pub(super) struct Distinct<'p> {
    pub(super) input: Boxed<'p>,
    /// The rows let through, by the hash of their values under equivalence: a repeat is found
    /// without copying it.
    pub(super) seen: hashbrown::HashTable<Row>,
}

impl<'p> Operator<'p> for Distinct<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        while let Some(row) = self.input.next(ctx)? {
            ctx.interrupt.check()?;
            let hash = hash_keys(&row);
            if self.seen.find(hash, |seen| same_keys(seen, &row)).is_none() {
                self.seen.insert_unique(hash, row.clone(), |seen| hash_keys(seen));
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

pub(super) struct Sort<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) keys: &'p [(CExpr, bool)],
    /// Counts whose sum bounds how many rows are read above (`Op::Sort::top`).
    pub(super) top: &'p [CExpr],
    pub(super) output: Option<VecDeque<Row>>,
}

/// A row to sort: its keys, its place in the input (ties keep the input's order), the row.
type Keyed = (Vec<Value>, usize, Row);

impl<'p> Sort<'p> {
    /// How many of the first rows are read above, when the counts say so; a count that is not a
    /// non-negative integer leaves the sort unbounded (the SKIP or LIMIT reports it).
    fn bound(&self, ctx: &Ctx) -> Option<usize> {
        if self.top.is_empty() {
            return None;
        }
        let mut total: usize = 0;
        for e in self.top {
            let n = count(e, ctx, "LIMIT").ok()?;
            total = total.saturating_add(usize::try_from(n).unwrap_or(usize::MAX));
        }
        Some(total)
    }

    /// The slots the keys read, when every key is a slot (ORDER BY a column): then the keys are
    /// compared where they are in the rows, and never copied out of them.
    fn key_slots(&self) -> Option<Vec<usize>> {
        self.keys.iter().map(|(k, _)| if let CExpr::Slot(s) = k { Some(*s) } else { None }).collect()
    }

    fn order(&self, slots: Option<&[usize]>, a: &Keyed, b: &Keyed) -> std::cmp::Ordering {
        for (i, (_, descending)) in self.keys.iter().enumerate() {
            let (x, y) = match slots {
                Some(slots) => (get(&a.2, slots[i]), get(&b.2, slots[i])),
                None => (&a.0[i], &b.0[i]),
            };
            let ord = x.order_cmp(y);
            let ord = if *descending { ord.reverse() } else { ord };
            if ord.is_ne() {
                return ord;
            }
        }
        a.1.cmp(&b.1)
    }

    fn consume(&mut self, ctx: &mut Ctx) -> Result<VecDeque<Row>, QueryError> {
        let bound = self.bound(ctx);
        // With a bound k, rows gather up to twice k (at least a few thousand, so that cutting back is
        // rare), then the best k are kept; a row no better than the worst of those kept is dropped
        // on arrival, as it can never be among the first k.
        let cut_at = bound.map(|k| k.saturating_mul(2).max(4096));
        let slots = self.key_slots();
        let slots = slots.as_deref();
        let mut keyed: Vec<Keyed> = Vec::new();
        let mut worst_kept: Option<Keyed> = None;
        let mut place = 0;
        while let Some(row) = self.input.next(ctx)? {
            ctx.interrupt.check()?;
            let keys = match slots {
                Some(_) => Vec::new(),
                None => self.keys.iter().map(|(k, _)| ctx.eval(k, &row)).collect::<Result<Vec<_>, _>>()?,
            };
            let candidate = (keys, place, row);
            place += 1;
            if let Some(worst) = &worst_kept
                && self.order(slots, &candidate, worst).is_gt()
            {
                continue;
            }
            keyed.push(candidate);
            if let (Some(k), Some(cut_at)) = (bound, cut_at)
                && keyed.len() >= cut_at
            {
                self.keep_best(slots, &mut keyed, k, ctx)?;
                worst_kept = keyed.last().cloned();
            }
        }
        if let Some(k) = bound {
            self.keep_best(slots, &mut keyed, k, ctx)?;
        }
        self.sort(slots, &mut keyed, ctx)?;
        Ok(keyed.into_iter().map(|(_, _, row)| row).collect())
    }

    /// Keeps the best `k` rows, the worst of them last.
    fn keep_best(
        &self,
        slots: Option<&[usize]>,
        keyed: &mut Vec<Keyed>,
        k: usize,
        ctx: &Ctx,
    ) -> Result<(), QueryError> {
        if keyed.len() > k {
            if k == 0 {
                keyed.clear();
                return Ok(());
            }
            let mut stopped = None;
            keyed.select_nth_unstable_by(k - 1, |a, b| self.compare_or_stop(slots, a, b, ctx, &mut stopped));
            keyed.truncate(k);
            if let Some(e) = stopped {
                return Err(e);
            }
        }
        // The k-th row is where the selection put it; the worst kept is wanted last.
        if let Some(worst) = (0..keyed.len()).max_by(|&a, &b| self.order(slots, &keyed[a], &keyed[b])) {
            let last = keyed.len() - 1;
            keyed.swap(worst, last);
        }
        Ok(())
    }

    fn sort(&self, slots: Option<&[usize]>, keyed: &mut [Keyed], ctx: &Ctx) -> Result<(), QueryError> {
        let mut stopped = None;
        // Places are unique, so no two rows compare equal and an unstable sort gives the stable order.
        keyed.sort_unstable_by(|a, b| self.compare_or_stop(slots, a, b, ctx, &mut stopped));
        stopped.map_or(Ok(()), Err)
    }

    /// A sort cannot be left midway: once the statement must stop, every pair compares equal, which
    /// ends it quickly, and the stop is reported after.
    fn compare_or_stop(
        &self,
        slots: Option<&[usize]>,
        a: &Keyed,
        b: &Keyed,
        ctx: &Ctx,
        stopped: &mut Option<QueryError>,
    ) -> std::cmp::Ordering {
        if stopped.is_some() {
            return std::cmp::Ordering::Equal;
        }
        if let Err(e) = ctx.interrupt.check() {
            *stopped = Some(e);
            return std::cmp::Ordering::Equal;
        }
        self.order(slots, a, b)
    }
}

impl<'p> Operator<'p> for Sort<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.output.is_none() {
            self.output = Some(self.consume(ctx)?);
        }
        Ok(self.output.as_mut().and_then(VecDeque::pop_front))
    }
}

/// Evaluates a SKIP or LIMIT count: a non-negative integer.
pub(super) fn count(e: &CExpr, ctx: &Ctx, what: &str) -> Result<u64, QueryError> {
    match ctx.eval(e, &[])? {
        Value::Int(i) if i >= 0 => Ok(i as u64),
        other => Err(QueryError::new(
            ErrorKind::ArgumentError,
            format!("{what} needs a non-negative integer, got {other}"),
            Some(expr_span(e)),
        )),
    }
}

pub(super) struct Skip<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) count: &'p CExpr,
    pub(super) remaining: Option<u64>,
}

impl<'p> Operator<'p> for Skip<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.remaining.is_none() {
            self.remaining = Some(count(self.count, ctx, "SKIP")?);
        }
        while let Some(row) = self.input.next(ctx)? {
            ctx.interrupt.check()?;
            match self.remaining {
                Some(0) => return Ok(Some(row)),
                Some(ref mut n) => *n -= 1,
                None => {}
            }
        }
        Ok(None)
    }
}

pub(super) struct Limit<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) count: &'p CExpr,
    pub(super) drain: bool,
    pub(super) remaining: Option<u64>,
}

impl<'p> Operator<'p> for Limit<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.remaining.is_none() {
            self.remaining = Some(count(self.count, ctx, "LIMIT")?);
        }
        if self.remaining == Some(0) {
            if self.drain {
                while self.input.next(ctx)?.is_some() {}
            }
            return Ok(None);
        }
        let row = self.input.next(ctx)?;
        if row.is_some()
            && let Some(n) = self.remaining.as_mut()
        {
            *n -= 1;
        }
        Ok(row)
    }
}

pub(super) struct Trim<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) width: usize,
}

impl<'p> Operator<'p> for Trim<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        Ok(self.input.next(ctx)?.map(|mut row| {
            row.truncate(self.width);
            row
        }))
    }
}

pub(super) struct Discard<'p> {
    pub(super) input: Boxed<'p>,
}

impl<'p> Operator<'p> for Discard<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        while self.input.next(ctx)?.is_some() {}
        Ok(None)
    }
}
