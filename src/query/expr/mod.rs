//! Compiled expressions: variables resolved to row slots, functions resolved to [`Function`], and
//! their evaluation with openCypher's null propagation and three-valued logic.

mod access;
mod calls;
mod operators;
mod temporal;

use access::*;
use calls::*;
use operators::*;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

use super::ast::{BinaryOp, Quantifier, Span, SubqueryKind};
use super::error::{ErrorKind, QueryError};
use super::functions::Draws;
use super::interrupt::Interrupt;
use super::pattern::{PatternSpec, for_each_match};
use crate::graph::{Graph, Sym};
use crate::value::{PathValue, Value};

/// Parameters of a statement, by name.
pub type Params = BTreeMap<String, Value>;

/// A query an expression runs for each row (`EXISTS { … }`, `COUNT { … }`, `COLLECT { … }`): the
/// executor's, reached through this so that expressions need not know it.
pub trait RowSource: fmt::Debug + Send + Sync {
    /// Runs the query from `row`, handing each row it yields to `each` until `each` says to stop
    /// (returns `false`).
    fn run(
        &self,
        row: &[Value],
        ctx: &EvalCtx,
        each: &mut dyn FnMut(Vec<Value>) -> Result<bool, QueryError>,
    ) -> Result<(), QueryError>;
}

/// What an expression reads while it is evaluated.
pub struct EvalCtx<'a> {
    pub graph: &'a Graph,
    pub params: &'a Params,
    /// The values of the comprehension and quantifier variables being evaluated, innermost last.
    pub locals: RefCell<Vec<Value>>,
    /// Polled by every loop whose length depends on the data.
    pub interrupt: &'a Interrupt,
    /// What `rand()` draws from in this statement.
    pub draws: &'a Draws,
}

impl<'a> EvalCtx<'a> {
    pub fn new(graph: &'a Graph, params: &'a Params, interrupt: &'a Interrupt, draws: &'a Draws) -> Self {
        EvalCtx { graph, params, locals: RefCell::new(Vec::new()), interrupt, draws }
    }
}

#[derive(Debug, Clone)]
pub enum CExpr {
    Const(Value),
    Param(String, Span),
    Slot(usize),
    Property(Box<CExpr>, PropertyKey, Span),
    Subscript(Box<CExpr>, Box<CExpr>, Span),
    List(Vec<CExpr>),
    Map(Vec<(String, CExpr)>),
    Not(Box<CExpr>, Span),
    Negate(Box<CExpr>, Span),
    Binary(BinaryOp, Box<CExpr>, Box<CExpr>, Span),
    IsNull(Box<CExpr>, bool),
    /// The node in the slot carries every one of these labels.
    HasLabels(usize, Vec<String>),
    /// `n {.key, .*, key: expr}`: a map built from a node's, relationship's or map's properties.
    MapProjection {
        base: Box<CExpr>,
        items: Vec<MapItem>,
        span: Span,
    },
    /// The node an expression yields carries every one of these labels (null for null).
    HasLabelsOf(Box<CExpr>, Vec<String>, Span),
    /// The node an expression yields satisfies the label expression (a relationship, by its type).
    LabelTest(Box<CExpr>, crate::query::ast::LabelExpr, Span),
    Call(Function, Vec<CExpr>, Span),
    /// A comprehension's or quantifier's variable, by nesting depth.
    Local(usize),
    /// True when the patterns match together (and the predicate holds) at least once.
    PatternExists {
        patterns: Vec<PatternSpec>,
        predicate: Option<Box<CExpr>>,
    },
    /// A whole query run for the row: whether it yields a row, how many, or its column's values.
    Subquery(SubqueryKind, std::sync::Arc<dyn RowSource>),
    /// `[pattern WHERE predicate | projection]`: one element per match.
    PatternComprehension {
        pattern: Box<PatternSpec>,
        predicate: Option<Box<CExpr>>,
        projection: Box<CExpr>,
    },
    /// A named path: the start node's slot, then per step the relationship slot (a list of
    /// relationships when `true`, variable length) and the next node's slot.
    Path {
        start: usize,
        steps: Vec<(usize, bool, usize)>,
    },
    Case {
        subject: Option<Box<CExpr>>,
        branches: Vec<(CExpr, CExpr)>,
        default: Option<Box<CExpr>>,
    },
    Comprehension {
        list: Box<CExpr>,
        predicate: Option<Box<CExpr>>,
        projection: Option<Box<CExpr>>,
        span: Span,
    },
    Quantifier {
        kind: Quantifier,
        list: Box<CExpr>,
        predicate: Box<CExpr>,
        span: Span,
    },
    /// `reduce(acc = init, x IN list | body)`: the body sees the accumulator as a local and the
    /// element as the next one.
    Reduce {
        init: Box<CExpr>,
        list: Box<CExpr>,
        body: Box<CExpr>,
        span: Span,
    },
    Slice {
        target: Box<CExpr>,
        from: Option<Box<CExpr>>,
        to: Option<Box<CExpr>>,
        span: Span,
    },
}

