//! String, list and mathematical functions: each a pure function of its arguments' values.
//! (The functions that read the graph — `labels`, `type`, `properties`… — live beside the evaluator.)

use std::hash::BuildHasher;

use super::ast::Span;
use super::error::{ErrorKind, QueryError};
use super::expr::Function;
use super::interrupt::Interrupt;
use crate::value::Value;

type Eval = Result<Value, QueryError>;

pub(super) fn type_error(f: Function, v: &Value, span: Span) -> QueryError {
    QueryError::new(
        ErrorKind::TypeError,
        format!("{}() cannot take a {}", f.name(), v.type_name()),
        Some(span),
    )
}

fn argument_error(f: Function, message: &str, span: Span) -> QueryError {
    QueryError::new(ErrorKind::ArgumentError, format!("{}(): {message}", f.name()), Some(span))
}

fn number(f: Function, v: &Value, span: Span) -> Result<f64, QueryError> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(x) => Ok(*x),
        other => Err(type_error(f, other, span)),
    }
}

fn integer(f: Function, v: &Value, span: Span) -> Result<i64, QueryError> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(type_error(f, other, span)),
    }
}

fn string(f: Function, v: &Value, span: Span) -> Result<String, QueryError> {
    text(f, v, span).map(str::to_string)
}

/// A string argument where it is, for the functions that return a piece of it.
fn text(f: Function, v: &Value, span: Span) -> Result<&str, QueryError> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(type_error(f, other, span)),
    }
}

/// Where the `n`-th character of `s` starts (its length when it has no more): strings are cut by
/// characters, not bytes, without making a vector of them.
fn char_offset(s: &str, n: usize) -> usize {
    s.char_indices().nth(n).map_or(s.len(), |(at, _)| at)
}

/// The random numbers `rand()` gives during one statement: the `n`-th draw is a fixed function of
/// the statement's seed and `n`, so that running the statement again with the same seed (as a
/// database does when it replays its journal) gives the same numbers.
///
/// It also holds the statement's clock: `datetime()`, `date.statement()` and the others read the
/// one instant the statement started at, so that every row of a statement sees the same time.
#[derive(Debug)]
pub struct Draws {
    seed: u64,
    drawn: std::cell::Cell<u64>,
    started: jiff::Timestamp,
}

impl Draws {
    pub fn new(seed: u64) -> Self {
        Draws { seed, drawn: std::cell::Cell::new(0), started: jiff::Timestamp::now() }
    }

    /// When the statement started.
    pub fn started(&self) -> jiff::Timestamp {
        self.started
    }

