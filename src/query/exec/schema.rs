//! Index commands — `CREATE INDEX [name] [IF NOT EXISTS] FOR … ON …`, `DROP INDEX name [IF
//! EXISTS]`, `DROP INDEX FOR … ON …` — as statements that do only that, undone and journalled as
//! any other. `CREATE FULLTEXT INDEX` too; `DROP INDEX name` drops either kind, as the two share
//! one space of names.

use super::*;
use crate::graph::{FulltextDef, IndexDef};
use crate::query::ast::{FulltextTarget, SchemaCommand};

/// Runs an index command on `graph`. The effects are empty when nothing changed: an index there
/// already (created without a name, or with IF NOT EXISTS), one not there to drop (by what it is on,
/// or by name with IF EXISTS). A name another index has, an index there already under another name,
/// and a name no index has are `SchemaError`s.
pub fn change_index(
    graph: &mut Graph,
    command: &SchemaCommand,
    options: RunOptions<'_>,
) -> Result<Effects, QueryError> {
    let mut effects = Effects { undo: Vec::new(), edge_mark: graph.edge_id_mark(), changes: Vec::new() };
    let schema_error = |message: String| {
        QueryError::new(ErrorKind::SchemaError, message, command.name.as_ref().map(|n| n.span))
    };
    if let Some(target) = &command.fulltext {
        return create_fulltext(graph, command, target, options, effects);
    }
    if command.constraint {
        return super::constraints::change_constraint(graph, command, options, effects);
    }
    if let Some(name) = &command.name
        && command.create
        && graph.constraint(&name.name).is_some()
    {
        if command.if_exists {
            return Ok(effects);
        }
        return Err(schema_error(format!("a constraint is called `{}` already", name.name)));
    }
    if let Some(name) = &command.name
        && let Some(def) = graph.fulltext_index(&name.name).cloned()
    {
        if command.if_exists {
            return Ok(effects);
        }
        if command.create {
            return Err(schema_error(format!("a full-text index is called `{}` already", name.name)));
        }
        graph.drop_fulltext_index(&name.name);
        let change = Change::FulltextDropped { name: name.name.clone() };
        log(&mut effects, options, Undo::FulltextDropped(name.name.clone(), def), Some(change));
        return Ok(effects);
    }
    let def = match &command.target {
        Some(on) => {
            let (on_sym, key) = (graph.intern(&on.label), graph.intern(&on.key));
            IndexDef { relationship: on.relationship, on: on_sym, key }
        }
        None => {
            let name = command.name.as_ref().map(|n| n.name.as_str()).unwrap_or_default();
            match graph.index_called(name) {
                Some(def) => def,
                None if command.if_exists => return Ok(effects),
                None => {
                    return Err(schema_error(format!(
                        "there is no index called `{name}` (SHOW INDEXES lists them)"
                    )));
                }
            }
        }
    };
    if !command.create {
        if !graph.has_index_def(def) {
            return Ok(effects);
        }
        if let Some(owner) = graph.index_owner(def) {
            return Err(schema_error(format!(
                "the index `{}` belongs to constraint `{owner}`: drop the constraint (DROP CONSTRAINT {owner}) and it goes with it",
                graph.index_name(def)
            )));
        }
        if let Some(name) = graph.unname_index(def) {
            log(&mut effects, options, Undo::IndexUnnamed(name, def), None);
        }
        graph.drop_index_def(def);
        let (undo, change) = made(def, false);
        log(&mut effects, options, undo, Some(change));
        return Ok(effects);
    }
    let exists = graph.has_index_def(def);
    if let Some(name) = &command.name {
        match graph.index_called(&name.name) {
            Some(_) if command.if_exists => return Ok(effects),
            Some(other) => {
                let what = if other == def { "this index" } else { "another index" };
                return Err(schema_error(format!("{what} is called `{}` already", name.name)));
            }
            None if exists && command.if_exists => return Ok(effects),
            None if exists => {
                return Err(schema_error(format!(
                    "an index on the same key exists already, called `{}`: drop it first to name it anew",
                    graph.index_name(def)
                )));
            }
            None => {}
        }
    } else if exists {
        return Ok(effects);
    }
    graph.create_index_def(def);
    let (undo, change) = made(def, true);
    log(&mut effects, options, undo, Some(change));
    if let Some(name) = &command.name {
        graph.name_index(&name.name, def);
        log(
            &mut effects,
            options,
            Undo::IndexNamed(def),
            Some(Change::IndexNamed { name: name.name.clone(), def }),
        );
    }
    Ok(effects)
}

/// `CREATE FULLTEXT INDEX`: its name (given, or made from what it is on) must be free, and no
/// other full-text index may be on the same; with IF NOT EXISTS either is no error but a no-op.
fn create_fulltext(
    graph: &mut Graph,
    command: &SchemaCommand,
    target: &FulltextTarget,
    options: RunOptions<'_>,
    mut effects: Effects,
) -> Result<Effects, QueryError> {
    let span = command.name.as_ref().map(|n| n.span);
    let name = command.name.as_ref().map_or_else(
        || {
            let kind = if target.relationship { "rel" } else { "node" };
            format!("fulltext_{kind}_{}_{}", target.on.join("_"), target.keys.join("_"))
        },
        |n| n.name.clone(),
    );
    let def = FulltextDef {
        relationship: target.relationship,
        on: target.on.iter().map(|l| graph.intern(l)).collect(),
        keys: target.keys.iter().map(|k| graph.intern(k)).collect(),
    };
    let same = graph.fulltext_indexes().find(|(_, d)| **d == def).map(|(n, _)| n.to_string());
    let taken = graph.fulltext_index(&name).is_some()
        || graph.index_called(&name).is_some()
        || graph.constraint(&name).is_some();
    if (taken || same.is_some()) && command.if_exists {
        return Ok(effects);
    }
    if taken {
        return Err(QueryError::new(
            ErrorKind::SchemaError,
            format!("an index is called `{name}` already"),
            span,
        ));
    }
    if let Some(other) = same {
        return Err(QueryError::new(
            ErrorKind::SchemaError,
            format!("a full-text index on the same labels and keys exists already, called `{other}`"),
            span,
        ));
    }
    graph.create_fulltext_index(&name, def.clone());
    let change = Change::FulltextCreated { name: name.clone(), def };
    log(&mut effects, options, Undo::FulltextCreated(name), Some(change));
    Ok(effects)
}

/// How to undo creating (or dropping) the index `def`, and the change it is in a journal.
fn made(def: IndexDef, created: bool) -> (Undo, Change) {
    let IndexDef { relationship, on, key } = def;
    let undo = if created { Undo::IndexCreated(def) } else { Undo::IndexDropped(def) };
    let change = match (created, relationship) {
        (true, false) => Change::IndexCreated { label: on, key },
        (false, false) => Change::IndexDropped { label: on, key },
        (true, true) => Change::RelIndexCreated { ty: on, key },
        (false, true) => Change::RelIndexDropped { ty: on, key },
    };
    (undo, change)
}

fn log(effects: &mut Effects, options: RunOptions<'_>, undo: Undo, change: Option<Change>) {
    effects.undo.push(undo);
    if options.keep_changes {
        effects.changes.extend(change);
    }
}
