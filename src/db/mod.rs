//! A database directory: the newest snapshot, and a journal of what each statement changed since,
//! so that nothing acknowledged is lost.
//!
//! Layout of `DIR` (see docs/storage.md):
//! - `LOCK` — held with an OS file lock while a process has the database open;
//! - `graph-SEQ.kgs` — the snapshot that includes every statement up to number SEQ;
//! - `journal.log` — a header naming the snapshot it continues, then the changes of each statement
//!   since, by id (`journal.rs`, `record.rs`);
//! - `journal.log.dropped-…` — bytes a crash left at the end of the journal, kept when dropped.
//!
//! The journal holds what statements did, not their text: replaying text gives the same graph only
//! if every statement runs the same way twice, and it does not (the order neighbours are read in
//! changes when relationships are compacted, and a statement may read the clock or draw numbers).
//!
//! A statement that changes the graph is appended and synced before its result is handed back. One
//! whose changes cannot be written (a full disk) is undone and fails, and the journal is cut back to
//! its last whole record. A checkpoint writes `graph-SEQ.kgs` atomically, then puts a fresh journal
//! in place (atomically too); a crash between the two leaves records the snapshot already holds,
//! and replay skips them by their numbers.

mod journal;
mod record;
mod view;

pub use view::read_only_view;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::graph::{Change, Graph};
use crate::query::exec::Effects;
use crate::session::{QueryOutput, Session};
use crate::snapshot;
use crate::value::Value;

pub use journal::DroppedTail;

const JOURNAL: &str = "journal.log";
/// Where a fresh journal is written before it is renamed over the old one.
const NEW_JOURNAL: &str = "journal.log.new";
const LOCK: &str = "LOCK";
/// The journal is checkpointed automatically once it grows past this.
pub const AUTO_CHECKPOINT_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: database is locked by another process (a read-only open can read it meanwhile)")]
    Locked { path: PathBuf },
    #[error("{path}: no database there (a read-only open creates none)")]
    NoDatabase { path: PathBuf },
    #[error(
        "{path}: could not read a consistent state while another process kept checkpointing it \
         ({tries} tries; the last said: {last})"
    )]
    Unsettled { path: PathBuf, tries: usize, last: String },
    #[error("{path}: corrupt journal at byte offset {offset}: {detail}")]
    CorruptJournal { path: PathBuf, offset: u64, detail: String },
    #[error("{path}: replaying journal record {seq} failed: {detail}")]
    Replay { path: PathBuf, seq: u64, detail: String },
    #[error("{path} is missing: {detail}; the database cannot be opened without it")]
    MissingSnapshot { path: PathBuf, detail: String },
    #[error("the statement was undone: its changes could not be written to {path}: {detail}")]
    NotJournalled { path: PathBuf, detail: String },
    #[error(
        "{path}: after a failed write the journal could not be cut back ({detail}); \
         nothing more is written until the database is reopened or checkpointed"
    )]
    Broken { path: PathBuf, detail: String },
}

/// What opening found, for the user to be told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    pub snapshot_seq: u64,
    pub replayed: usize,
    /// The end of the journal that was not a whole statement (a crash while writing it), dropped.
    pub dropped_tail: Option<TailReport>,
    /// Temporary files of checkpoints a crash interrupted, removed.
    pub removed: Vec<PathBuf>,
    /// The journal held statement text (written by an older kgraph) and was turned into a snapshot.
    pub upgraded: bool,
}

/// What reading a directory's newest snapshot and its journal gave.
struct Replayed {
    session: Session,
    /// The last statement replayed (or the snapshot's, when none was).
    seq: u64,
    snapshot_seq: u64,
    scan: journal::Scan,
}