    /// A seed nobody can predict: std's randomly keyed hasher (keyed afresh for each thread) over a
    /// counter.
    pub fn fresh_seed() -> u64 {
        // A counter of the thread's own: threads drawing seeds at once share no memory to do it.
        thread_local!(static COUNTER: std::cell::Cell<u64> = const { std::cell::Cell::new(0) });
        let n = COUNTER.with(|c| {
            c.set(c.get().wrapping_add(1));
            c.get()
        });
        std::collections::hash_map::RandomState::new().hash_one(n)
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The next float in [0, 1): splitmix64's finaliser over the seed and the draw's number.
    pub fn next(&self) -> f64 {
        let n = self.drawn.get();
        self.drawn.set(n + 1);
        let mut z = self.seed.wrapping_add(n.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A version 4 UUID (RFC 9562) in its 36-character text form: 122 random bits from two unpredictable
/// seeds, unlike `rand()`, whose draws repeat under a fixed `--seed`, because an identifier must not
/// repeat across statements.
pub fn random_uuid() -> String {
    let mut bits = (u128::from(Draws::fresh_seed()) << 64) | u128::from(Draws::fresh_seed());
    // Version 4 in bits 76..80, variant 0b10 in bits 62..64.
    bits = (bits & !(0xf << 76)) | (0x4 << 76);
    bits = (bits & !(0x3 << 62)) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Evaluates `f` if this module knows it; `None` leaves it to the evaluator.
pub(super) fn call(f: Function, args: &[Value], span: Span, interrupt: &Interrupt) -> Option<Eval> {
    use Function::*;
    let float = |op: fn(f64) -> f64| -> Eval { Ok(Value::Float(op(number(f, &args[0], span)?))) };
    let known = matches!(
        f,
        Reverse
            | Tail
            | Range
            | ToBoolean
            | Substring
            | Split
            | Replace
            | Trim
            | LTrim
            | RTrim
            | Left
            | Right
            | Sqrt
            | Sign
            | Ceil
            | Floor
            | Round
            | Exp
            | Log
            | Log10
            | Sin
            | Cos
            | Tan
            | Asin
            | Acos
            | Atan
            | Atan2
            | Haversin
            | Degrees
            | Radians
            | Pi
            | E
    );
    if !known {
        return None;
    }
    // Null in, null out: every function here returns null when an argument is null.
    if args.iter().any(Value::is_null) {
        return Some(Ok(Value::Null));
    }
    Some(match f {
        Pi => Ok(Value::Float(std::f64::consts::PI)),
        E => Ok(Value::Float(std::f64::consts::E)),
        Reverse => match &args[0] {
            Value::String(s) => Ok(Value::String(s.chars().rev().collect())),
            Value::List(items) => Ok(Value::List(items.iter().rev().cloned().collect())),
            other => Err(type_error(f, other, span)),
        },
        Tail => match &args[0] {
            Value::List(items) => Ok(Value::List(items.iter().skip(1).cloned().collect())),
            other => Err(type_error(f, other, span)),
        },
        Range => (|| {
            let start = integer(f, &args[0], span)?;
            let end = integer(f, &args[1], span)?;
            let step = match args.get(2) {
                Some(v) => integer(f, v, span)?,
                None => 1,
            };
            if step == 0 {
                return Err(argument_error(f, "the step cannot be zero", span));
            }
            let count = if (step > 0 && start > end) || (step < 0 && start < end) {
                0
            } else {
                ((end as i128 - start as i128) / step as i128 + 1) as u128
            };
            let bytes = count.saturating_mul(std::mem::size_of::<Value>() as u128);
            interrupt.reserve(u64::try_from(bytes).unwrap_or(u64::MAX)).map_err(|e| e.at(span))?;
            // Built in steps, each a check that the statement may go on: a long range takes time.
            let mut items = Vec::with_capacity(count as usize);
            for i in 0..count as i64 {
                if i % 4096 == 0 {
                    interrupt.check_now()?;
                }
                items.push(Value::Int(start + i * step));
            }
            Ok(Value::List(items))
        })(),
        ToBoolean => match &args[0] {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::String(s) => Ok(match s.trim().to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::Null,
            }),
            Value::Int(i) => Ok(Value::Bool(*i != 0)),
            other => Err(type_error(f, other, span)),
        },
        Substring => (|| {
            let s = text(f, &args[0], span)?;
            let start = integer(f, &args[1], span)?;
            let len = match args.get(2) {
                Some(v) => integer(f, v, span)?,
                None => i64::MAX,
            };
            if start < 0 || len < 0 {
                return Err(argument_error(f, "start and length must not be negative", span));
            }
            let rest = &s[char_offset(s, usize::try_from(start).unwrap_or(usize::MAX))..];
            Ok(Value::from(&rest[..char_offset(rest, usize::try_from(len).unwrap_or(usize::MAX))]))
        })(),
        Split => (|| {
            let s = string(f, &args[0], span)?;
            let sep = string(f, &args[1], span)?;
            let pieces = if sep.is_empty() { s.len() } else { s.matches(sep.as_str()).count() + 1 };
            interrupt
                .reserve((pieces * (std::mem::size_of::<Value>() + 8) + s.len()) as u64)
                .map_err(|e| e.at(span))?;
            let parts: Vec<Value> = if sep.is_empty() {
                s.chars().map(|c| Value::String(c.to_string())).collect()
            } else {
                s.split(sep.as_str()).map(Value::from).collect()
            };
            Ok(Value::List(parts))
        })(),
        Replace => (|| {
            let s = string(f, &args[0], span)?;
            let from = string(f, &args[1], span)?;
            let to = string(f, &args[2], span)?;
            if !from.is_empty() && to.len() > from.len() {
                let most = (s.len() / from.len()).saturating_mul(to.len()).saturating_add(s.len());
                interrupt.reserve(most as u64).map_err(|e| e.at(span))?;
            }
            Ok(Value::String(if from.is_empty() { s } else { s.replace(&from, &to) }))
        })(),
        Trim | LTrim | RTrim => string(f, &args[0], span).map(|s| {
            Value::String(match f {
                Trim => s.trim().to_string(),
                LTrim => s.trim_start().to_string(),
                _ => s.trim_end().to_string(),
            })
        }),
        Left | Right => (|| {
            let s = text(f, &args[0], span)?;
            let n = integer(f, &args[1], span)?;
            if n < 0 {
                return Err(argument_error(f, "the length must not be negative", span));
            }
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            let part = if f == Left {
                &s[..char_offset(s, n)]
            } else {
                let chars = s.chars().count();
                &s[char_offset(s, chars.saturating_sub(n))..]
            };
            Ok(Value::from(part))
        })(),
        Sign => match &args[0] {
            Value::Int(i) => Ok(Value::Int(i.signum())),
            Value::Float(x) if x.is_nan() => Ok(Value::Float(f64::NAN)),
            Value::Float(x) => Ok(Value::Int(if *x > 0.0 {
                1
            } else if *x < 0.0 {
                -1
            } else {
                0
            })),
            other => Err(type_error(f, other, span)),
        },
        Ceil => float(f64::ceil),
        Floor => float(f64::floor),
        // openCypher rounds half away from zero for positives and towards +∞ at .5 (Java's Math.round).
        Round => float(|x| (x + 0.5).floor()),
        Sqrt => float(f64::sqrt),
        Exp => float(f64::exp),
        Log => float(f64::ln),
        Log10 => float(f64::log10),
        Sin => float(f64::sin),
        Cos => float(f64::cos),
        Tan => float(f64::tan),
        Asin => float(f64::asin),
        Acos => float(f64::acos),
        Atan => float(f64::atan),
        Degrees => float(f64::to_degrees),
        Radians => float(f64::to_radians),
        // Half the versine: (1 - cos x) / 2, written with sin² so that small angles keep their digits.
        Haversin => float(|x| (x / 2.0).sin().powi(2)),
        Atan2 => (|| Ok(Value::Float(number(f, &args[0], span)?.atan2(number(f, &args[1], span)?))))(),
        _ => unreachable!("checked by `known` above"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn run(f: Function, args: &[Value]) -> Value {
        call(f, args, Span::default(), &Interrupt::none()).expect("known function").expect("no error")
    }

    #[test]
    fn strings() {
        assert_eq!(
            run(Function::Substring, &["ÚZSI agency".into(), Value::Int(1), Value::Int(3)]),
            "ZSI".into()
        );
        assert_eq!(run(Function::Substring, &["abc".into(), Value::Int(5)]), "".into());
        assert_eq!(run(Function::Reverse, &["abc".into()]), "cba".into());
        assert_eq!(
            run(Function::Split, &["a,b,,c".into(), ",".into()]),
            Value::List(vec!["a".into(), "b".into(), "".into(), "c".into()])
        );
        assert_eq!(run(Function::Left, &["abc".into(), Value::Int(9)]), "abc".into());
        assert_eq!(run(Function::Right, &["abc".into(), Value::Int(2)]), "bc".into());
        assert_eq!(run(Function::Replace, &["a-b-c".into(), "-".into(), "+".into()]), "a+b+c".into());
        assert_eq!(run(Function::Trim, &["  x ".into()]), "x".into());
        assert_eq!(run(Function::ToBoolean, &["TRUE".into()]), Value::Bool(true));
        assert_eq!(run(Function::ToBoolean, &["maybe".into()]), Value::Null);
    }

    #[test]
    fn haversin_is_half_the_versine() {
        for x in [0.0, 0.5, 1.0, std::f64::consts::PI, -2.0] {
            let Value::Float(h) = run(Function::Haversin, &[Value::Float(x)]) else { panic!("a float") };
            assert!((h - (1.0 - x.cos()) / 2.0).abs() < 1e-15, "haversin({x}) = {h}");
        }
        assert_eq!(run(Function::Haversin, &[Value::Int(0)]), Value::Float(0.0));
        assert_eq!(run(Function::Haversin, &[Value::Null]), Value::Null);
    }

    #[test]
    fn random_uuids_are_version_4_and_differ() {
        let uuids: Vec<String> = (0..1000).map(|_| random_uuid()).collect();
        for u in &uuids {
            let groups: Vec<&str> = u.split('-').collect();
            assert_eq!(groups.iter().map(|g| g.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12], "{u}");
            assert!(u.chars().all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{u}");
            assert!(groups[2].starts_with('4'), "version nibble of {u}");
            assert!(matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'), "variant of {u}");
        }
        let distinct: HashSet<&String> = uuids.iter().collect();
        assert_eq!(distinct.len(), uuids.len());
    }

    #[test]
    fn ranges() {
        let ints = |v: &[i64]| Value::List(v.iter().map(|i| Value::Int(*i)).collect());
        assert_eq!(run(Function::Range, &[Value::Int(0), Value::Int(3)]), ints(&[0, 1, 2, 3]));
        assert_eq!(run(Function::Range, &[Value::Int(5), Value::Int(1), Value::Int(-2)]), ints(&[5, 3, 1]));
        assert_eq!(run(Function::Range, &[Value::Int(3), Value::Int(0)]), ints(&[]));
        let none = Interrupt::none();
        let zero =
            call(Function::Range, &[Value::Int(0), Value::Int(3), Value::Int(0)], Span::default(), &none);
        assert_eq!(zero.map(|r| r.map_err(|e| e.kind)), Some(Err(ErrorKind::ArgumentError)));
        // Larger than any machine: refused before anything is allocated, with no budget set.
        let huge = call(Function::Range, &[Value::Int(0), Value::Int(i64::MAX)], Span::default(), &none);
        assert_eq!(huge.map(|r| r.map_err(|e| e.kind)), Some(Err(ErrorKind::MemoryLimitExceeded)));
    }

    #[test]
    fn maths() {
        assert_eq!(run(Function::Sqrt, &[Value::Int(16)]), Value::Float(4.0));
        assert_eq!(run(Function::Sign, &[Value::Float(-2.5)]), Value::Int(-1));
        assert_eq!(run(Function::Round, &[Value::Float(2.5)]), Value::Float(3.0));
        assert_eq!(run(Function::Round, &[Value::Float(-2.5)]), Value::Float(-2.0));
        assert_eq!(run(Function::Ceil, &[Value::Float(0.1)]), Value::Float(1.0));
        assert_eq!(run(Function::Sqrt, &[Value::Null]), Value::Null);
    }

    #[test]
    fn draws_are_a_function_of_the_seed_and_differ_from_each_other() {
        let (a, b) = (Draws::new(7), Draws::new(7));
        let first: Vec<f64> = (0..1000).map(|_| a.next()).collect();
        assert!(first.iter().all(|x| (0.0..1.0).contains(x)));
        assert_eq!(first, (0..1000).map(|_| b.next()).collect::<Vec<_>>(), "the same seed, the same draws");
        let mut distinct = first.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        assert_eq!(distinct.len(), 1000);
        let mean = first.iter().sum::<f64>() / 1000.0;
        assert!((0.4..0.6).contains(&mean), "{mean}");
        assert_ne!(Draws::new(8).next(), Draws::new(7).next());
        assert_ne!(Draws::fresh_seed(), Draws::fresh_seed());
    }
}
