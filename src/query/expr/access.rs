//! Reading into values: a property of a node, a relationship or a map (`x.key`), an element of a
//! list or a map (`x[i]`), and the check that an entity read was not deleted by this statement.

use std::borrow::Cow;

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

/// Property `key` of `target`, where it already is: in the graph for a node or a relationship, in
/// `target` for a map; null when absent or when `target` is null. A component of a temporal value
/// (`d.year`) is computed, so it comes back owned.
pub(super) fn property_of<'x>(
    target: &'x Value,
    key: &PropertyKey,
    graph: &'x Graph,
    span: Span,
) -> Result<Cow<'x, Value>, QueryError> {
    const NULL: &Value = &Value::Null;
    let in_props = |props: &'x crate::graph::Properties| key.resolve(graph).and_then(|s| props.get(s));
    check_exists(target, graph, span)?;
    match target {
        Value::Null => Ok(Cow::Borrowed(NULL)),
        Value::Node(n) => Ok(Cow::Borrowed(in_props(graph.node_properties(*n)).unwrap_or(NULL))),
        Value::Relationship(e) => Ok(Cow::Borrowed(in_props(graph.edge_properties(*e)).unwrap_or(NULL))),
        Value::Map(m) => Ok(Cow::Borrowed(m.get(&key.name).unwrap_or(NULL))),
        Value::VirtualNode(n) => Ok(Cow::Borrowed(n.property(&key.name))),
        Value::VirtualRelationship(r) => Ok(Cow::Borrowed(r.property(&key.name))),
        Value::Temporal(t) => super::temporal::component(t, &key.name, span).map(Cow::Owned),
        other => {
            Err(type_error(span, format!("cannot read property `{}` of a {}", key.name, other.type_name())))
        }
    }
}

pub(super) fn property(target: &Value, key: &PropertyKey, graph: &Graph, span: Span) -> Eval {
    property_of(target, key, graph, span).map(Cow::into_owned)
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
        (
            target @ (Value::Map(_)
            | Value::Node(_)
            | Value::Relationship(_)
            | Value::VirtualNode(_)
            | Value::VirtualRelationship(_)),
            Value::String(k),
        ) => property(&target, &PropertyKey::new(k), graph, span),
        (target, index) => Err(type_error(
            span,
            format!("cannot index a {} with a {}", target.type_name(), index.type_name()),
        )),
    }
}