/// Loads the newest snapshot of `dir` and replays `file` (its journal) after it, changing nothing
/// on disk: what to do with a dropped tail or an old journal is the caller's.
fn replay(dir: &Path, file: &mut File, report: &mut OpenReport) -> Result<Replayed, Error> {
    let mut session = Session::new();
    if let Some((seq, path)) = snapshots(dir)?.pop() {
        session = Session::with_graph(snapshot::load(&path)?);
        report.snapshot_seq = seq;
    }
    let snapshot_seq = report.snapshot_seq;
    let journal_path = dir.join(JOURNAL);
    let mut seq = snapshot_seq;
    let mut at_header = |base: Option<u64>| match base {
        Some(base) if base > snapshot_seq => Err(DbError::MissingSnapshot {
            path: snapshot_path(dir, base),
            detail: format!("the journal continues snapshot {base}"),
        }),
        _ => Ok(()),
    };
    let mut each = |entry: journal::Entry| {
        let at = entry.seq();
        if at <= snapshot_seq {
            return Ok(()); // the snapshot holds it: a crash came between a checkpoint's two steps
        }
        if Some(at) != seq.checked_add(1) {
            return Err(DbError::MissingSnapshot {
                path: snapshot_path(dir, at - 1),
                detail: format!("the journal goes on from statement {at}, the snapshots hold up to {seq}"),
            });
        }
        match entry {
            journal::Entry::Changes { parts, .. } => {
                for part in parts {
                    record::apply(part, session.graph_mut()).map_err(|detail| DbError::Replay {
                        path: journal_path.clone(),
                        seq: at,
                        detail,
                    })?;
                }
            }
            journal::Entry::Statement(r) => replay_statement(r, &mut session, &journal_path)?,
        }
        seq = at;
        report.replayed += 1;
        Ok(())
    };
    let scan = journal::read(file, &journal_path, &mut at_header, &mut each)?;
    Ok(Replayed { session, seq, snapshot_seq, scan })
}

/// A dropped journal tail: where it began, how long it was, why it was not a record, and the file
/// its bytes were kept in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailReport {
    pub offset: u64,
    pub len: u64,
    pub why: String,
    pub kept_in: PathBuf,
}

/// An open database: a session whose changes are journalled.
#[derive(Debug)]
pub struct Directory {
    dir: PathBuf,
    session: Session,
    journal: File,
    journal_len: u64,
    /// The number of the last statement applied.
    seq: u64,
    /// Why nothing may be written until a checkpoint: a failed write could not be cut back.
    broken: Option<String>,
    /// What went wrong without failing a statement (an automatic checkpoint), for the user to see.
    warnings: Vec<String>,
    /// For tests: the next journal write stops after this many bytes and fails.
    #[cfg(test)]
    room: Option<usize>,
    /// Held for the database's lifetime: the OS lock goes with it.
    _lock: File,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> DbError + '_ {
    move |source| DbError::Io { path: path.to_path_buf(), source }
}

fn snapshot_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("graph-{seq:012}.kgs"))
}

/// The snapshots in `dir`, by sequence number.
fn snapshots(dir: &Path) -> Result<Vec<(u64, PathBuf)>, DbError> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let path = entry.map_err(io_err(dir))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if let Some(seq) = name.strip_prefix("graph-").and_then(|r| r.strip_suffix(".kgs"))
            && let Ok(seq) = seq.parse::<u64>()
        {
            found.push((seq, path));
        }
    }
    found.sort();
    Ok(found)
}

/// Removes what interrupted checkpoints left: snapshots being written, and a fresh journal not yet
/// renamed. Only called with the lock held, so no other process is writing them.
fn remove_temporary_files(dir: &Path) -> Result<Vec<PathBuf>, DbError> {
    let mut removed = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let path = entry.map_err(io_err(dir))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let snapshot_in_progress =
            name.trim_start_matches('.').starts_with("graph-") && name.contains(".kgs.tmp-");
        if (snapshot_in_progress || name == NEW_JOURNAL) && path.is_file() {
            fs::remove_file(&path).map_err(io_err(&path))?;
            removed.push(path);
        }
    }
    Ok(removed)
}