#[derive(Debug, Clone)]
pub enum MapItem {
    Property(String),
    All,
    Entry(String, CExpr),
}

/// A property key, with its symbol remembered once the graph knows it (symbols are never removed).
/// Remembered in a `OnceLock`, so that a plan can be run by many threads at once.
#[derive(Debug, Clone)]
pub struct PropertyKey {
    pub name: String,
    sym: std::sync::OnceLock<Sym>,
}

impl PropertyKey {
    pub fn new(name: String) -> Self {
        PropertyKey { name, sym: std::sync::OnceLock::new() }
    }

    fn resolve(&self, graph: &Graph) -> Option<Sym> {
        if let Some(sym) = self.sym.get() {
            return Some(*sym);
        }
        let sym = graph.symbol(&self.name)?;
        Some(*self.sym.get_or_init(|| sym))
    }
}

macro_rules! functions {
    ($($variant:ident = $name:literal, $min:literal..=$max:expr;)*) => {
        /// The scalar functions kgraph knows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Function { $($variant),* }

        impl Function {
            /// Looks a function up by name, case-insensitively as openCypher does.
            pub fn lookup(name: &str) -> Option<Function> {
                $(if name.eq_ignore_ascii_case($name) { return Some(Function::$variant); })*
                None
            }

            pub fn name(self) -> &'static str {
                match self { $(Function::$variant => $name),* }
            }

            /// The least and greatest number of arguments.
            pub fn arity(self) -> (usize, usize) {
                match self { $(Function::$variant => ($min, $max)),* }
            }
        }

        /// Every function name, for completion and help.
        pub const FUNCTION_NAMES: &[&str] = &[$($name),*];
    };
}

