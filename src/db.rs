//! A database directory: the latest snapshot plus a write-ahead journal of the statements that
//! changed the graph since, so that nothing committed is lost.
//!
//! Layout of `DIR` (see docs/storage.md):
//! - `LOCK` — held with an OS file lock while a process has the database open;
//! - `graph-SEQ.kgs` — the snapshot that includes every journal record up to number SEQ;
//! - `journal.log` — records, each `[u32 length][u32 CRC-32 of the payload][payload]`, little-endian;
//!   the payload is JSON `{"seq": N, "statement": "...", "params": {...}, "seed": S}`, the seed
//!   being what the statement's `rand()` drew from.
//!
//! A statement that changes the graph is appended and synced to disk before its result is returned.
//! A checkpoint writes `graph-SEQ.kgs` atomically, then empties the journal; a crash between the two
//! leaves records the new snapshot already holds, and replay skips them by their numbers.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::graph::Graph;
use crate::session::{QueryOutput, Session};
use crate::snapshot;
use crate::value::Value;

const JOURNAL: &str = "journal.log";
const LOCK: &str = "LOCK";
/// The journal is checkpointed automatically once it grows past this.
pub const AUTO_CHECKPOINT_BYTES: u64 = 64 * 1024 * 1024;
/// A record longer than this is corruption, not data: statements are not that long.
const MAX_RECORD: u32 = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: database is locked by another process")]
    Locked { path: PathBuf },
    #[error("{path}: corrupt journal at byte offset {offset}: {detail}")]
    CorruptJournal { path: PathBuf, offset: u64, detail: String },
    #[error("{path}: replaying journal record {seq} failed: {detail}")]
    Replay { path: PathBuf, seq: u64, detail: String },
}

#[derive(Serialize, Deserialize)]
struct Record {
    seq: u64,
    statement: String,
    params: serde_json::Value,
    /// The seed the statement's `rand()` drew from, so that a replay draws the same numbers.
    /// Missing in records written before it was kept: those replay with new numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
}

/// What opening found, for the user to be told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    pub snapshot_seq: u64,
    pub replayed: usize,
    /// A torn last record (a crash mid-write) that was dropped, with its offset.
    pub dropped_tail: Option<u64>,
}

/// An open database: a session whose changes are journalled.
#[derive(Debug)]
pub struct Database {
    dir: PathBuf,
    session: Session,
    journal: File,
    journal_len: u64,
    /// The number of the last journal record applied.
    seq: u64,
    snapshot_seq: u64,
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

fn params_json(session: &Session) -> serde_json::Value {
    let graph = Graph::new();
    serde_json::Value::Object(
        session.params().iter().map(|(k, v)| (k.clone(), crate::format::to_json(&graph, v))).collect(),
    )
}

impl Database {
    /// Opens (creating when missing) the database in `dir`: takes the lock, loads the newest
    /// snapshot, replays the journal after it.
    pub fn open(dir: &Path) -> Result<(Database, OpenReport), Error> {
        fs::create_dir_all(dir).map_err(io_err(dir)).map_err(Error::from)?;
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
        let mut report = OpenReport::default();
        let mut session = Session::new();
        if let Some((seq, path)) = snapshots(dir)?.pop() {
            session = Session::with_graph(snapshot::load(&path)?);
            report.snapshot_seq = seq;
        }
        let journal_path = dir.join(JOURNAL);
        let mut journal = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&journal_path)
            .map_err(io_err(&journal_path))?;
        let mut bytes = Vec::new();
        journal.read_to_end(&mut bytes).map_err(io_err(&journal_path))?;
        let (records, valid_len, torn) = parse_journal(&bytes, &journal_path)?;
        let mut seq = report.snapshot_seq;
        for record in records {
            if record.seq <= report.snapshot_seq {
                continue;
            }
            let replay_err =
                |detail: String| DbError::Replay { path: journal_path.clone(), seq: record.seq, detail };
            let params = match crate::format::from_json(record.params) {
                Value::Map(m) => m,
                _ => return Err(replay_err("the parameters are not a map".into()).into()),
            };
            let mut replaying = Session::with_graph(std::mem::take(session.graph_mut()));
            for (k, v) in params {
                replaying.set_param(k, v);
            }
            if let Some(seed) = record.seed {
                replaying.set_next_seed(seed);
            }
            replaying.run(&record.statement).map_err(|e| replay_err(e.to_string()))?;
            session = Session::with_graph(replaying.into_graph());
            seq = record.seq;
            report.replayed += 1;
        }
        if torn {
            // Drop the torn tail so that new records follow the last whole one.
            journal.set_len(valid_len).map_err(io_err(&journal_path))?;
            journal.sync_all().map_err(io_err(&journal_path))?;
            report.dropped_tail = Some(valid_len);
        }
        journal.seek(SeekFrom::End(0)).map_err(io_err(&journal_path))?;
        let db = Database {
            dir: dir.to_path_buf(),
            session,
            journal,
            journal_len: valid_len,
            seq,
            snapshot_seq: report.snapshot_seq,
            _lock: lock,
        };
        Ok((db, report))
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Parameters go to the session; they are journalled with each statement that uses them.
    pub fn set_param(&mut self, name: impl Into<String>, value: Value) {
        self.session.set_param(name, value);
    }

