//! The functions that read the graph or their arguments' structure (`labels`, `type`, `keys`,
//! `size`, conversions…); pure string and maths functions live in `query::functions`.

use super::*;

pub(super) fn call(f: Function, args: Vec<Value>, ctx: &EvalCtx, span: Span) -> Eval {
    use Function::*;
    let graph = ctx.graph;
    if let Some(result) = temporal::call(f, &args, ctx, span) {
        return result;
    }
    if let Some(result) = crate::query::functions::call(f, &args, span, ctx.interrupt) {
        return result;
    }
    let mut args = args.into_iter();
    // Arity was checked by the planner, so a one-argument function has its argument.
    let arg = args.next().unwrap_or(Value::Null);
    let wrong = |v: &Value| {
        Err(QueryError::new(
            ErrorKind::TypeError,
            format!("{}() cannot take a {}", f.name(), v.type_name()),
            Some(span),
        ))
    };
    if arg.is_null() && f != Coalesce {
        return Ok(Value::Null);
    }
    if matches!(f, Labels | Properties | Keys) {
        check_exists(&arg, graph, span)?;
    }
    let strings = |names: Vec<&str>| Value::List(names.into_iter().map(Value::from).collect());
    match f {
        Coalesce => Ok(std::iter::once(arg).chain(args).find(|v| !v.is_null()).unwrap_or(Value::Null)),
        Id => match arg {
            Value::Node(n) => Ok(Value::Int(n.0 as i64)),
            Value::Relationship(e) => Ok(Value::Int(e.0 as i64)),
            Value::VirtualNode(n) => Ok(Value::Int(n.id)),
            Value::VirtualRelationship(r) => Ok(Value::Int(r.id)),
            other => wrong(&other),
        },
        Labels => match arg {
            Value::Node(n) => Ok(strings(graph.labels(n).iter().map(|&l| graph.name(l)).collect())),
            Value::VirtualNode(n) => Ok(strings(n.labels.iter().map(String::as_str).collect())),
            other => wrong(&other),
        },
        Type => match arg {
            Value::Relationship(e) => {
                Ok(graph.edge_type_even_deleted(e).map_or(Value::Null, |t| graph.name(t).into()))
            }
            Value::VirtualRelationship(r) => Ok(Value::String(r.rel_type.clone())),
            other => wrong(&other),
        },
        Properties | Keys => {
            let map: BTreeMap<String, Value> = match arg {
                Value::Node(n) => props_map(graph, graph.node_properties(n)),
                Value::Relationship(e) => props_map(graph, graph.edge_properties(e)),
                Value::Map(m) => m,
                Value::VirtualNode(n) => n.properties,
                Value::VirtualRelationship(r) => r.properties,
                other => return wrong(&other),
            };
            Ok(if f == Keys {
                Value::List(map.into_keys().map(Value::String).collect())
            } else {
                Value::Map(map)
            })
        }
        Size => match arg {
            Value::List(items) => Ok(Value::Int(items.len() as i64)),
            Value::String(s) => Ok(Value::Int(s.chars().count() as i64)),
            other => wrong(&other),
        },
        ToLower | ToUpper => match arg {
            Value::String(s) => {
                Ok(Value::String(if f == ToLower { s.to_lowercase() } else { s.to_uppercase() }))
            }
            other => wrong(&other),
        },
        ToString => match arg {
            v @ (Value::String(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_)) => {
                Ok(Value::String(plain(&v)))
            }
            Value::Temporal(t) => Ok(Value::String(t.to_string())),
            other => wrong(&other),
        },
        ToInteger => match arg {
            Value::Int(i) => Ok(Value::Int(i)),
            Value::Float(x) if x.is_finite() && x.abs() < 9.2e18 => Ok(Value::Int(x.trunc() as i64)),
            Value::Float(_) => Ok(Value::Null),
            Value::String(s) => Ok(s
                .trim()
                .parse::<i64>()
                .ok()
                .or_else(|| {
                    s.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite() && x.abs() < 9.2e18)
                        .map(|x| x.trunc() as i64)
                })
                .map_or(Value::Null, Value::Int)),
            Value::Bool(b) => Ok(Value::Int(b as i64)),
            other => wrong(&other),
        },
        ToFloat => match arg {
            Value::Int(i) => Ok(Value::Float(i as f64)),
            Value::Float(x) => Ok(Value::Float(x)),
            Value::String(s) => Ok(s.trim().parse::<f64>().map_or(Value::Null, Value::Float)),
            other => wrong(&other),
        },
        Abs => match arg {
            Value::Int(i) => i.checked_abs().map(Value::Int).ok_or_else(|| overflow(span)),
            Value::Float(x) => Ok(Value::Float(x.abs())),
            other => wrong(&other),
        },
        Head | Last => match arg {
            Value::List(mut items) => {
                Ok(if f == Head { items.into_iter().next() } else { items.pop() }.unwrap_or(Value::Null))
            }
            other => wrong(&other),
        },
        StartNode | EndNode => match arg {
            Value::Relationship(e) => Ok(graph
                .endpoints(e)
                .map_or(Value::Null, |(a, b)| Value::Node(if f == StartNode { a } else { b }))),
            Value::VirtualRelationship(r) => {
                let crate::value::VirtualRelationship { start, end, .. } = *r;
                Ok(Value::VirtualNode(Box::new(if f == StartNode { start } else { end })))
            }
            other => wrong(&other),
        },
        Length => match arg {
            Value::Path(p) => Ok(Value::Int(p.relationships.len() as i64)),
            other => wrong(&other),
        },
        Nodes | Relationships => match arg {
            Value::Path(path) => Ok(Value::List(if f == Nodes {
                let PathValue { nodes, .. } = *path;
                nodes.into_iter().map(Value::Node).collect()
            } else {
                path.relationships.into_iter().map(Value::Relationship).collect()
            })),
            other => wrong(&other),
        },
        // Every other function was answered by `functions::call` above.
        _ => unreachable!("{} is evaluated by the functions module", f.name()),
    }
}