functions! {
    Id = "id", 1..=1;
    Labels = "labels", 1..=1;
    Type = "type", 1..=1;
    Properties = "properties", 1..=1;
    Keys = "keys", 1..=1;
    Size = "size", 1..=1;
    Coalesce = "coalesce", 1..=usize::MAX;
    ToLower = "toLower", 1..=1;
    ToUpper = "toUpper", 1..=1;
    ToString = "toString", 1..=1;
    ToInteger = "toInteger", 1..=1;
    ToFloat = "toFloat", 1..=1;
    Abs = "abs", 1..=1;
    Head = "head", 1..=1;
    Last = "last", 1..=1;
    StartNode = "startNode", 1..=1;
    EndNode = "endNode", 1..=1;
    Length = "length", 1..=1;
    Nodes = "nodes", 1..=1;
    Relationships = "relationships", 1..=1;
    Reverse = "reverse", 1..=1;
    Tail = "tail", 1..=1;
    Range = "range", 2..=3;
    ToBoolean = "toBoolean", 1..=1;
    Substring = "substring", 2..=3;
    Split = "split", 2..=2;
    Replace = "replace", 3..=3;
    Trim = "trim", 1..=1;
    LTrim = "ltrim", 1..=1;
    RTrim = "rtrim", 1..=1;
    Left = "left", 2..=2;
    Right = "right", 2..=2;
    Sqrt = "sqrt", 1..=1;
    Sign = "sign", 1..=1;
    Ceil = "ceil", 1..=1;
    Floor = "floor", 1..=1;
    Round = "round", 1..=1;
    Exp = "exp", 1..=1;
    Log = "log", 1..=1;
    Log10 = "log10", 1..=1;
    Sin = "sin", 1..=1;
    Cos = "cos", 1..=1;
    Tan = "tan", 1..=1;
    Asin = "asin", 1..=1;
    Acos = "acos", 1..=1;
    Atan = "atan", 1..=1;
    Atan2 = "atan2", 2..=2;
    Haversin = "haversin", 1..=1;
    Degrees = "degrees", 1..=1;
    Radians = "radians", 1..=1;
    Pi = "pi", 0..=0;
    E = "e", 0..=0;
    Rand = "rand", 0..=0;
    RandomUuid = "randomUUID", 0..=0;
    Timestamp = "timestamp", 0..=0;
    Date = "date", 0..=1;
    LocalTime = "localtime", 0..=1;
    Time = "time", 0..=1;
    LocalDateTime = "localdatetime", 0..=1;
    DateTime = "datetime", 0..=1;
    Duration = "duration", 1..=1;
    DateTruncate = "date.truncate", 2..=3;
    LocalTimeTruncate = "localtime.truncate", 2..=3;
    TimeTruncate = "time.truncate", 2..=3;
    LocalDateTimeTruncate = "localdatetime.truncate", 2..=3;
    DateTimeTruncate = "datetime.truncate", 2..=3;
    DateTransaction = "date.transaction", 0..=1;
    LocalTimeTransaction = "localtime.transaction", 0..=1;
    TimeTransaction = "time.transaction", 0..=1;
    LocalDateTimeTransaction = "localdatetime.transaction", 0..=1;
    DateTimeTransaction = "datetime.transaction", 0..=1;
    DateStatement = "date.statement", 0..=1;
    LocalTimeStatement = "localtime.statement", 0..=1;
    TimeStatement = "time.statement", 0..=1;
    LocalDateTimeStatement = "localdatetime.statement", 0..=1;
    DateTimeStatement = "datetime.statement", 0..=1;
    DateRealtime = "date.realtime", 0..=1;
    LocalTimeRealtime = "localtime.realtime", 0..=1;
    TimeRealtime = "time.realtime", 0..=1;
    LocalDateTimeRealtime = "localdatetime.realtime", 0..=1;
    DateTimeRealtime = "datetime.realtime", 0..=1;
    DateTimeFromEpoch = "datetime.fromepoch", 2..=2;
    DateTimeFromEpochMillis = "datetime.fromepochmillis", 1..=1;
    DurationBetween = "duration.between", 2..=2;
    DurationInMonths = "duration.inMonths", 2..=2;
    DurationInDays = "duration.inDays", 2..=2;
    DurationInSeconds = "duration.inSeconds", 2..=2;
    LineNumber = "linenumber", 0..=0;
    File = "file", 0..=0;
}

/// Aggregating functions, which the planner lifts out of expressions.
pub const AGGREGATE_NAMES: &[&str] =
    &["count", "collect", "min", "max", "sum", "avg", "stDev", "stDevP", "percentileDisc", "percentileCont"];

pub fn is_aggregate(name: &str) -> bool {
    AGGREGATE_NAMES.iter().any(|a| a.eq_ignore_ascii_case(name))
}

type Eval = Result<Value, QueryError>;

fn type_error(span: Span, message: String) -> QueryError {
    QueryError::type_error(message, span)
}

