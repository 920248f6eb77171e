//! Index commands — `CREATE INDEX [name] [IF NOT EXISTS] FOR … ON …`, `DROP INDEX name [IF
//! EXISTS]`, `DROP INDEX FOR … ON …` — as statements that do only that, undone and journalled as
//! any other.

use super::*;
use crate::graph::IndexDef;
use crate::query::ast::IndexCommand;

/// Runs an index command on `graph`. The effects are empty when nothing changed: an index there
/// already (created without a name, or with IF NOT EXISTS), one not there to drop (by what it is on,
/// or by name with IF EXISTS). A name another index has, an index there already under another name,
/// and a name no index has are `SchemaError`s.
pub fn change_index(
    graph: &mut Graph,
    command: &IndexCommand,
    options: RunOptions<'_>,
) -> Result<Effects, QueryError> {
    let mut effects = Effects { undo: Vec::new(), edge_mark: graph.edge_id_mark(), changes: Vec::new() };
    let schema_error = |message: String| {
        QueryError::new(ErrorKind::SchemaError, message, command.name.as_ref().map(|n| n.span))
    };
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
