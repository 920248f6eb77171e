//! Reading into values: a property of a node, a relationship or a map (`x.key`), an element of a
//! list or a map (`x[i]`), and the check that an entity read was not deleted by this statement.

use super::*;

/// Reading a node or relationship that this statement deleted is an error, not a silent null.
pub(super) fn check_exists(v: &Value, graph: &Graph, span: Span) -> Result<(), QueryError> {
    let gone = match v {
        Value::Node(n) => !graph.contains_node(*n),
        Value::Relationship(e) => !graph.contains_edge(*e),
        _ => false,
    };
    if gone {
        let what = if matches!(v, Value::Node(_)) { "node" } else { "relationship" };
        return Err(QueryError::new(
            ErrorKind::EntityNotFound,
            format!("the {what} was deleted"),
            Some(span),
        ));
    }
    Ok(())
}

pub(super) fn property(target: &Value, key: &PropertyKey, graph: &Graph, span: Span) -> Eval {
    let from_props = |props: &crate::graph::Properties| {
        key.resolve(graph).and_then(|s| props.get(s)).cloned().unwrap_or(Value::Null)
    };
    check_exists(target, graph, span)?;
    match target {
        Value::Null => Ok(Value::Null),
        Value::Node(n) => Ok(from_props(graph.node_properties(*n))),
        Value::Relationship(e) => Ok(from_props(graph.edge_properties(*e))),
        Value::Map(m) => Ok(m.get(&key.name).cloned().unwrap_or(Value::Null)),
        other => {
            Err(type_error(span, format!("cannot read property `{}` of a {}", key.name, other.type_name())))
        }
    }
}

pub(super) fn subscript(target: Value, index: Value, graph: &Graph, span: Span) -> Eval {
    match (target, index) {
        (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
        (Value::List(items), Value::Int(i)) => {
            let len = items.len() as i64;
            let at = if i < 0 { len + i } else { i };
            Ok(if (0..len).contains(&at) { items[at as usize].clone() } else { Value::Null })
        }
        (Value::List(_), other) => {
            Err(type_error(span, format!("a list index must be an Integer, got {}", other.type_name())))
        }
        (target @ (Value::Map(_) | Value::Node(_) | Value::Relationship(_)), Value::String(k)) => {
            property(&target, &PropertyKey::new(k), graph, span)
        }
        (target, index) => Err(type_error(
            span,
            format!("cannot index a {} with a {}", target.type_name(), index.type_name()),
        )),
    }
}
