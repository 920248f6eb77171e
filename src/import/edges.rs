//! Relationship files: the bulk of an import, read in parts on every core when large (see
//! [`super::parts`]).

use std::collections::HashMap;
use std::path::Path;

use super::parts::{PartState, RecordAt, parts_for, read_in_parts};
use super::{Column, IdMap, ImportError, header, open};
use crate::graph::{Columns, Graph, Properties};
use crate::progress::Progress;

/// Reads a relationship file into `relationships`, on as many cores as the machine has when it is
/// large.
pub(super) fn import_edges(
    graph: &mut Graph,
    ids: &HashMap<String, IdMap>,
    path: &Path,
    relationships: &mut Columns,
    progress: &mut dyn Progress,
) -> Result<(), ImportError> {
    read_edges(graph, ids, path, relationships, progress, parts_for(path))
}

/// One part's relationships, with types as indexes into its own list of names (interning needs the
/// graph, which the parts do not share).
#[derive(Default)]
struct Part {
    src: Vec<u32>,
    dst: Vec<u32>,
    types: Vec<u32>,
    type_names: Vec<Box<str>>,
    props: Vec<(usize, Properties)>,
}

impl PartState for Part {
    fn expecting(records: usize) -> Part {
        Part {
            src: Vec::with_capacity(records),
            dst: Vec::with_capacity(records),
            types: Vec::with_capacity(records),
            ..Part::default()
        }
    }
}

/// [`import_edges`] in `parts` parts at most.
pub(super) fn read_edges(
    graph: &mut Graph,
    ids: &HashMap<String, IdMap>,
    path: &Path,
    relationships: &mut Columns,
    progress: &mut dyn Progress,
    parts: usize,
) -> Result<(), ImportError> {
    let mut reader = open(path)?;
    let columns = header(graph, path, &mut reader)?;
    for required in ["START_ID", "END_ID", "TYPE"] {
        let present = columns.iter().any(|c| match c {
            Column::Start(_) => required == "START_ID",
            Column::End(_) => required == "END_ID",
            Column::Type => required == "TYPE",
            _ => false,
        });
        if !present {
            return Err(ImportError::Header {
                path: path.to_path_buf(),
                message: format!("a relationship file needs a `:{required}` column"),
            });
        }
    }
    if let Some(i) = columns.iter().position(|c| matches!(c, Column::Id { .. } | Column::Labels)) {
        return Err(ImportError::Record {
            path: path.to_path_buf(),
            line: 1,
            column: i + 1,
            message: "node columns in a relationship file".into(),
        });
    }
    let empty = IdMap::default();
    // Each id column's id space, looked up once rather than per record.
    let spaces: Vec<&IdMap> = columns
        .iter()
        .map(|c| match c {
            Column::Start(space) | Column::End(space) => ids.get(space).unwrap_or(&empty),
            _ => &empty,
        })
        .collect();
    let context = Context { path, columns: &columns, spaces: &spaces };
    let data = reader.position().clone();
    drop(reader);
    let results = read_in_parts(path, &data, parts, progress, |record, line, part: &mut Part| {
        context.parse(record, line, part)
    })?;
    let total: usize = results.iter().map(|(part, _)| part.src.len()).sum();
    relationships.src.reserve(total);
    relationships.dst.reserve(total);
    relationships.types.reserve(total);
    for (part, error) in results {
        // Relationships have no error that spans records: the first part with one has the first.
        if let Some(error) = error {
            return Err(error);
        }
        let types: Vec<_> = part.type_names.iter().map(|name| graph.intern(name)).collect();
        if part.props.is_empty() && relationships.props.is_empty() {
            // The usual case, no properties: whole columns at once.
            relationships.src.extend_from_slice(&part.src);
            relationships.dst.extend_from_slice(&part.dst);
            relationships.types.extend(part.types.iter().map(|&t| types[t as usize]));
            continue;
        }
        let mut props = part.props.into_iter().peekable();
        for (i, ((a, b), t)) in part.src.into_iter().zip(part.dst).zip(part.types).enumerate() {
            let p = match props.peek() {
                Some(&(at, _)) if at == i => props.next().map(|(_, p)| p).unwrap_or_default(),
                _ => Properties::default(),
            };
            relationships.push(a, b, types[t as usize], p);
        }
    }
    Ok(())
}

/// What every record is parsed by.
struct Context<'a> {
    path: &'a Path,
    columns: &'a [Column],
    /// Each column's id space (an empty one for columns that are not ids).
    spaces: &'a [&'a IdMap],
}

impl Context<'_> {
    fn parse(&self, record: &csv::ByteRecord, line: u64, part: &mut Part) -> Result<(), ImportError> {
        let spaces = self.spaces;
        let at = RecordAt { path: self.path, line };
        at.whole(record, self.columns.len())?;
        let (mut start, mut end, mut ty) = (None, None, None);
        let mut props = Properties::default();
        for (i, (column, bytes)) in self.columns.iter().zip(record.iter()).enumerate() {
            match column {
                Column::Start(space) | Column::End(space) => {
                    let node = spaces[i].get_bytes(bytes).map_or_else(
                        || {
                            let text = at.text(i, bytes)?;
                            let space = if space.is_empty() {
                                String::new()
                            } else {
                                format!(" in id space {space}")
                            };
                            Err(at.error(i, format!("no node has the id `{text}`{space}")))
                        },
                        Ok,
                    )?;
                    if matches!(column, Column::Start(_)) {
                        start = Some(node);
                    } else {
                        end = Some(node);
                    }
                }
                Column::Type => {
                    let name = bytes.trim_ascii();
                    // Types repeat: the part's few names are searched from the last one used.
                    let known = part.type_names.iter().rposition(|t| t.as_bytes() == name);
                    ty = Some(match known {
                        Some(t) => t as u32,
                        None => {
                            let name = at.text(i, name)?;
                            if name.is_empty() {
                                return Err(at.error(i, "the relationship type is empty".into()));
                            }
                            part.type_names.push(name.into());
                            (part.type_names.len() - 1) as u32
                        }
                    });
                }
                Column::Property { key, scalar, array } => {
                    if !bytes.is_empty() && props.set(*key, at.property(i, bytes, *scalar, *array)?).is_some()
                    {
                        return Err(at.error(i, "a second column gives this property a value".into()));
                    }
                }
                Column::Ignore => {}
                Column::Id { .. } | Column::Labels => {
                    return Err(at.error(i, "node columns in a relationship file".into()));
                }
            }
        }
        // The header check guarantees the three columns, and the length check whole records.
        let (Some(a), Some(b), Some(ty)) = (start, end, ty) else { unreachable!("checked in the header") };
        if !props.is_empty() {
            part.props.push((part.src.len(), props));
        }
        part.src.push(a.0);
        part.dst.push(b.0);
        part.types.push(ty);
        Ok(())
    }
}
