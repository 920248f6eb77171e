//! The temporal functions (`date(…)`, `datetime.truncate(…)`, `duration.between(…)`…), temporal
//! arithmetic and component access, between the evaluator's values and `crate::temporal`.

use super::*;
use crate::temporal::{self, Field, Kind, Temporal, TemporalError};

fn argument_error(f: Function, e: TemporalError, span: Span) -> QueryError {
    QueryError::new(ErrorKind::ArgumentError, format!("{}(): {e}", f.name()), Some(span))
}

use crate::query::functions::type_error as type_error_of;

/// When a clock function reads the time: the statement's start, or the moment of the call.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Clock {
    Statement,
    Realtime,
}

/// What each temporal function is: a constructor, a truncation, a clock of a kind, or one of the
/// others.
enum Role {
    Construct(Kind),
    Truncate(Kind),
    Now(Kind, Clock),
    Between(temporal::Between),
    FromEpoch,
    FromEpochMillis,
    Timestamp,
}

fn role(f: Function) -> Option<Role> {
    use Function::*;
    use temporal::Between;
    Some(match f {
        Date => Role::Construct(Kind::Date),
        LocalTime => Role::Construct(Kind::LocalTime),
        Time => Role::Construct(Kind::Time),
        LocalDateTime => Role::Construct(Kind::LocalDateTime),
        DateTime => Role::Construct(Kind::DateTime),
        Duration => Role::Construct(Kind::Duration),
        DateTruncate => Role::Truncate(Kind::Date),
        LocalTimeTruncate => Role::Truncate(Kind::LocalTime),
        TimeTruncate => Role::Truncate(Kind::Time),
        LocalDateTimeTruncate => Role::Truncate(Kind::LocalDateTime),
        DateTimeTruncate => Role::Truncate(Kind::DateTime),
        // A statement runs in one transaction of its own: the two clocks agree.
        DateTransaction | DateStatement => Role::Now(Kind::Date, Clock::Statement),
        LocalTimeTransaction | LocalTimeStatement => Role::Now(Kind::LocalTime, Clock::Statement),
        TimeTransaction | TimeStatement => Role::Now(Kind::Time, Clock::Statement),
        LocalDateTimeTransaction | LocalDateTimeStatement => Role::Now(Kind::LocalDateTime, Clock::Statement),
        DateTimeTransaction | DateTimeStatement => Role::Now(Kind::DateTime, Clock::Statement),
        DateRealtime => Role::Now(Kind::Date, Clock::Realtime),
        LocalTimeRealtime => Role::Now(Kind::LocalTime, Clock::Realtime),
        TimeRealtime => Role::Now(Kind::Time, Clock::Realtime),
        LocalDateTimeRealtime => Role::Now(Kind::LocalDateTime, Clock::Realtime),
        DateTimeRealtime => Role::Now(Kind::DateTime, Clock::Realtime),
        DurationBetween => Role::Between(Between::Full),
        DurationInMonths => Role::Between(Between::Months),
        DurationInDays => Role::Between(Between::Days),
        DurationInSeconds => Role::Between(Between::Seconds),
        DateTimeFromEpoch => Role::FromEpoch,
        DateTimeFromEpochMillis => Role::FromEpochMillis,
        Timestamp => Role::Timestamp,
        _ => return None,
    })
}

impl Function {
    /// Whether the function reads the clock at each call (and so gives another value each time).
    pub fn is_realtime(self) -> bool {
        matches!(role(self), Some(Role::Now(_, Clock::Realtime)))
    }
}

/// Evaluates `f` if it is a temporal function; `None` leaves it to the other evaluators.
pub(super) fn call(f: Function, args: &[Value], ctx: &EvalCtx, span: Span) -> Option<Eval> {
    let role = role(f)?;
    Some(evaluate(f, role, args, ctx, span))
}

