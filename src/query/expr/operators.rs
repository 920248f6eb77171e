//! The operators: three-valued logic, comparison, string and list predicates, arithmetic.

use std::borrow::Cow;

use super::*;

/// An operand, evaluated as [`CExpr::eval`] does, but borrowed where it already exists: a constant,
/// a parameter, a row's value, a property of a node or relationship. Filtering a scan by
/// `n.name = 'x'` copied every node's name, and the constant, to compare them.
fn operand<'x>(e: &'x CExpr, row: &'x [Value], ctx: &EvalCtx<'x>) -> Result<Cow<'x, Value>, QueryError> {
    const NULL: &Value = &Value::Null;
    match e {
        CExpr::Const(v) => Ok(Cow::Borrowed(v)),
        CExpr::Slot(i) => Ok(Cow::Borrowed(row.get(*i).unwrap_or(NULL))),
        CExpr::Param(name, _) if ctx.params.contains_key(name) => Ok(Cow::Borrowed(&ctx.params[name])),
        CExpr::Property(target, key, span) => match operand(target, row, ctx)? {
            Cow::Borrowed(target) => property_of(target, key, ctx.graph, *span),
            Cow::Owned(target) => property(&target, key, ctx.graph, *span).map(Cow::Owned),
        },
        _ => e.eval(row, ctx).map(Cow::Owned),
    }
}

pub(super) fn truth(v: Value, span: Span, op: BinaryOp) -> Result<Option<bool>, QueryError> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        other => Err(type_error(
            span,
            format!("{} expects Boolean operands, got {}", op.symbol(), other.type_name()),
        )),
    }
}

pub(super) fn from_truth(t: Option<bool>) -> Value {
    t.map_or(Value::Null, Value::Bool)
}

pub(super) fn binary(op: BinaryOp, a: &CExpr, b: &CExpr, row: &[Value], ctx: &EvalCtx, span: Span) -> Eval {
    use BinaryOp::*;
    // AND and OR look at their right side only when the left does not decide.
    if matches!(op, And | Or) {
        let left = truth(a.eval(row, ctx)?, span, op)?;
        let decisive = if op == And { Some(false) } else { Some(true) };
        if left == decisive {
            return Ok(from_truth(left));
        }
        let right = truth(b.eval(row, ctx)?, span, op)?;
        return Ok(from_truth(match (left, right) {
            (_, r) if r == decisive => decisive,
            (Some(_), Some(r)) => Some(r),
            _ => None,
        }));
    }
    let left = operand(a, row, ctx)?;
    let right = operand(b, row, ctx)?;
    match op {
        Xor => {
            let (l, r) = (truth(left.into_owned(), span, op)?, truth(right.into_owned(), span, op)?);
            Ok(from_truth(l.zip(r).map(|(l, r)| l != r)))
        }
        Regex => match (&*left, &*right) {
            (Value::String(s), Value::String(pattern)) => {
                // The whole string must match, as in openCypher (and Java's `matches`).
                let anchored = format!("^(?:{pattern})$");
                let re = regex::Regex::new(&anchored).map_err(|e| {
                    QueryError::new(
                        ErrorKind::ArgumentError,
                        format!("invalid regular expression: {e}"),
                        Some(span),
                    )
                })?;
                Ok(Value::Bool(re.is_match(s)))
            }
            _ => Ok(Value::Null),
        },
        Eq => Ok(from_truth(left.cypher_eq(&right))),
        Ne => Ok(from_truth(left.cypher_eq(&right).map(|e| !e))),
        // NaN is unordered: every ordering comparison with it is false, not unknown.
        Lt | Le | Gt | Ge if is_nan(&left) && is_number(&right) || is_nan(&right) && is_number(&left) => {
            Ok(Value::Bool(false))
        }
        Lt | Le | Gt | Ge => Ok(from_truth(left.cypher_cmp(&right).map(|o| match op {
            Lt => o.is_lt(),
            Le => o.is_le(),
            Gt => o.is_gt(),
            _ => o.is_ge(),
        }))),
        StartsWith | EndsWith | Contains => Ok(match (&*left, &*right) {
            (Value::String(s), Value::String(p)) => Value::Bool(match op {
                StartsWith => s.starts_with(p.as_str()),
                EndsWith => s.ends_with(p.as_str()),
                _ => s.contains(p.as_str()),
            }),
            _ => Value::Null,
        }),
        In => match &*right {
            Value::Null => Ok(Value::Null),
            Value::List(items) => {
                let mut unknown = false;
                for item in items {
                    match left.cypher_eq(item) {
                        Some(true) => return Ok(Value::Bool(true)),
                        None => unknown = true,
                        Some(false) => {}
                    }
                }
                Ok(if unknown { Value::Null } else { Value::Bool(false) })
            }
            other => Err(type_error(span, format!("IN expects a List, got {}", other.type_name()))),
        },
        Add => {
            ctx.interrupt.reserve(joined_bytes(&left, &right)).map_err(|e| e.at(span))?;
            arithmetic(op, left.into_owned(), right.into_owned(), span)
        }
        Sub | Mul | Div | Mod | Pow => arithmetic(op, left.into_owned(), right.into_owned(), span),
        And | Or => unreachable!("handled above"),
    }
}