    /// How long each statement may run (see [`Session::set_timeout`]). Replaying the journal on
    /// open is never timed out.
    pub fn set_timeout(&mut self, timeout: Option<std::time::Duration>) {
        self.session.set_timeout(timeout);
    }

    /// Merges a whole graph (a loaded snapshot) into the database. The journal records statements,
    /// not graphs, so the merge is made durable by a checkpoint of its own: the merged graph is
    /// written as a new snapshot before it replaces the one in memory, and a failure leaves both as
    /// they were.
    pub fn absorb(&mut self, graph: Graph) -> Result<(), Error> {
        let mut merged = self.session.graph().clone();
        merged.absorb(graph);
        let seq = self.seq + 1;
        snapshot::save(&merged, &snapshot_path(&self.dir, seq))?;
        *self.session.graph_mut() = merged;
        self.seq = seq;
        self.empty_journal()
    }

    /// Runs every statement of `source`; each one that changed the graph is on disk before its
    /// output is handed to `each`. `CHECKPOINT` (alone as a statement) writes a snapshot.
    pub fn run_each(
        &mut self,
        source: &str,
        origin: &str,
        mut each: impl FnMut(&Graph, QueryOutput),
    ) -> Result<usize, Error> {
        let scan = crate::query::split::scan(source);
        for range in &scan.statements {
            let text = &source[range.clone()];
            if strip_comments(text).eq_ignore_ascii_case("checkpoint") {
                self.checkpoint()?;
                each(self.session.graph(), QueryOutput::default());
                continue;
            }
            let out =
                self.session.execute(source, range.clone()).map_err(|e| Error::query(e, source, origin))?;
            if !out.stats.is_empty() {
                self.append(text)?;
            }
            each(self.session.graph(), out);
        }
        if self.journal_len > AUTO_CHECKPOINT_BYTES {
            self.checkpoint()?;
        }
        Ok(scan.statements.len())
    }

    /// Runs `source` and collects the outputs.
    pub fn run(&mut self, source: &str) -> Result<Vec<QueryOutput>, Error> {
        let mut outputs = Vec::new();
        self.run_each(source, "", |_, o| outputs.push(o))?;
        Ok(outputs)
    }

    fn append(&mut self, statement: &str) -> Result<(), DbError> {
        let path = self.dir.join(JOURNAL);
        let record = Record {
            seq: self.seq + 1,
            statement: statement.to_string(),
            params: params_json(&self.session),
            seed: Some(self.session.last_seed()),
        };
        // Serialising plain strings and JSON values into memory cannot fail.
        let payload = serde_json::to_vec(&record).expect("a record serialises");
        let mut bytes = Vec::with_capacity(payload.len() + 8);
        bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        self.journal.write_all(&bytes).map_err(io_err(&path))?;
        self.journal.sync_data().map_err(io_err(&path))?;
        self.journal_len += bytes.len() as u64;
        self.seq += 1;
        Ok(())
    }

    /// Writes the graph as a snapshot numbered with the last journal record, then empties the journal.
    pub fn checkpoint(&mut self) -> Result<(), Error> {
        let target = snapshot_path(&self.dir, self.seq);
        snapshot::save(self.session.graph(), &target)?;
        self.empty_journal()
    }