fn evaluate(f: Function, role: Role, args: &[Value], ctx: &EvalCtx, span: Span) -> Eval {
    let fail = |e: TemporalError| argument_error(f, e, span);
    let now =
        |clock: Clock| if clock == Clock::Realtime { jiff::Timestamp::now() } else { ctx.draws.started() };
    let made = |t: temporal::Result<Temporal>| t.map(Value::Temporal).map_err(fail);
    match role {
        Role::Construct(kind) => match args.first() {
            None => made(current(kind, now(Clock::Statement), None)),
            Some(Value::Null) => Ok(Value::Null),
            Some(Value::String(text)) => made(temporal::parse(kind, text)),
            Some(Value::Map(map)) => {
                // A map of only a time zone asks for the current time there.
                if kind != Kind::Duration
                    && map.len() == 1
                    && let Some(Value::String(zone)) = map.get("timezone")
                {
                    return made(current(kind, now(Clock::Statement), Some(zone)));
                }
                let fields = fields_of(f, map, span)?;
                made(temporal::construct(kind, &fields))
            }
            Some(Value::Temporal(t)) if kind != Kind::Duration => {
                // Converting one temporal type into another: its components selected.
                let key = match t {
                    Temporal::Date(_) => "date",
                    Temporal::LocalTime(_) | Temporal::Time(_) => "time",
                    Temporal::Duration(_) => return Err(type_error_of(f, &args[0], span)),
                    _ if kind == Kind::Date => "date",
                    _ if matches!(kind, Kind::LocalTime | Kind::Time) => "time",
                    _ => "datetime",
                };
                made(temporal::construct(kind, &[(key, Field::Temporal(*t))]))
            }
            Some(other) => Err(type_error_of(f, other, span)),
        },
        Role::Now(kind, clock) => match args.first() {
            None => made(current(kind, now(clock), None)),
            Some(Value::Null) => Ok(Value::Null),
            Some(Value::String(zone)) => made(current(kind, now(clock), Some(zone))),
            Some(other) => Err(type_error_of(f, other, span)),
        },
        Role::Truncate(kind) => {
            let (unit, value) = (&args[0], &args[1]);
            let map = args.get(2);
            match (unit, value, map) {
                (Value::Null, ..) | (_, Value::Null, _) => Ok(Value::Null),
                (Value::String(unit), Value::Temporal(t), None | Some(Value::Null)) => {
                    made(temporal::truncate(kind, unit, *t, &[]))
                }
                (Value::String(unit), Value::Temporal(t), Some(Value::Map(map))) => {
                    let fields = fields_of(f, map, span)?;
                    made(temporal::truncate(kind, unit, *t, &fields))
                }
                (Value::String(_), Value::Temporal(_), Some(other))
                | (Value::String(_), other, _)
                | (other, ..) => Err(type_error_of(f, other, span)),
            }
        }
        Role::Between(which) => match (&args[0], &args[1]) {
            (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
            (Value::Temporal(a), Value::Temporal(b)) => {
                temporal::between(which, *a, *b).map(|d| Value::Temporal(Temporal::Duration(d))).map_err(fail)
            }
            (Value::Temporal(_), other) | (other, _) => Err(type_error_of(f, other, span)),
        },
        Role::FromEpoch => match (&args[0], &args[1]) {
            (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
            (Value::Int(seconds), Value::Int(nanos)) => {
                made(temporal::from_epoch_nanos(i128::from(*seconds) * 1_000_000_000 + i128::from(*nanos)))
            }
            (Value::Int(_), other) | (other, _) => Err(type_error_of(f, other, span)),
        },
        Role::FromEpochMillis => match &args[0] {
            Value::Null => Ok(Value::Null),
            Value::Int(ms) => made(temporal::from_epoch_nanos(i128::from(*ms) * 1_000_000)),
            other => Err(type_error_of(f, other, span)),
        },
        Role::Timestamp => Ok(Value::Int(ctx.draws.started().as_millisecond())),
    }
}

/// The current value of `kind` at `now`, in `zone` (UTC when none is given).
fn current(kind: Kind, now: jiff::Timestamp, zone: Option<&str>) -> temporal::Result<Temporal> {
    if kind == Kind::Duration {
        return Err(TemporalError("a duration is made from a string or a map".into()));
    }
    let (offset, named) = match zone {
        Some(text) => temporal::zone_or_offset(text)?,
        None => (0, None),
    };
    let at = temporal::DateTime::at(now, offset, named);
    Ok(match kind {
        Kind::Date => Temporal::Date(at.local.date()),
        Kind::LocalTime => Temporal::LocalTime(at.local.time()),
        Kind::Time => Temporal::Time(temporal::Time { time: at.local.time(), offset: at.offset }),
        Kind::LocalDateTime => Temporal::LocalDateTime(at.local),
        _ => Temporal::DateTime(at),
    })
}

/// A map's entries as constructor components; nulls are left out, as if not given.
fn fields_of<'m>(
    f: Function,
    map: &'m BTreeMap<String, Value>,
    span: Span,
) -> Result<Vec<(&'m str, Field<'m>)>, QueryError> {
    let mut fields = Vec::with_capacity(map.len());
    for (key, value) in map {
        let field = match value {
            Value::Null => continue,
            Value::Int(i) => Field::Int(*i),
            Value::Float(x) => Field::Float(*x),
            Value::String(s) => Field::Text(s),
            Value::Temporal(t) => Field::Temporal(*t),
            other => {
                return Err(QueryError::new(
                    ErrorKind::TypeError,
                    format!("{}(): `{key}` cannot be a {}", f.name(), other.type_name()),
                    Some(span),
                ));
            }
        };
        fields.push((key.as_str(), field));
    }
    Ok(fields)
}

/// `x.key` of a temporal value.
pub(super) fn component(t: &Temporal, key: &str, span: Span) -> Eval {
    match temporal::field(t, key) {
        Ok(temporal::Component::Int(i)) => Ok(Value::Int(i)),
        Ok(temporal::Component::Text(s)) => Ok(Value::String(s)),
        Err(e) => Err(QueryError::new(ErrorKind::TypeError, e.to_string(), Some(span))),
    }
}

/// `+`, `-`, `*` and `/` where a temporal value is an operand; `None` when neither is one.
pub(super) fn arithmetic(op: BinaryOp, left: &Value, right: &Value, span: Span) -> Option<Eval> {
    use temporal::Temporal::Duration as D;
    let fail = |e: TemporalError| QueryError::new(ErrorKind::ArgumentError, e.to_string(), Some(span));
    let result = match (op, left, right) {
        (BinaryOp::Add, Value::Temporal(t), Value::Temporal(D(d))) => temporal::add(*t, *d),
        (BinaryOp::Add, Value::Temporal(D(d)), Value::Temporal(t)) => temporal::add(*t, *d),
        (BinaryOp::Sub, Value::Temporal(t), Value::Temporal(D(d))) => temporal::subtract(*t, *d),
        (BinaryOp::Mul, Value::Temporal(D(d)), n) | (BinaryOp::Mul, n, Value::Temporal(D(d))) => {
            match number(n) {
                Some(x) => temporal::multiply(*d, x, false).map(D),
                None => return None,
            }
        }
        (BinaryOp::Div, Value::Temporal(D(d)), n) => match number(n) {
            Some(x) => temporal::multiply(*d, x, true).map(D),
            None => return None,
        },
        _ => return None,
    };
    Some(result.map(Value::Temporal).map_err(fail))
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(x) => Some(*x),
        _ => None,
    }
}
