//! Relationship files: the bulk of an import. A large file is read in parts, one per core, when it
//! can be cut safely: with no quote and no carriage return in it, every line feed ends a record, so
//! a part can start after any of them. Each part keeps the file's order and reports errors with the
//! file's own line numbers; the parts are joined in order, so the outcome is the same as one pass.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Column, IdMap, ImportError, PROGRESS_EVERY, header, open, parse_property};
use crate::graph::{Columns, Graph, Properties};
use crate::progress::{Progress, Unit};

/// Below this size a file is read in one pass: starting threads would cost more than they save.
const PARALLEL_FROM: u64 = 16 << 20;

/// Reads a relationship file into `relationships`, on as many cores as the machine has when it is
/// large.
pub(super) fn import_edges(
    graph: &mut Graph,
    ids: &HashMap<String, IdMap>,
    path: &Path,
    relationships: &mut Columns,
    progress: &mut dyn Progress,
) -> Result<(), ImportError> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let parts =
        if size >= PARALLEL_FROM { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { 1 };
    read_edges(graph, ids, path, relationships, progress, parts)
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

/// [`import_edges`] in `parts` parts at most.
pub(super) fn read_edges(
    graph: &mut Graph,
    ids: &HashMap<String, IdMap>,
    path: &Path,
    relationships: &mut Columns,
    progress: &mut dyn Progress,
    parts: usize,
) -> Result<(), ImportError> {
    let csv_error = |source| ImportError::Csv { path: path.to_path_buf(), source };
    let io_error = |e: std::io::Error| csv_error(csv::Error::from(e));
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
    let size = std::fs::metadata(path).map_err(io_error)?.len();
    progress.stage(&format!("reading {}", path.display()), Some(size), Unit::Bytes);
    // The header has been read: the records start at the reader's position.
    let data = reader.position().clone();
    drop(reader);
    let bounds =
        if parts > 1 { cut(path, data.byte(), data.line(), size, parts).map_err(io_error)? } else { None };
    let bounds = bounds.unwrap_or_else(|| vec![(data.byte(), data.line())]);
    let done: Vec<AtomicU64> = bounds.iter().map(|_| AtomicU64::new(0)).collect();
    let context = Context { path, columns: &columns, ids, size };
    let results: Vec<Result<Part, ImportError>> = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for (k, &(start, line)) in bounds.iter().enumerate().skip(1) {
            let end = bounds.get(k + 1).map_or(size, |b| b.0);
            let (context, done) = (&context, &done[k]);
            handles.push(scope.spawn(move || context.read_part(start, end, line, done, None)));
        }
        // This thread reads the first part, and tells of all of them.
        let end = bounds.get(1).map_or(size, |b| b.0);
        let first = context.read_part(bounds[0].0, end, bounds[0].1, &done[0], Some((progress, &done)));
        let mut results = vec![first];
        results.extend(handles.into_iter().map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(csv_error(std::io::Error::other("a reading thread failed").into())))
        }));
        results
    });
    progress.advance(size);
    for part in results {
        let part = part?;
        let types: Vec<_> = part.type_names.iter().map(|name| graph.intern(name)).collect();
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

/// What every part reads by.
struct Context<'a> {
    path: &'a Path,
    columns: &'a [Column],
    ids: &'a HashMap<String, IdMap>,
    size: u64,
}

type Teller<'p, 'd> = (&'p mut dyn Progress, &'d [AtomicU64]);