/// Puts an empty journal continuing snapshot `base` in place of the old one, atomically: written
/// beside it, synced, renamed over it. The handle is opened before the rename, so it is the new
/// journal's whatever happens after.
fn fresh_journal(dir: &Path, base: u64) -> Result<File, DbError> {
    let new = dir.join(NEW_JOURNAL);
    match fs::remove_file(&new) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_err(&new)(e)),
        _ => {}
    }
    // Appending, so that a write after the file was cut back lands at its new end.
    let mut file =
        OpenOptions::new().create_new(true).read(true).append(true).open(&new).map_err(io_err(&new))?;
    let written = file.write_all(&journal::header(base)).and_then(|()| file.sync_all());
    if let Err(e) = written.and_then(|()| fs::rename(&new, dir.join(JOURNAL))) {
        let _ = fs::remove_file(&new);
        return Err(io_err(&new)(e));
    }
    // Makes the rename durable; not every platform can open a directory, so failing to is not fatal.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(file)
}

/// Keeps the bytes of a dropped tail in a file of their own beside the journal.
fn keep_dropped(dir: &Path, tail: &DroppedTail) -> Result<PathBuf, DbError> {
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut path = dir.join(format!("{JOURNAL}.dropped-{stamp}-{}", tail.offset));
    let mut n = 1;
    while path.exists() {
        path = dir.join(format!("{JOURNAL}.dropped-{stamp}-{}.{n}", tail.offset));
        n += 1;
    }
    let mut file = File::create(&path).map_err(io_err(&path))?;
    file.write_all(&tail.bytes).and_then(|()| file.sync_all()).map_err(io_err(&path))?;
    Ok(path)
}

/// Runs again a statement of a journal written before changes were journalled.
fn replay_statement(
    record: journal::StatementRecord,
    session: &mut Session,
    path: &Path,
) -> Result<(), DbError> {
    let replay_err = |detail: String| DbError::Replay { path: path.to_path_buf(), seq: record.seq, detail };
    let params = match crate::format::from_json(record.params) {
        Value::Map(m) => m,
        _ => return Err(replay_err("the parameters are not a map".into())),
    };
    let mut replaying = Session::with_graph(std::mem::take(session.graph_mut()));
    for (k, v) in params {
        replaying.set_param(k, v);
    }
    if let Some(seed) = record.seed {
        replaying.set_next_seed(seed);
    }
    let ran = replaying.run(&record.statement).map(drop).map_err(|e| replay_err(e.to_string()));
    *session.graph_mut() = replaying.into_graph();
    ran
}

