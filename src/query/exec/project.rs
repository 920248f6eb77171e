//! Operators that shape results: projection, aggregation, DISTINCT, ORDER BY, SKIP, LIMIT.

use std::collections::VecDeque;

// Fx hashing for groups and DISTINCT: SipHash's resistance to chosen collisions buys nothing for a
// query over one's own graph, and it was a tenth of a grouped count's time.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::value::equivalent;

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
            AggKind::CountStar | AggKind::Count => Acc::Count(0),
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

pub(super) struct Group {
    pub(super) keys: Vec<Value>,
    pub(super) accs: Vec<Acc>,
    pub(super) seen: Vec<HashSet<Equivalent>>,
}

pub(super) struct Aggregate<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) keys: &'p [CExpr],
    pub(super) aggregates: &'p [AggSpec],
    pub(super) outputs: &'p [CExpr],
    pub(super) output: Option<VecDeque<Row>>,
}

impl<'p> Aggregate<'p> {
    fn new_group(&self, keys: Vec<Value>) -> Group {
        Group {
            keys,
            accs: self.aggregates.iter().map(|a| Acc::new(a.kind)).collect(),
            seen: self.aggregates.iter().map(|_| HashSet::default()).collect(),
        }
    }

    fn consume(&mut self, ctx: &mut Ctx) -> Result<VecDeque<Row>, QueryError> {
        let mut groups: Vec<Group> = Vec::new();
        let mut index: HashMap<Vec<Equivalent>, usize> = HashMap::default();
        // Rows of one group often come in a run (all the ends of one expansion): the last group is
        // checked before hashing.
        let mut last: Option<usize> = None;
        while let Some(row) = self.input.next(ctx)? {
            ctx.interrupt.check()?;
            let keys = self.keys.iter().map(|k| ctx.eval(k, &row)).collect::<Result<Vec<_>, _>>()?;
            let same_as_last = last.filter(|&g| {
                groups[g].keys.len() == keys.len()
                    && groups[g].keys.iter().zip(&keys).all(|(a, b)| equivalent(a, b))
            });
            let g = match same_as_last {
                Some(g) => g,
                None => {
                    let probe: Vec<Equivalent> = keys.iter().cloned().map(Equivalent).collect();
                    match index.get(&probe) {
                        Some(&g) => g,
                        None => {
                            groups.push(self.new_group(keys));
                            index.insert(probe, groups.len() - 1);
                            groups.len() - 1
                        }
                    }
                }
            };
            last = Some(g);
            let group = &mut groups[g];
            for (i, spec) in self.aggregates.iter().enumerate() {
                if let (Some(param), Acc::Numbers(_, p) | Acc::Picks(_, p)) =
                    (&spec.param, &mut group.accs[i])
                {
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
                if spec.distinct && !value.is_null() && !group.seen[i].insert(Equivalent(value.clone())) {
                    continue;
                }
                group.accs[i].add(spec.kind, value, spec.span)?;
            }
        }
        // Without grouping keys, aggregating nothing still gives one row (count 0, empty collect).
        if groups.is_empty() && self.keys.is_empty() {
            groups.push(self.new_group(Vec::new()));
        }
        let mut out = VecDeque::with_capacity(groups.len());
        for group in groups {
            let mut slots = group.keys;
            slots
                .extend(group.accs.into_iter().zip(self.aggregates).map(|(acc, spec)| acc.finish(spec.kind)));
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
    pub(super) seen: HashSet<Vec<Equivalent>>,
}

impl<'p> Operator<'p> for Distinct<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        while let Some(row) = self.input.next(ctx)? {
            ctx.interrupt.check()?;
            let key: Vec<Equivalent> = row.iter().cloned().map(Equivalent).collect();
            if self.seen.insert(key) {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

pub(super) struct Sort<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) keys: &'p [(CExpr, bool)],
    pub(super) output: Option<VecDeque<Row>>,
}

impl<'p> Operator<'p> for Sort<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.output.is_none() {
            let mut keyed = Vec::new();
            while let Some(row) = self.input.next(ctx)? {
                ctx.interrupt.check()?;
                let keys = self.keys.iter().map(|(k, _)| ctx.eval(k, &row)).collect::<Result<Vec<_>, _>>()?;
                keyed.push((keys, row));
            }
            // A sort cannot be left midway: once the statement must stop, every pair compares
            // equal, which ends it quickly, and the stop is reported after.
            let mut stopped = None;
            keyed.sort_by(|(a, _), (b, _)| {
                if stopped.is_some() {
                    return std::cmp::Ordering::Equal;
                }
                if let Err(e) = ctx.interrupt.check() {
                    stopped = Some(e);
                    return std::cmp::Ordering::Equal;
                }
                for ((x, y), (_, descending)) in a.iter().zip(b).zip(self.keys) {
                    let ord = x.order_cmp(y);
                    let ord = if *descending { ord.reverse() } else { ord };
                    if ord.is_ne() {
                        return ord;
                    }
                }
                std::cmp::Ordering::Equal
            });
            if let Some(e) = stopped {
                return Err(e);
            }
            self.output = Some(keyed.into_iter().map(|(_, row)| row).collect());
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