/// About what `a + b` allocates when it joins strings or lists: nothing for numbers.
fn joined_bytes(a: &Value, b: &Value) -> u64 {
    let size = |v: &Value| match v {
        Value::String(s) => s.len() as u64,
        Value::List(items) => (items.len() * std::mem::size_of::<Value>()) as u64,
        _ => std::mem::size_of::<Value>() as u64,
    };
    match (a, b) {
        (Value::String(_) | Value::List(_), _) | (_, Value::String(_) | Value::List(_)) => size(a) + size(b),
        _ => 0,
    }
}

pub(super) fn arithmetic(op: BinaryOp, left: Value, right: Value, span: Span) -> Eval {
    use BinaryOp::*;
    use Value::*;
    let float = |x: f64, y: f64| -> Value {
        Float(match op {
            Add => x + y,
            Sub => x - y,
            Mul => x * y,
            Div => x / y,
            Mod => x % y,
            _ => x.powf(y),
        })
    };
    if let Some(result) = super::temporal::arithmetic(op, &left, &right, span) {
        return result;
    }
    match (left, right) {
        (Null, _) | (_, Null) => Ok(Null),
        (Int(x), Int(y)) => {
            let result = match op {
                Add => x.checked_add(y),
                Sub => x.checked_sub(y),
                Mul => x.checked_mul(y),
                Div | Mod if y == 0 => {
                    return Err(QueryError::new(ErrorKind::ArithmeticError, "division by zero", Some(span)));
                }
                Div => x.checked_div(y),
                Mod => x.checked_rem(y),
                _ => return Ok(float(x as f64, y as f64)),
            };
            result.map(Int).ok_or_else(|| overflow(span))
        }
        (Int(x), Float(y)) => Ok(float(x as f64, y)),
        (Float(x), Int(y)) => Ok(float(x, y as f64)),
        (Float(x), Float(y)) => Ok(float(x, y)),
        (String(x), String(y)) if op == Add => Ok(String(x + &y)),
        (String(x), y @ (Int(_) | Float(_) | Bool(_))) if op == Add => Ok(String(x + &plain(&y))),
        (x @ (Int(_) | Float(_) | Bool(_)), String(y)) if op == Add => Ok(String(plain(&x) + &y)),
        (List(mut x), List(y)) if op == Add => {
            x.extend(y);
            Ok(List(x))
        }
        (List(mut x), y) if op == Add => {
            x.push(y);
            Ok(List(x))
        }
        (x, List(mut y)) if op == Add => {
            y.insert(0, x);
            Ok(List(y))
        }
        (x, y) => Err(type_error(
            span,
            format!("cannot apply {} to {} and {}", op.symbol(), x.type_name(), y.type_name()),
        )),
    }
}

pub(super) fn is_nan(v: &Value) -> bool {
    matches!(v, Value::Float(x) if x.is_nan())
}

pub(super) fn is_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Float(_))
}