impl Directory {
    /// Opens (creating when missing) the database in `dir`: takes the lock, removes what interrupted
    /// checkpoints left, loads the newest snapshot, replays the journal after it. A journal that
    /// continues a snapshot that is not there, or damage with whole records after it, is an error:
    /// opening never silently leaves out a statement that was acknowledged.
    pub fn open(dir: &Path) -> Result<(Directory, OpenReport), Error> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let lock_path = dir.join(LOCK);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(DbError::Locked { path: dir.to_path_buf() }.into());
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_err(&lock_path)(e).into()),
        }
        let mut report = OpenReport { removed: remove_temporary_files(dir)?, ..OpenReport::default() };
        let journal_path = dir.join(JOURNAL);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&journal_path)
            .map_err(io_err(&journal_path))?;
        let Replayed { session, seq, snapshot_seq, scan } = replay(dir, &mut file, &mut report)?;
        if let Some(tail) = &scan.dropped {
            let kept_in = keep_dropped(dir, tail)?;
            // New records must follow the last whole one.
            file.set_len(scan.valid_len).and_then(|()| file.sync_all()).map_err(io_err(&journal_path))?;
            report.dropped_tail = Some(TailReport {
                offset: tail.offset,
                len: tail.bytes.len() as u64,
                why: tail.why.clone(),
                kept_in,
            });
        }
        drop(file);
        let mut db = Directory {
            dir: dir.to_path_buf(),
            session,
            journal: OpenOptions::new()
                .read(true)
                .append(true)
                .open(&journal_path)
                .map_err(io_err(&journal_path))?,
            journal_len: scan.valid_len,
            seq,
            broken: None,
            warnings: Vec::new(),
            #[cfg(test)]
            room: None,
            _lock: lock,
        };
        match scan.base {
            // Statement text (an older kgraph's journal) is not appended to: a snapshot replaces it.
            _ if scan.statements => {
                db.checkpoint()?;
                report.upgraded = true;
            }
            // A journal behind the newest snapshot (a crash between a checkpoint's two steps) is
            // brought up to it, so that it never names a snapshot that may be gone.
            Some(base) if base < snapshot_seq => db.checkpoint()?,
            Some(_) => {}
            // Empty, or nothing but a dropped tail: it gets its header.
            None => {
                db.journal = fresh_journal(dir, seq)?;
                db.journal_len = journal::HEADER_LEN as u64;
            }
        }
        Ok((db, report))
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Parameters go to the session, for the statements that follow.
    pub fn set_param(&mut self, name: impl Into<String>, value: Value) {
        self.session.set_param(name, value);
    }

    /// How long each statement may run (see [`Session::set_timeout`]). Replaying the journal on
    /// open is never timed out.
    pub fn set_timeout(&mut self, timeout: Option<std::time::Duration>) {
        self.session.set_timeout(timeout);
    }

    /// Where `LOAD CSV` reads files from (see [`Session::set_import_dir`]).
    pub fn set_import_dir(&mut self, dir: Option<&Path>) {
        self.session.set_import_dir(dir);
    }

    /// How much memory each statement may take (see [`Session::set_max_memory`]).
    pub fn set_max_memory(&mut self, bytes: Option<u64>) {
        self.session.set_max_memory(bytes);
    }

    /// What went wrong since the last call without failing a statement (an automatic checkpoint
    /// that could not be written: the journal still holds everything).
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Merges a whole graph (a loaded snapshot) into the database, made durable by a checkpoint of
    /// its own: the merged graph is written as a new snapshot before it replaces the one in memory,
    /// and a failure leaves both as they were. MISP actors and STIX intrusion sets that name the same
    /// group are joined (`same-as`) before it is written; returns how many such links were added.
    pub fn absorb(&mut self, graph: Graph) -> Result<usize, Error> {
        let mut merged = self.session.graph().clone();
        merged.absorb(graph);
        merged.check_all_constraints().map_err(crate::statement::constraint_failure)?;
        let same_as = crate::misp::link_same_as(&mut merged);
        let seq = self.seq + 1;
        snapshot::save(&merged, &snapshot_path(&self.dir, seq))?;
        *self.session.graph_mut() = merged;
        self.seq = seq;
        self.after_snapshot()?;
        Ok(same_as)
    }

    /// Replaces the whole graph with `graph`, made durable as [`Directory::absorb`] is: written as a
    /// new snapshot before it replaces the one in memory.
    pub fn replace(&mut self, graph: Graph) -> Result<(), Error> {
        let seq = self.seq + 1;
        snapshot::save(&graph, &snapshot_path(&self.dir, seq))?;
        *self.session.graph_mut() = graph;
        self.seq = seq;
        self.after_snapshot()
    }

    /// Runs every statement of `source`; each one that changed the graph is on disk before its
    /// output is handed to `each`. `CHECKPOINT` (alone as a statement) writes a snapshot.
    pub fn run_each(
        &mut self,
        source: &str,
        origin: &str,
        each: impl FnMut(&Graph, QueryOutput),
    ) -> Result<usize, Error> {
        self.run_chunk(source, origin, 1, each)
    }

    /// Runs the statements of a stream as they arrive (see [`Session::run_stream`]): each is on
    /// disk, and its output handed to `each`, before more is read.
    pub fn run_stream(
        &mut self,
        input: impl std::io::BufRead,
        origin: &str,
        mut each: impl FnMut(&Graph, QueryOutput),
    ) -> Result<usize, Error> {
        let mut ran = 0;
        for chunk in crate::input::Statements::new(input, origin) {
            let chunk = chunk?;
            ran += self.run_chunk(&chunk.text, origin, chunk.first_line, &mut each)?;
        }
        Ok(ran)
    }

    /// [`Directory::run_each`] for text that begins on line `first_line` of `origin`.
    fn run_chunk(
        &mut self,
        source: &str,
        origin: &str,
        first_line: usize,
        mut each: impl FnMut(&Graph, QueryOutput),
    ) -> Result<usize, Error> {
        let scan = crate::query::split::scan(source);
        for range in &scan.statements {
            let text = &source[range.clone()];
            if is_checkpoint(text) {
                self.checkpoint()?;
                each(self.session.graph(), QueryOutput::default());
                continue;
            }
            let (mut out, effects) = self
                .session
                .execute_with(source, range.clone(), true)
                .map_err(|e| Error::query_at(e, source, origin, first_line))?;
            if effects.changed()
                && let Err(e) = self.append(effects.changes())
            {
                effects.undo(self.session.graph_mut());
                return Err(e.into());
            }
            out.locate(source, first_line);
            each(self.session.graph(), out);
        }
        self.checkpoint_when_large();
        Ok(scan.statements.len())
    }

    pub(crate) fn graph(&self) -> &Graph {
        self.session.graph()
    }

    pub(crate) fn graph_mut(&mut self) -> &mut Graph {
        self.session.graph_mut()
    }

    /// Makes what statements did durable as one record: after a crash all of it is there or none
    /// (a transaction's statements, or one statement's). If the record cannot be written, every
    /// statement is undone, the last first, and the journal is as it was.
    pub(crate) fn commit(&mut self, effects: Vec<Effects>) -> Result<(), Error> {
        if !effects.iter().any(Effects::changed) {
            return Ok(());
        }
        let changes: Vec<Change> = effects.iter().flat_map(|e| e.changes().iter().cloned()).collect();
        if let Err(e) = self.append(&changes) {
            for done in effects.into_iter().rev() {
                done.undo(self.session.graph_mut());
            }
            return Err(e.into());
        }
        self.checkpoint_when_large();
        Ok(())
    }

    /// Checkpoints once the journal has grown past [`AUTO_CHECKPOINT_BYTES`]; a failure is a
    /// warning, as the journal still holds everything.
    fn checkpoint_when_large(&mut self) {
        if self.journal_len > AUTO_CHECKPOINT_BYTES
            && let Err(e) = self.checkpoint()
        {
            self.warnings
                .push(format!("the automatic checkpoint failed (the journal keeps everything): {e}"));
        }
    }

    /// Runs `source` and collects the outputs.
    pub fn run(&mut self, source: &str) -> Result<Vec<QueryOutput>, Error> {
        let mut outputs = Vec::new();
        self.run_each(source, "", |_, o| outputs.push(o))?;
        Ok(outputs)
    }

    /// Writes a statement's changes as the next records and syncs them. On failure the journal is
    /// cut back to where it was, so that the records after are not written behind garbage.
    fn append(&mut self, changes: &[Change]) -> Result<(), DbError> {
        let path = self.dir.join(JOURNAL);
        if let Some(detail) = &self.broken {
            return Err(DbError::Broken { path, detail: detail.clone() });
        }
        let parts = record::encode(self.seq + 1, changes, self.session.graph())
            .map_err(|e| DbError::NotJournalled { path: path.clone(), detail: e.to_string() })?;
        let mut bytes = Vec::with_capacity(parts.iter().map(|p| p.len() + 8).sum());
        for part in &parts {
            journal::frame(part, &mut bytes);
        }
        if let Err(e) = self.write_journal(&bytes) {
            if let Err(cut) = self.journal.set_len(self.journal_len).and_then(|()| self.journal.sync_all()) {
                self.broken = Some(cut.to_string());
            }
            return Err(DbError::NotJournalled { path, detail: e.to_string() });
        }
        self.journal_len += bytes.len() as u64;
        self.seq += 1;
        Ok(())
    }

    fn write_journal(&mut self, bytes: &[u8]) -> io::Result<()> {
        #[cfg(test)]
        if let Some(room) = self.room.take() {
            // A disk with `room` bytes left: the write stops there, as it would when the disk filled.
            self.journal.write_all(&bytes[..room.min(bytes.len())])?;
            return Err(io::Error::new(io::ErrorKind::StorageFull, "no space left on device (simulated)"));
        }
        self.journal.write_all(bytes)?;
        self.journal.sync_data()
    }

    /// Writes the graph as a snapshot numbered with the last statement, then starts a fresh journal.
    pub fn checkpoint(&mut self) -> Result<(), Error> {
        let target = snapshot_path(&self.dir, self.seq);
        snapshot::save(self.session.graph(), &target)?;
        self.after_snapshot()
    }

    /// After a snapshot numbered `self.seq` is on disk: the journal's records are all in it.
    fn after_snapshot(&mut self) -> Result<(), Error> {
        self.journal = fresh_journal(&self.dir, self.seq)?;
        self.journal_len = journal::HEADER_LEN as u64;
        // The graph in memory is all in the snapshot: whatever the old journal's state, it is gone.
        self.broken = None;
        for (seq, path) in snapshots(&self.dir)? {
            if seq < self.seq {
                // An older snapshot is only a fallback copy now; failing to remove it loses nothing.
                let _ = fs::remove_file(path);
            }
        }
        Ok(())
    }

    /// The number of the last statement journalled (or included in the snapshot).
    pub fn sequence(&self) -> u64 {
        self.seq
    }
}