impl CExpr {
    pub fn eval(&self, row: &[Value], ctx: &EvalCtx) -> Eval {
        use super::plan::{STACK_GROWTH, STACK_RED_ZONE};
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.eval_inner(row, ctx))
    }

    fn eval_inner(&self, row: &[Value], ctx: &EvalCtx) -> Eval {
        match self {
            CExpr::Const(v) => Ok(v.clone()),
            CExpr::Param(name, span) => ctx.params.get(name).cloned().ok_or_else(|| {
                QueryError::new(
                    ErrorKind::ParameterMissing,
                    format!("expected a parameter named `{name}`"),
                    Some(*span),
                )
            }),
            CExpr::Slot(i) => Ok(row.get(*i).cloned().unwrap_or(Value::Null)),
            CExpr::Path { start, steps } => {
                let slot = |i: usize| row.get(i).cloned().unwrap_or(Value::Null);
                let Value::Node(mut at) = slot(*start) else { return Ok(Value::Null) };
                let mut path = PathValue { nodes: vec![at], relationships: Vec::new() };
                for &(rel, variable, node) in steps {
                    let rels = match (slot(rel), variable) {
                        (Value::Relationship(e), false) => vec![e],
                        (Value::List(items), true) => items
                            .into_iter()
                            .filter_map(|v| if let Value::Relationship(e) = v { Some(e) } else { None })
                            .collect(),
                        _ => return Ok(Value::Null),
                    };
                    for e in rels {
                        let Some((a, b)) = ctx.graph.endpoints(e) else { return Ok(Value::Null) };
                        at = if a == at { b } else { a };
                        path.relationships.push(e);
                        path.nodes.push(at);
                    }
                    if slot(node) != Value::Node(at) {
                        return Ok(Value::Null);
                    }
                }
                Ok(Value::Path(Box::new(path)))
            }
            CExpr::PatternExists { patterns, predicate } => {
                let mut found = false;
                exists_all(patterns, row, ctx, &mut |extended| {
                    let ok = match predicate {
                        Some(p) => p.eval(extended, ctx)? == Value::Bool(true),
                        None => true,
                    };
                    found |= ok;
                    Ok(!found)
                })?;
                Ok(Value::Bool(found))
            }
            CExpr::Subquery(kind, query) => {
                let (mut found, mut values) = (0i64, Vec::new());
                query.run(row, ctx, &mut |out| {
                    found += 1;
                    match kind {
                        SubqueryKind::Exists => return Ok(false),
                        SubqueryKind::Count => {}
                        SubqueryKind::Collect => {
                            // Nulls too: the rows' values, where the collect() aggregate skips them.
                            values.push(out.into_iter().next().unwrap_or(Value::Null));
                        }
                    }
                    Ok(true)
                })?;
                Ok(match kind {
                    SubqueryKind::Exists => Value::Bool(found > 0),
                    SubqueryKind::Count => Value::Int(found),
                    SubqueryKind::Collect => Value::List(values),
                })
            }
            CExpr::PatternComprehension { pattern, predicate, projection } => {
                let mut out = Vec::new();
                for_each_match(pattern, row, ctx, &mut |extended| {
                    let keep = match predicate {
                        Some(p) => p.eval(extended, ctx)? == Value::Bool(true),
                        None => true,
                    };
                    if keep {
                        out.push(projection.eval(extended, ctx)?);
                    }
                    Ok(true)
                })?;
                Ok(Value::List(out))
            }
            CExpr::HasLabelsOf(target, labels, span) => match target.eval(row, ctx)? {
                Value::Null => Ok(Value::Null),
                Value::Node(n) => Ok(Value::Bool(
                    labels.iter().all(|l| ctx.graph.symbol(l).is_some_and(|s| ctx.graph.has_label(n, s))),
                )),
                // On a relationship, `r:T` asks for its type.
                Value::Relationship(e) => Ok(Value::Bool(
                    labels.iter().all(|l| ctx.graph.edge_type(e).is_some_and(|t| ctx.graph.name(t) == l)),
                )),
                Value::VirtualNode(n) => Ok(Value::Bool(labels.iter().all(|l| n.labels.contains(l)))),
                Value::VirtualRelationship(r) => Ok(Value::Bool(labels.iter().all(|l| *l == r.rel_type))),
                other => {
                    Err(type_error(*span, format!("only a node has labels, not a {}", other.type_name())))
                }
            },
            CExpr::LabelTest(target, labels, span) => match target.eval(row, ctx)? {
                Value::Null => Ok(Value::Null),
                Value::Node(n) => {
                    let g = ctx.graph;
                    let has = |l: &str| g.symbol(l).is_some_and(|s| g.has_label(n, s));
                    Ok(Value::Bool(labels.matches(&has, !g.labels(n).is_empty())))
                }
                Value::Relationship(e) => {
                    let g = ctx.graph;
                    let has = |l: &str| g.edge_type(e).is_some_and(|t| g.name(t) == l);
                    Ok(Value::Bool(labels.matches(&has, true)))
                }
                Value::VirtualNode(n) => {
                    let has = |l: &str| n.labels.iter().any(|m| m == l);
                    Ok(Value::Bool(labels.matches(&has, !n.labels.is_empty())))
                }
                Value::VirtualRelationship(r) => {
                    let has = |l: &str| l == r.rel_type;
                    Ok(Value::Bool(labels.matches(&has, true)))
                }
                other => {
                    Err(type_error(*span, format!("only a node has labels, not a {}", other.type_name())))
                }
            },
            CExpr::MapProjection { base, items, span } => {
                let base = base.eval(row, ctx)?;
                check_exists(&base, ctx.graph, *span)?;
                let source: BTreeMap<String, Value> = match &base {
                    Value::Null => return Ok(Value::Null),
                    Value::Node(n) => props_map(ctx.graph, ctx.graph.node_properties(*n)),
                    Value::Relationship(e) => props_map(ctx.graph, ctx.graph.edge_properties(*e)),
                    Value::Map(m) => m.clone(),
                    Value::VirtualNode(n) => n.properties.clone(),
                    Value::VirtualRelationship(r) => r.properties.clone(),
                    other => {
                        return Err(type_error(
                            *span,
                            format!(
                                "a map projection needs a map, node or relationship, not a {}",
                                other.type_name()
                            ),
                        ));
                    }
                };
                let mut out = BTreeMap::new();
                for item in items {
                    match item {
                        MapItem::All => out.extend(source.iter().map(|(k, v)| (k.clone(), v.clone()))),
                        MapItem::Property(k) => {
                            out.insert(k.clone(), source.get(k).cloned().unwrap_or(Value::Null));
                        }
                        MapItem::Entry(k, e) => {
                            out.insert(k.clone(), e.eval(row, ctx)?);
                        }
                    }
                }
                Ok(Value::Map(out))
            }
            CExpr::Local(depth) => Ok(ctx.locals.borrow().get(*depth).cloned().unwrap_or(Value::Null)),
            CExpr::Case { subject, branches, default } => {
                let subject = match subject {
                    Some(s) => Some(s.eval(row, ctx)?),
                    None => None,
                };
                for (when, then) in branches {
                    let w = when.eval(row, ctx)?;
                    let hit = match &subject {
                        Some(s) => s.cypher_eq(&w) == Some(true),
                        None => w == Value::Bool(true),
                    };
                    if hit {
                        return then.eval(row, ctx);
                    }
                }
                match default {
                    Some(d) => d.eval(row, ctx),
                    None => Ok(Value::Null),
                }
            }
            CExpr::Comprehension { list, predicate, projection, span } => {
                let items = match list.eval(row, ctx)? {
                    Value::Null => return Ok(Value::Null),
                    Value::List(items) => items,
                    other => {
                        return Err(type_error(
                            *span,
                            format!("a list comprehension needs a List, got {}", other.type_name()),
                        ));
                    }
                };
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    ctx.interrupt.check()?;
                    ctx.locals.borrow_mut().push(item);
                    let result = (|| -> Result<Option<Value>, QueryError> {
                        if let Some(p) = predicate
                            && p.eval(row, ctx)? != Value::Bool(true)
                        {
                            return Ok(None);
                        }
                        Ok(Some(match projection {
                            Some(p) => p.eval(row, ctx)?,
                            None => ctx.locals.borrow().last().cloned().unwrap_or(Value::Null),
                        }))
                    })();
                    ctx.locals.borrow_mut().pop();
                    if let Some(v) = result? {
                        out.push(v);
                    }
                }
                Ok(Value::List(out))
            }
            CExpr::Quantifier { kind, list, predicate, span } => {
                let items = match list.eval(row, ctx)? {
                    Value::Null => return Ok(Value::Null),
                    Value::List(items) => items,
                    other => {
                        return Err(type_error(
                            *span,
                            format!("{}() needs a List, got {}", kind.name(), other.type_name()),
                        ));
                    }
                };
                let (mut trues, mut nulls) = (0usize, 0usize);
                let total = items.len();
                for item in items {
                    ctx.interrupt.check()?;
                    ctx.locals.borrow_mut().push(item);
                    let v = predicate.eval(row, ctx);
                    ctx.locals.borrow_mut().pop();
                    match v? {
                        Value::Bool(true) => trues += 1,
                        Value::Bool(false) => {}
                        Value::Null => nulls += 1,
                        other => {
                            return Err(type_error(
                                *span,
                                format!(
                                    "{}() needs a Boolean predicate, got {}",
                                    kind.name(),
                                    other.type_name()
                                ),
                            ));
                        }
                    }
                }
                let falses = total - trues - nulls;
                Ok(match kind {
                    Quantifier::All if falses > 0 => Value::Bool(false),
                    Quantifier::All if nulls > 0 => Value::Null,
                    Quantifier::All => Value::Bool(true),
                    Quantifier::Any if trues > 0 => Value::Bool(true),
                    Quantifier::Any if nulls > 0 => Value::Null,
                    Quantifier::Any => Value::Bool(false),
                    Quantifier::None if trues > 0 => Value::Bool(false),
                    Quantifier::None if nulls > 0 => Value::Null,
                    Quantifier::None => Value::Bool(true),
                    Quantifier::Single if trues > 1 => Value::Bool(false),
                    Quantifier::Single if nulls > 0 => Value::Null,
                    Quantifier::Single => Value::Bool(trues == 1),
                })
            }
            CExpr::Reduce { init, list, body, span } => {
                let mut accumulator = init.eval(row, ctx)?;
                let items = match list.eval(row, ctx)? {
                    Value::Null => return Ok(Value::Null),
                    Value::List(items) => items,
                    other => {
                        return Err(type_error(
                            *span,
                            format!("reduce() needs a List, got {}", other.type_name()),
                        ));
                    }
                };
                for item in items {
                    ctx.interrupt.check()?;
                    ctx.locals.borrow_mut().extend([accumulator, item]);
                    let next = body.eval(row, ctx);
                    let mut locals = ctx.locals.borrow_mut();
                    let depth = locals.len() - 2;
                    locals.truncate(depth);
                    accumulator = next?;
                }
                Ok(accumulator)
            }
            CExpr::Slice { target, from, to, span } => {
                let target = target.eval(row, ctx)?;
                let bound = |b: &Option<Box<CExpr>>| -> Result<Option<Option<i64>>, QueryError> {
                    match b {
                        None => Ok(Some(None)),
                        Some(e) => match e.eval(row, ctx)? {
                            Value::Null => Ok(None),
                            Value::Int(i) => Ok(Some(Some(i))),
                            other => Err(type_error(
                                *span,
                                format!("a slice bound must be an Integer, got {}", other.type_name()),
                            )),
                        },
                    }
                };
                let (Some(from), Some(to)) = (bound(from)?, bound(to)?) else { return Ok(Value::Null) };
                match target {
                    Value::Null => Ok(Value::Null),
                    Value::List(items) => {
                        let len = items.len() as i64;
                        let clamp = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
                        let a = clamp(from.unwrap_or(0));
                        let b = clamp(to.unwrap_or(len));
                        Ok(Value::List(if a < b {
                            items[a as usize..b as usize].to_vec()
                        } else {
                            Vec::new()
                        }))
                    }
                    other => Err(type_error(*span, format!("cannot slice a {}", other.type_name()))),
                }
            }
            // The common case, `n.key` of a bound variable: the variable read where it is, not
            // evaluated (and cloned) first.
            CExpr::Property(target, key, span) if let CExpr::Slot(i) = **target => {
                property_of(row.get(i).unwrap_or(&Value::Null), key, ctx.graph, *span)
                    .map(std::borrow::Cow::into_owned)
            }
            CExpr::Property(target, key, span) => {
                let target = target.eval(row, ctx)?;
                property(&target, key, ctx.graph, *span)
            }
            CExpr::Subscript(target, index, span) => {
                let target = target.eval(row, ctx)?;
                let index = index.eval(row, ctx)?;
                subscript(target, index, ctx.graph, *span)
            }
            CExpr::List(items) => {
                Ok(Value::List(items.iter().map(|e| e.eval(row, ctx)).collect::<Result<_, _>>()?))
            }
            CExpr::Map(entries) => {
                let mut map = BTreeMap::new();
                for (k, e) in entries {
                    map.insert(k.clone(), e.eval(row, ctx)?);
                }
                Ok(Value::Map(map))
            }
            CExpr::Not(e, span) => match e.eval(row, ctx)? {
                Value::Null => Ok(Value::Null),
                Value::Bool(b) => Ok(Value::Bool(!b)),
                other => Err(type_error(*span, format!("NOT expects a Boolean, got {}", other.type_name()))),
            },
            CExpr::Negate(e, span) => match e.eval(row, ctx)? {
                Value::Null => Ok(Value::Null),
                Value::Int(i) => i.checked_neg().map(Value::Int).ok_or_else(|| overflow(*span)),
                Value::Float(x) => Ok(Value::Float(-x)),
                other => Err(type_error(*span, format!("cannot negate a {}", other.type_name()))),
            },
            CExpr::Binary(op, a, b, span) => binary(*op, a, b, row, ctx, *span),
            CExpr::IsNull(e, negated) => Ok(Value::Bool(e.eval(row, ctx)?.is_null() != *negated)),
            CExpr::HasLabels(slot, labels) => match row.get(*slot).unwrap_or(&Value::Null) {
                Value::Node(n) => Ok(Value::Bool(
                    labels.iter().all(|l| ctx.graph.symbol(l).is_some_and(|s| ctx.graph.has_label(*n, s))),
                )),
                _ => Ok(Value::Null),
            },
            CExpr::Call(Function::Rand, ..) => Ok(Value::Float(ctx.draws.next())),
            CExpr::Call(Function::RandomUuid, ..) => {
                Ok(Value::String(crate::query::functions::random_uuid()))
            }
            CExpr::Call(f, args, span) => {
                let values = args.iter().map(|a| a.eval(row, ctx)).collect::<Result<Vec<_>, _>>()?;
                call(*f, values, ctx, *span)
            }
        }
    }

    /// Whether the expression reads no row slot, so it can be evaluated once before any row exists.
    pub fn is_row_independent(&self) -> bool {
        match self {
            CExpr::Const(_) | CExpr::Param(..) => true,
            CExpr::Slot(_) | CExpr::HasLabels(..) => false,
            CExpr::Local(_) => true,
            CExpr::HasLabelsOf(e, ..) | CExpr::LabelTest(e, ..) => e.is_row_independent(),
            CExpr::MapProjection { base, items, .. } => {
                base.is_row_independent()
                    && items
                        .iter()
                        .all(|i| if let MapItem::Entry(_, e) = i { e.is_row_independent() } else { true })
            }
            CExpr::Path { .. }
            | CExpr::PatternExists { .. }
            | CExpr::PatternComprehension { .. }
            | CExpr::Subquery(..) => false,
            CExpr::Case { subject, branches, default } => {
                subject.iter().chain(default.iter()).all(|e| e.is_row_independent())
                    && branches.iter().all(|(a, b)| a.is_row_independent() && b.is_row_independent())
            }
            CExpr::Comprehension { list, predicate, projection, .. } => {
                list.is_row_independent()
                    && predicate.iter().chain(projection.iter()).all(|e| e.is_row_independent())
            }
            CExpr::Quantifier { list, predicate, .. } => {
                list.is_row_independent() && predicate.is_row_independent()
            }
            CExpr::Reduce { init, list, body, .. } => {
                init.is_row_independent() && list.is_row_independent() && body.is_row_independent()
            }
            CExpr::Slice { target, from, to, .. } => {
                target.is_row_independent() && from.iter().chain(to.iter()).all(|e| e.is_row_independent())
            }
            CExpr::Property(e, ..) | CExpr::Not(e, _) | CExpr::Negate(e, _) | CExpr::IsNull(e, _) => {
                e.is_row_independent()
            }
            CExpr::Subscript(a, b, _) | CExpr::Binary(_, a, b, _) => {
                a.is_row_independent() && b.is_row_independent()
            }
            CExpr::List(items) | CExpr::Call(_, items, _) => items.iter().all(CExpr::is_row_independent),
            CExpr::Map(entries) => entries.iter().all(|(_, e)| e.is_row_independent()),
        }
    }
}

fn overflow(span: Span) -> QueryError {
    QueryError::new(ErrorKind::ArithmeticError, "integer overflow", Some(span))
}

/// A scalar as `toString` renders it: strings bare, everything else as a literal.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A property map with its keys spelled out.
pub fn props_map(graph: &Graph, props: &crate::graph::Properties) -> BTreeMap<String, Value> {
    props.iter().map(|(k, v)| (graph.name(k).to_string(), v.clone())).collect()
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Matches the patterns one after the other, each from the rows the previous one extended.
fn exists_all(
    patterns: &[PatternSpec],
    row: &[Value],
    ctx: &EvalCtx,
    each: &mut dyn FnMut(&[Value]) -> Result<bool, QueryError>,
) -> Result<bool, QueryError> {
    let Some((first, rest)) = patterns.split_first() else { return each(row) };
    let mut go_on = true;
    for_each_match(first, row, ctx, &mut |extended| {
        go_on = exists_all(rest, extended, ctx, each)?;
        Ok(go_on)
    })?;
    Ok(go_on)
}
