//! Reading a large CSV file in parts, one per core, when it can be cut safely: each part begins after
//! a line feed that ends a record (see `cut.rs`).
//! Each part keeps the file's order and reports errors with the file's own line numbers; the parts
//! come back in order, and the first error in the file is the one returned, so the outcome is the
//! same as one pass.

use std::io::{Read, Seek, SeekFrom};

use super::cut::{Cuts, cut};
use super::records::Records;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{ImportError, PROGRESS_EVERY, Scalar, parse_property};
use crate::progress::{Progress, Unit};
use crate::value::Value;

/// Below this size a file is read in one pass: starting threads would cost more than they save.
pub(super) const PARALLEL_FROM: u64 = 16 << 20;

/// How many parts to read `path` in: one per core when it is large.
pub(super) fn parts_for(path: &Path) -> usize {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size >= PARALLEL_FROM { crate::parallel::threads() } else { 1 }
}

/// A record being parsed, for what its fields' errors say: the file and the line.
pub(super) struct RecordAt<'a> {
    pub path: &'a Path,
    pub line: u64,
}

impl RecordAt<'_> {
    /// An error at field `column` (counted from zero).
    pub(super) fn error(&self, column: usize, message: String) -> ImportError {
        ImportError::Record { path: self.path.to_path_buf(), line: self.line, column: column + 1, message }
    }

    /// That the record has the header's number of fields (the readers are flexible, so that this is
    /// reported with the file's line).
    pub(super) fn whole(&self, record: &csv::ByteRecord, fields: usize) -> Result<(), ImportError> {
        if record.len() == fields {
            return Ok(());
        }
        Err(self.error(
            record.len().min(fields),
            format!("{} fields where the header has {fields}", record.len()),
        ))
    }

    /// Field `column` as text.
    pub(super) fn text(&self, column: usize, bytes: &[u8]) -> Result<String, ImportError> {
        String::from_utf8(bytes.to_vec()).map_err(|_| self.error(column, "not valid UTF-8".into()))
    }

    /// Field `column` as a property value of its column's type.
    pub(super) fn property(
        &self,
        column: usize,
        bytes: &[u8],
        scalar: Scalar,
        array: bool,
    ) -> Result<Value, ImportError> {
        parse_property(&self.text(column, bytes)?, scalar, array).map_err(|m| self.error(column, m))
    }
}

/// What a part collects while it reads.
pub(super) trait PartState: Default + Send {
    /// A state ready for about `records` records (the part's line count: an upper bound, for
    /// blank lines hold none), so that its columns are not grown and copied as it reads.
    fn expecting(records: usize) -> Self;
}

/// What a part read: its state, and the error that stopped it, if one did (the state then holds
/// what came before it, so that errors only the caller can see, such as a repeated id, are still
/// found in file order).
pub(super) type PartRead<P> = (P, Option<ImportError>);

/// Reads the records of `path` from `data` (the position after its header) in `parts` parts at
/// most, each on a thread of its own, handing each record and its line to `parse` with its part's
/// state; the parts in file order. Reports progress as bytes read, all parts together.
pub(super) fn read_in_parts<P: PartState>(
    path: &Path,
    data: &csv::Position,
    parts: usize,
    progress: &mut dyn Progress,
    parse: impl Fn(&csv::ByteRecord, u64, &mut P) -> Result<(), ImportError> + Sync,
) -> Result<Vec<PartRead<P>>, ImportError> {
    let csv_error = |source| ImportError::Csv { path: path.to_path_buf(), source };
    let io_error = |e: std::io::Error| csv_error(csv::Error::from(e));
    let size = std::fs::metadata(path).map_err(io_error)?.len();
    progress.stage(&format!("reading {}", path.display()), Some(size), Unit::Bytes);
    let cuts =
        if parts > 1 { cut(path, data.byte(), data.line(), size, parts).map_err(io_error)? } else { None };
    // Without cuts, one part of unknown length.
    let Cuts { bounds, last_line } =
        cuts.unwrap_or_else(|| Cuts { bounds: vec![(data.byte(), data.line())], last_line: data.line() });
    let done: Vec<AtomicU64> = bounds.iter().map(|_| AtomicU64::new(0)).collect();
    let part = Part { path, size, parse: &parse };
    // Part `k`: its first byte and line, where it ends, and how many lines it has at most.
    let span = |k: usize| {
        let (start, line) = bounds[k];
        let (end, next_line) = bounds.get(k + 1).copied().unwrap_or((size, last_line + 1));
        (start, line, end, (next_line - line) as usize)
    };
    let results: Vec<PartRead<P>> = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for (k, done) in done.iter().enumerate().skip(1) {
            let (start, line, end, lines) = span(k);
            let part = &part;
            handles.push(scope.spawn(move || part.read(start, end, line, lines, done, None)));
        }
        // This thread reads the first part, and tells of all of them.
        let (start, line, end, lines) = span(0);
        let first = part.read(start, end, line, lines, &done[0], Some((progress, &done)));
        let mut results = vec![first];
        results.extend(handles.into_iter().map(|h| {
            h.join().unwrap_or_else(|_| {
                (P::default(), Some(csv_error(std::io::Error::other("a reading thread failed").into())))
            })
        }));
        results
    });
    progress.advance(size);
    Ok(results)
}

/// What every part reads by.
struct Part<'a, F> {
    path: &'a Path,
    size: u64,
    parse: &'a F,
}

type Teller<'p, 'd> = (&'p mut dyn Progress, &'d [AtomicU64]);

impl<F> Part<'_, F> {
    /// Reads the records between byte `start` and `end`, the first of which is on line `line`, in
    /// `lines` lines at most (zero when not known).
    fn read<P: PartState>(
        &self,
        start: u64,
        end: u64,
        line: u64,
        lines: usize,
        done: &AtomicU64,
        teller: Option<Teller>,
    ) -> PartRead<P>
    where
        F: Fn(&csv::ByteRecord, u64, &mut P) -> Result<(), ImportError>,
    {
        let mut state = P::expecting(lines);
        let error = self.read_into(&mut state, start, end, line, done, teller).err();
        (state, error)
    }

    fn read_into<P>(
        &self,
        state: &mut P,
        start: u64,
        end: u64,
        line: u64,
        done: &AtomicU64,
        mut teller: Option<Teller>,
    ) -> Result<(), ImportError>
    where
        F: Fn(&csv::ByteRecord, u64, &mut P) -> Result<(), ImportError>,
    {
        let path = self.path;
        let csv_error = |source| ImportError::Csv { path: path.to_path_buf(), source };
        let mut file = std::fs::File::open(path).map_err(|e| csv_error(e.into()))?;
        file.seek(SeekFrom::Start(start)).map_err(|e| csv_error(e.into()))?;
        let mut records = Records::new(file.take(end - start), line);
        // Bytes: only text that becomes a string needs checking for UTF-8, and `parse` does that.
        let mut record = csv::ByteRecord::new();
        let mut count = 0u64;
        while let Some((at_line, read)) = records.next(&mut record).map_err(csv_error)? {
            (self.parse)(&record, at_line, state)?;
            count += 1;
            if count.is_multiple_of(PROGRESS_EVERY) {
                done.store(read, Ordering::Relaxed);
                if let Some((progress, all)) = &mut teller {
                    let sum: u64 = all.iter().map(|d| d.load(Ordering::Relaxed)).sum();
                    progress.advance(sum.min(self.size));
                }
            }
        }
        Ok(())
    }
}
