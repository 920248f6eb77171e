//! Reading a database directory without its lock: the state another process is writing, as of
//! the last whole statement, with nothing on disk changed.

use std::fs::File;
use std::io;
use std::path::Path;

use super::{DbError, JOURNAL, OpenReport, Replayed, io_err, replay, snapshots};
use crate::error::Error;
use crate::graph::Graph;

/// How many times a read-only open reads a directory again when a checkpoint of the writing
/// process replaced its files in the middle of the read.
const READ_ONLY_TRIES: usize = 8;

/// The graph a database directory holds, read without taking its lock and without changing
/// anything in it: for reading a database that another process has open for writing, or one that
/// other read-only readers share. It is the state of the last whole statement at the time of
/// reading; later writes are not seen (read again to see them). A last record still being written
/// (or cut off by a crash: never acknowledged either way) is left out. A checkpoint that replaces
/// the snapshot and the journal while they are read is noticed (the journal then names a snapshot
/// newer than the one read, or the snapshot read is gone) and the read begins again.
pub fn read_only_view(dir: &Path) -> Result<(Graph, OpenReport), Error> {
    let journal_path = dir.join(JOURNAL);
    let mut last = None;
    for _ in 0..READ_ONLY_TRIES {
        if !dir.is_dir() || (!journal_path.exists() && snapshots(dir)?.is_empty()) {
            return Err(DbError::NoDatabase { path: dir.to_path_buf() }.into());
        }
        let mut report = OpenReport::default();
        let attempt = File::open(&journal_path)
            .map_err(|e| Error::from(io_err(&journal_path)(e)))
            .and_then(|mut file| replay(dir, &mut file, &mut report));
        match attempt {
            Ok(Replayed { session, .. }) => return Ok((session.into_graph(), report)),
            Err(e) if may_be_a_checkpoint_race(&e) => {
                last = Some(e);
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            Err(e) => return Err(e),
        }
    }
    match last {
        // The journal kept naming a snapshot newer than the newest there was.
        Some(Error::Database(DbError::MissingSnapshot { detail, .. })) => {
            Err(DbError::Unsettled { path: dir.to_path_buf(), tries: READ_ONLY_TRIES, last: detail }.into())
        }
        Some(e) => Err(e),
        None => Err(DbError::NoDatabase { path: dir.to_path_buf() }.into()),
    }
}

/// Whether a failed read-only read may have met a checkpoint half-way: a file gone, a journal that
/// continues a snapshot newer than the one read, or a snapshot that could not be read whole.
fn may_be_a_checkpoint_race(e: &Error) -> bool {
    match e {
        Error::Database(DbError::MissingSnapshot { .. }) => true,
        Error::Database(DbError::Io { source, .. }) => source.kind() == io::ErrorKind::NotFound,
        Error::Snapshot(_) => true,
        _ => false,
    }
}