/// What a journal holds, decoded but not applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalScan {
    /// The snapshot the journal continues, from its header.
    pub base: Option<u64>,
    /// Each whole statement's number and how many entries (changes and names) it holds; a
    /// statement of an older journal counts one.
    pub statements: Vec<(u64, usize)>,
    /// The bytes the header and the whole statements span.
    pub valid_len: u64,
    /// What followed them, when it was not a whole statement.
    pub dropped: Option<DroppedTail>,
}

/// Decodes a journal's bytes as opening a database does, without applying anything: for checks and
/// for the fuzz target.
pub fn decode_journal(bytes: &[u8]) -> Result<JournalScan, DbError> {
    let mut statements = Vec::new();
    let mut each = |entry: journal::Entry| {
        let entries = match &entry {
            journal::Entry::Changes { parts, .. } => parts.iter().map(record::Part::entry_count).sum(),
            journal::Entry::Statement(_) => 1,
        };
        statements.push((entry.seq(), entries));
        Ok(())
    };
    let scan = journal::read(&mut io::Cursor::new(bytes), Path::new(JOURNAL), &mut |_| Ok(()), &mut each)?;
    Ok(JournalScan { base: scan.base, statements, valid_len: scan.valid_len, dropped: scan.dropped })
}

/// Whether a statement is the `CHECKPOINT` command, with any comments and spaces around it. Comments
/// are found by the one scanner that knows strings ([`crate::query::split::scan`]), so a `//`
/// inside a string is not taken for one.
pub(crate) fn is_checkpoint(text: &str) -> bool {
    let scan = crate::query::split::scan(text);
    scan.without_comments(text).trim().trim_end_matches(';').trim().eq_ignore_ascii_case("checkpoint")
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        Error::Database(e)
    }
}

#[cfg(test)]
mod tests;