impl Context<'_> {
    /// Reads the records between byte `start` and `end`, the first of which is on line `line`.
    fn read_part(
        &self,
        start: u64,
        end: u64,
        line: u64,
        done: &AtomicU64,
        mut teller: Option<Teller>,
    ) -> Result<Part, ImportError> {
        let path = self.path;
        let csv_error = |source| ImportError::Csv { path: path.to_path_buf(), source };
        let mut file = std::fs::File::open(path).map_err(|e| csv_error(e.into()))?;
        file.seek(SeekFrom::Start(start)).map_err(|e| csv_error(e.into()))?;
        // Flexible: records are checked against the header's length here, with the file's line.
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(file.take(end - start));
        let empty = IdMap::default();
        // Each id column's id space, looked up once rather than per record.
        let spaces: Vec<&IdMap> = self
            .columns
            .iter()
            .map(|c| match c {
                Column::Start(space) | Column::End(space) => self.ids.get(space).unwrap_or(&empty),
                _ => &empty,
            })
            .collect();
        let mut part = Part::default();
        // Bytes: ids and types are compared as bytes, and only property text is checked for UTF-8.
        let mut record = csv::ByteRecord::new();
        let mut count = 0u64;
        while reader.read_byte_record(&mut record).map_err(csv_error)? {
            let at_line = line + record.position().map_or(1, |p| p.line()) - 1;
            self.parse(&record, at_line, &spaces, &mut part)?;
            count += 1;
            if count.is_multiple_of(PROGRESS_EVERY) {
                done.store(record.position().map_or(0, |p| p.byte()), Ordering::Relaxed);
                if let Some((progress, all)) = &mut teller {
                    let sum: u64 = all.iter().map(|d| d.load(Ordering::Relaxed)).sum();
                    progress.advance(sum.min(self.size));
                }
            }
        }
        Ok(part)
    }

    fn parse(
        &self,
        record: &csv::ByteRecord,
        line: u64,
        spaces: &[&IdMap],
        part: &mut Part,
    ) -> Result<(), ImportError> {
        let at = |column: usize, message: String| ImportError::Record {
            path: self.path.to_path_buf(),
            line,
            column: column + 1,
            message,
        };
        if record.len() != self.columns.len() {
            return Err(at(
                record.len().min(self.columns.len()),
                format!("{} fields where the header has {}", record.len(), self.columns.len()),
            ));
        }
        let (mut start, mut end, mut ty) = (None, None, None);
        let mut props = Properties::default();
        let text_of = |i: usize, bytes: &[u8]| -> Result<String, ImportError> {
            String::from_utf8(bytes.to_vec()).map_err(|_| at(i, "not valid UTF-8".into()))
        };
        for (i, (column, bytes)) in self.columns.iter().zip(record.iter()).enumerate() {
            match column {
                Column::Start(space) | Column::End(space) => {
                    let node = spaces[i].get_bytes(bytes).map_or_else(
                        || {
                            let text = text_of(i, bytes)?;
                            let space = if space.is_empty() {
                                String::new()
                            } else {
                                format!(" in id space {space}")
                            };
                            Err(at(i, format!("no node has the id `{text}`{space}")))
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
                            let name = text_of(i, name)?;
                            if name.is_empty() {
                                return Err(at(i, "the relationship type is empty".into()));
                            }
                            part.type_names.push(name.into());
                            (part.type_names.len() - 1) as u32
                        }
                    });
                }
                Column::Property { key, scalar, array } => {
                    if !bytes.is_empty() {
                        let text = text_of(i, bytes)?;
                        props.set(*key, parse_property(&text, *scalar, *array).map_err(|m| at(i, m))?);
                    }
                }
                Column::Ignore => {}
                Column::Id { .. } | Column::Labels => {
                    return Err(at(i, "node columns in a relationship file".into()));
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

/// Where `parts` parts of the records from byte `start` (on line `line`) to `size` begin, each just
/// after a line feed, with the line each begins on; `None` when the file holds a quote or a
/// carriage return, and so may have a line feed inside a record.
pub(super) fn cut(
    path: &Path,
    start: u64,
    line: u64,
    size: u64,
    parts: usize,
) -> std::io::Result<Option<Vec<(u64, u64)>>> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let targets: Vec<u64> = (1..parts as u64).map(|k| start + (size - start) * k / parts as u64).collect();
    let mut bounds = vec![(start, line)];
    let (mut offset, mut lines) = (start, line);
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        let bytes = &chunk[..n];
        if bytes.contains(&b'"') || bytes.contains(&b'\r') {
            return Ok(None);
        }
        let next = targets.get(bounds.len() - 1).copied();
        match next {
            // A cut falls in this chunk: walk it line by line.
            Some(target) if target < offset + n as u64 => {
                for (i, &b) in bytes.iter().enumerate() {
                    if b == b'\n' {
                        lines += 1;
                        let after = offset + i as u64 + 1;
                        if targets.get(bounds.len() - 1).is_some_and(|&t| after > t) && after < size {
                            bounds.push((after, lines));
                        }
                    }
                }
            }
            _ => lines += bytes.iter().filter(|&&b| b == b'\n').count() as u64,
        }
        offset += n as u64;
    }
    Ok(Some(bounds))
}