    /// After a snapshot numbered `self.seq` is on disk: the journal's records are all in it.
    fn empty_journal(&mut self) -> Result<(), Error> {
        let journal_path = self.dir.join(JOURNAL);
        self.journal.set_len(0).map_err(io_err(&journal_path))?;
        self.journal.seek(SeekFrom::Start(0)).map_err(io_err(&journal_path))?;
        self.journal.sync_all().map_err(io_err(&journal_path))?;
        self.journal_len = 0;
        for (seq, path) in snapshots(&self.dir)? {
            if seq < self.seq {
                // An older snapshot is only a fallback copy now; failing to remove it loses nothing.
                let _ = fs::remove_file(path);
            }
        }
        self.snapshot_seq = self.seq;
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
    /// Each whole record's number and statement.
    pub records: Vec<(u64, String)>,
    /// The bytes the whole records span.
    pub valid_len: u64,
    /// Whether a torn record (a crash mid-write) follows them.
    pub torn: bool,
}

/// Decodes a journal's bytes as opening a database does, without applying anything: for checks and
/// for the fuzz target. Damage anywhere but in the last record is an error naming its offset.
pub fn decode_journal(bytes: &[u8]) -> Result<JournalScan, DbError> {
    let (records, valid_len, torn) = parse_journal(bytes, Path::new(JOURNAL))?;
    Ok(JournalScan { records: records.into_iter().map(|r| (r.seq, r.statement)).collect(), valid_len, torn })
}

/// A record that cannot be whole at `at` is a torn tail only when no whole record follows it: a crash
/// cuts the last write short, while a damaged length in the middle would otherwise hide every record
/// after it. Scans every later offset, which only damaged journals pay for.
#[allow(clippy::type_complexity)]
fn torn_or_corrupt(bytes: &[u8], at: usize, records: Vec<Record>) -> Result<(Vec<Record>, u64, bool), ()> {
    let whole_record_at = |from: usize| {
        let rest = &bytes[from..];
        if rest.len() < 8 {
            return false;
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        len > 0 && rest.len() >= 8 + len && crc32fast::hash(&rest[8..8 + len]) == crc
    };
    if (at + 1..bytes.len()).any(whole_record_at) { Err(()) } else { Ok((records, at as u64, true)) }
}

/// The statement text without comments and surrounding blanks.
fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or_default();
        out.push_str(line.trim());
    }
    out
}

/// The whole records of a journal, the length they span, and whether a torn record follows them.
/// A damaged record that is not the last is corruption, reported with its offset.
fn parse_journal(bytes: &[u8], path: &Path) -> Result<(Vec<Record>, u64, bool), DbError> {
    let corrupt = |offset: usize, detail: &str| DbError::CorruptJournal {
        path: path.to_path_buf(),
        offset: offset as u64,
        detail: detail.to_string(),
    };
    let mut records = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.len() < 8 {
            return torn_or_corrupt(bytes, at, records).map_err(|()| corrupt(at, "damaged record header"));
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        if len > MAX_RECORD {
            return Err(corrupt(at, "impossible record length"));
        }
        let end = 8 + len as usize;
        if rest.len() < end {
            // The last record was cut short (a crash during its write), unless its length is damaged.
            return torn_or_corrupt(bytes, at, records).map_err(|()| corrupt(at, "damaged record length"));
        }
        let payload = &rest[8..end];
        if crc32fast::hash(payload) != crc {
            if at + end == bytes.len() {
                return Ok((records, at as u64, true));
            }
            return Err(corrupt(at, "checksum mismatch"));
        }
        let record: Record = serde_json::from_slice(payload).map_err(|e| corrupt(at, &e.to_string()))?;
        let expected = records.last().map(|r: &Record| r.seq + 1);
        if expected.is_some_and(|e| e != record.seq) {
            return Err(corrupt(at, "records out of sequence"));
        }
        records.push(record);
        at += end;
    }
    Ok((records, at as u64, false))
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        Error::Database(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(db: &mut Database) -> Value {
        db.run("MATCH (n) RETURN count(n)").unwrap()[0].rows[0][0].clone()
    }

    #[test]
    fn statements_survive_reopening_and_checkpoints() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut db, report) = Database::open(dir.path()).unwrap();
            assert_eq!(report, OpenReport::default());
            db.run("CREATE (:A {n: 1}); CREATE (:A {n: 2})").unwrap();
            db.run("MATCH (a:A) RETURN a").unwrap(); // reads are not journalled
            assert_eq!(db.sequence(), 2);
        }
        {
            let (mut db, report) = Database::open(dir.path()).unwrap();
            assert_eq!(report.replayed, 2);
            assert_eq!(count(&mut db), Value::Int(2));
            db.run("CHECKPOINT; CREATE (:B)").unwrap();
        }
        let (mut db, report) = Database::open(dir.path()).unwrap();
        assert_eq!((report.snapshot_seq, report.replayed), (2, 1));
        assert_eq!(count(&mut db), Value::Int(3));
    }

    #[test]
    fn an_absorbed_graph_is_checkpointed_and_later_statements_journalled_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut outside = Session::new();
        outside.run("CREATE (:Imported {n: 1})-[:R]->(:Imported {n: 2})").unwrap();
        {
            let (mut db, _) = Database::open(dir.path()).unwrap();
            db.run("CREATE (:Local)").unwrap();
            db.absorb(outside.into_graph()).unwrap();
            assert_eq!(count(&mut db), Value::Int(3));
            db.run("CREATE (:Later)").unwrap();
        }
        let (mut db, report) = Database::open(dir.path()).unwrap();
        assert_eq!((report.snapshot_seq, report.replayed), (2, 1), "the merge is a snapshot of its own");
        assert_eq!(count(&mut db), Value::Int(4));
        let rels = db.run("MATCH (:Imported)-[r:R]->(:Imported) RETURN count(r)").unwrap();
        assert_eq!(rels[0].rows[0][0], Value::Int(1));
    }

    #[test]
    fn a_second_opener_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (_db, _) = Database::open(dir.path()).unwrap();
        let err = Database::open(dir.path()).unwrap_err();
        assert!(err.to_string().contains("database is locked"), "{err}");
    }

    #[test]
    fn a_torn_tail_is_dropped_and_corruption_before_it_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut db, _) = Database::open(dir.path()).unwrap();
            db.run("CREATE (:A); CREATE (:A); CREATE (:A)").unwrap();
        }
        let journal = dir.path().join(JOURNAL);
        let whole = fs::read(&journal).unwrap();
        fs::write(&journal, &whole[..whole.len() - 5]).unwrap();
        {
            let (mut db, report) = Database::open(dir.path()).unwrap();
            assert_eq!(report.replayed, 2);
            assert!(report.dropped_tail.is_some());
            assert_eq!(count(&mut db), Value::Int(2));
            db.run("CREATE (:A)").unwrap();
        }
        let (mut db, _) = Database::open(dir.path()).unwrap();
        assert_eq!(count(&mut db), Value::Int(3));
        drop(db);
        let mut bytes = fs::read(&journal).unwrap();
        bytes[10] ^= 0xFF;
        fs::write(&journal, &bytes).unwrap();
        let err = Database::open(dir.path()).unwrap_err();
        assert!(err.to_string().contains("offset 0"), "{err}");
    }

    #[test]
    fn a_damaged_length_in_the_middle_is_corruption_not_a_torn_tail() {
        let mut journal = Vec::new();
        for seq in 1..=3u64 {
            let payload = format!(r#"{{"seq":{seq},"statement":"CREATE (:A)","params":{{}}}}"#).into_bytes();
            journal.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            journal.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
            journal.extend_from_slice(&payload);
        }
        assert_eq!(decode_journal(&journal).unwrap().records.len(), 3);
        let second = journal.len() / 3;
        // A length too large for the rest of the file, on the second of three records.
        journal[second..second + 4].copy_from_slice(&100_000u32.to_le_bytes());
        let err = decode_journal(&journal).unwrap_err();
        assert!(err.to_string().contains(&format!("offset {second}")), "{err}");
        // The same damage on the last record is what a crash mid-write looks like.
        let last = 2 * second;
        let mut torn = journal.clone();
        torn[second..second + 4].copy_from_slice(&journal[0..4]);
        torn[last..last + 4].copy_from_slice(&100_000u32.to_le_bytes());
        let scan = decode_journal(&torn).unwrap();
        assert_eq!((scan.records.len(), scan.valid_len, scan.torn), (2, last as u64, true));
    }
}
