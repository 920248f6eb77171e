//! Constraint commands (`CREATE CONSTRAINT`, `DROP CONSTRAINT`) as statements that do only that,
//! undone and journalled as any other; and the check, when a statement that wrote ends, of every
//! node and relationship it created or changed against the constraints on their labels and types.

use std::collections::BTreeSet;

use super::*;
use crate::graph::{ConstraintDef, ConstraintViolation};
use crate::query::ast::{ConstraintTarget, SchemaCommand};

/// Runs `CREATE CONSTRAINT` (the graph as it is must satisfy it) or `DROP CONSTRAINT`. Names are
/// shared with indexes; a taken name is a `SchemaError` (with IF NOT EXISTS no error and no
/// change), as is a second constraint of the same definition, or dropping one that is not there
/// (with IF EXISTS nothing).
pub(super) fn change_constraint(
    graph: &mut Graph,
    command: &SchemaCommand,
    options: RunOptions<'_>,
    mut effects: Effects,
) -> Result<Effects, QueryError> {
    let span = command.name.as_ref().map(|n| n.span);
    let schema_error = |message: String| QueryError::new(ErrorKind::SchemaError, message, span);
    let Some(target) = &command.requires else {
        let name = command.name.as_ref().map(|n| n.name.as_str()).unwrap_or_default();
        let Some(def) = graph.constraint(name).cloned() else {
            if command.if_exists {
                return Ok(effects);
            }
            return Err(schema_error(format!(
                "there is no constraint called `{name}` (SHOW CONSTRAINTS lists them)"
            )));
        };
        let owned = graph.constraints().any(|(n, _, owned)| n == name && owned.is_some());
        graph.drop_constraint(name);
        let change = Change::ConstraintDropped { name: name.to_string() };
        log(&mut effects, options, Undo::ConstraintDropped(name.to_string(), def, owned), Some(change));
        return Ok(effects);
    };
    let name = command.name.as_ref().map_or_else(|| made_name(target), |n| n.name.clone());
    let def = ConstraintDef {
        relationship: target.relationship,
        on: graph.intern(&target.on),
        keys: target.keys.iter().map(|k| graph.intern(k)).collect(),
        kind: target.kind.clone(),
    };
    let same = graph.constraints().find(|(_, d, _)| **d == def).map(|(n, _, _)| n.to_string());
    let taken = graph.constraint(&name).is_some()
        || graph.index_called(&name).is_some()
        || graph.fulltext_index(&name).is_some();
    if (taken || same.is_some()) && command.if_exists {
        return Ok(effects);
    }
    if taken {
        return Err(schema_error(format!("an index or constraint is called `{name}` already")));
    }
    if let Some(other) = same {
        return Err(schema_error(format!("an equivalent constraint exists already, called `{other}`")));
    }
    graph.create_constraint(&name, def.clone(), None).map_err(|v| {
        QueryError::new(
            ErrorKind::ConstraintValidationFailed,
            format!("the graph does not satisfy the constraint: {}", v.message),
            span,
        )
    })?;
    let change = Change::ConstraintCreated { name: name.clone(), def };
    log(&mut effects, options, Undo::ConstraintCreated(name), Some(change));
    Ok(effects)
}

/// The name Neo4j's tools would see for a constraint created without one.
fn made_name(target: &ConstraintTarget) -> String {
    use crate::graph::ConstraintKind::*;
    let kind = match target.kind {
        Unique => "unique",
        NotNull => "exists",
        Key => "key",
        Typed(_) => "type",
    };
    let entity = if target.relationship { "rel" } else { "node" };
    format!("constraint_{entity}_{kind}_{}_{}", target.on, target.keys.join("_"))
}

fn log(effects: &mut Effects, options: RunOptions<'_>, undo: Undo, change: Option<Change>) {
    effects.undo.push(undo);
    if options.keep_changes {
        effects.changes.extend(change);
    }
}

/// Checks the entities a statement created or changed (read from what would undo it) against the
/// constraints on them; the first broken is the error.
pub(super) fn check_written(graph: &Graph, undo: &[Undo]) -> Result<(), QueryError> {
    let mut nodes = BTreeSet::new();
    let mut edges = BTreeSet::new();
    for u in undo {
        match u {
            Undo::Node(n) | Undo::NodeProperty(n, _, _) | Undo::LabelAdded(n, _) => {
                nodes.insert(*n);
            }
            Undo::Edge(e) | Undo::EdgeProperty(e, _, _) => {
                edges.insert(*e);
            }
            _ => {}
        }
    }
    let failed =
        |v: ConstraintViolation| QueryError::new(ErrorKind::ConstraintValidationFailed, v.to_string(), None);
    for n in nodes {
        graph.check_node_constraints(n).map_err(failed)?;
    }
    for e in edges {
        graph.check_edge_constraints(e).map_err(failed)?;
    }
    Ok(())
}
