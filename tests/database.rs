//! The library's front door, driven as an embedding program would: many threads reading one
//! database while one writes, prepared statements, transactions in a directory and what a crash
//! at any moment of one leaves.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use kgraph::temporal::Temporal;
use kgraph::{Database, params};

fn count(db: &Database, query: &str) -> i64 {
    db.execute(query, ()).unwrap().first().unwrap().get("n").unwrap()
}

/// Every write keeps three things true: as many `:P` as `:Q` as `:R` relationships (one statement
/// creates a pair, a transaction of two statements creates another), and the accounts' total.
/// Readers check them on every read: one that saw half a statement or half a transaction fails.
#[test]
fn readers_running_beside_a_writer_never_see_half_a_statement_or_a_transaction() {
    let db = Database::in_memory();
    db.execute("UNWIND range(0, 9) AS i CREATE (:Account {id: i, balance: 100})", ()).unwrap();
    let writing = AtomicBool::new(true);
    let reads = std::thread::scope(|s| {
        let readers: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(|| {
                    let pairs = db
                        .prepare(
                            "MATCH (p:P) WITH count(p) AS p OPTIONAL MATCH (q:Q) WITH p, count(q) AS q \
                             OPTIONAL MATCH ()-[r:R]->() RETURN p, q, count(r) AS r",
                        )
                        .unwrap();
                    let mut reads = 0;
                    while writing.load(Ordering::Relaxed) || reads == 0 {
                        let rows = pairs.execute(()).unwrap();
                        let row = rows.first().unwrap();
                        let (p, q, r): (i64, i64, i64) =
                            (row.get("p").unwrap(), row.get("q").unwrap(), row.get("r").unwrap());
                        assert!(p == q && q == r, "a reader saw {p} :P, {q} :Q, {r} :R");
                        let total = count(&db, "MATCH (a:Account) RETURN sum(a.balance) AS n");
                        assert_eq!(total, 1000, "a reader saw money half moved");
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        for i in 0..200_i64 {
            db.execute("CREATE (:P)-[:R]->(:Q)", ()).unwrap();
            db.execute(
                "MATCH (a:Account {id: $from}), (b:Account {id: $to}) \
                 SET a.balance = a.balance - 7, b.balance = b.balance + 7",
                params! { "from" => i % 10, "to" => (i + 3) % 10 },
            )
            .unwrap();
            let mut tx = db.transaction().unwrap();
            tx.execute("CREATE (:P)", ()).unwrap();
            tx.execute("MATCH (p:P) WHERE NOT (p)-[:R]->() CREATE (p)-[:R]->(:Q)", ()).unwrap();
            tx.commit().unwrap();
        }
        writing.store(false, Ordering::Relaxed);
        readers.into_iter().map(|r| r.join().expect("a reader held")).sum::<usize>()
    });
    assert!(reads >= 3, "the readers ran");
    assert_eq!(count(&db, "MATCH (p:P) RETURN count(p) AS n"), 400);
}

/// Opens a copy of the directory, as a process opening it after a crash at this moment would.
fn reopened_copy(dir: &Path, journal_len: Option<u64>) -> (tempfile::TempDir, Database) {
    let temp = tempfile::tempdir().unwrap();
    let copy = temp.path().to_path_buf();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, copy.join(path.file_name().unwrap())).unwrap();
    }
    if let Some(len) = journal_len {
        let journal = std::fs::OpenOptions::new().write(true).open(copy.join("journal.log")).unwrap();
        journal.set_len(len).unwrap();
    }
    let db = Database::open(&copy).expect("the copy opens");
    (temp, db)
}

fn journal_len(dir: &Path) -> u64 {
    std::fs::metadata(dir.join("journal.log")).unwrap().len()
}

#[test]
fn a_transaction_is_on_disk_all_or_nothing_whenever_the_process_dies() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    db.execute("CREATE (:Keep {v: 1})", ()).unwrap();
    let before = journal_len(dir.path());

    let mut tx = db.transaction().unwrap();
    tx.execute("CREATE (:T {n: 1})", ()).unwrap();
    tx.execute("MATCH (k:Keep) SET k.v = 2", ()).unwrap();
    tx.execute("MATCH (t:T) CREATE (t)-[:R]->(:T {n: 2})", ()).unwrap();
    // Killed now: nothing of the open transaction has reached the disk.
    assert_eq!(journal_len(dir.path()), before, "an open transaction writes nothing");
    tx.commit().unwrap();
    let after = journal_len(dir.path());
    assert!(after > before);

    // Killed while the commit was being written: at every byte the record may have reached.
    for len in before..after {
        let (_copy, db) = reopened_copy(dir.path(), Some(len));
        assert_eq!(count(&db, "MATCH (t:T) RETURN count(t) AS n"), 0, "journal cut at {len}");
        assert_eq!(count(&db, "MATCH (k:Keep {v: 1}) RETURN count(k) AS n"), 1, "journal cut at {len}");
    }
    let (_copy, db_after) = reopened_copy(dir.path(), None);
    assert_eq!(count(&db_after, "MATCH (:T)-[r:R]->(:T) RETURN count(r) AS n"), 1);
    assert_eq!(count(&db_after, "MATCH (k:Keep {v: 2}) RETURN count(k) AS n"), 1);

    // Rolled back or dropped: no trace, then or after a reopen.
    let mut tx = db.transaction().unwrap();
    tx.execute("CREATE (:Gone)", ()).unwrap();
    tx.rollback();
    {
        let mut tx = db.transaction().unwrap();
        tx.execute("MATCH (k:Keep) DETACH DELETE k", ()).unwrap();
    }
    assert_eq!(journal_len(dir.path()), after, "a rolled back transaction writes nothing");
    drop(db);
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(count(&db, "MATCH (g:Gone) RETURN count(g) AS n"), 0);
    assert_eq!(count(&db, "MATCH (k:Keep {v: 2}) RETURN count(k) AS n"), 1);
}

#[test]
fn a_directory_database_keeps_every_statement_and_loads_files_durably() {
    let dir = tempfile::tempdir().unwrap();
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/graphs/czech-apt31.cypher");
    {
        let db = Database::open(dir.path()).unwrap();
        let report = db.load(seed).unwrap();
        assert!(report.statements > 0 && report.nodes > 0, "{report:?}");
        let insert = db.prepare("CREATE (:Note {text: $text})").unwrap();
        for text in ["one", "two"] {
            insert.execute(params! { "text" => text }).unwrap();
        }
        db.execute("CHECKPOINT", ()).unwrap();
        db.execute("CREATE (:Note {text: 'three'})", ()).unwrap();
    }
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(count(&db, "MATCH (n:Note) RETURN count(n) AS n"), 3);
    let rows = db.execute("MATCH (c:Campaign)-[:`attributed-to`]->(a) RETURN a.name AS actor", ()).unwrap();
    assert_eq!(rows.first().unwrap().get::<String>("actor").unwrap(), "APT31");
    assert!(Database::open(dir.path()).is_err(), "a second open of a directory in use is refused");
}

/// The README's "From Rust" example, as it is written there but for the directory.
#[test]
fn the_readme_from_rust_example_runs() -> Result<(), kgraph::Error> {
    use kgraph::Node;
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path().join("intel.db"))?;
    db.load(concat!(env!("CARGO_MANIFEST_DIR"), "/graphs/czech-apt31.cypher"))?;
    let rows = db.execute(
        "MATCH (c:Campaign)-[r:`attributed-to`]->(a) WHERE r.confidence = $how RETURN a, r.date AS date",
        params! { "how" => "high" },
    )?;
    let mut seen = Vec::new();
    for row in &rows {
        let actor: Node = row.get("a")?;
        seen.push(format!("{} on {}", actor.get::<String>("name")?, row.get::<Temporal>("date")?));
    }
    assert_eq!(seen, ["APT31 on 2025-05-28"]);
    let mut tx = db.transaction()?;
    tx.execute("CREATE (:Note {text: $t})", params! { "t" => "reviewed" })?;
    tx.commit()?;
    assert_eq!(count(&db, "MATCH (n:Note {text: 'reviewed'}) RETURN count(n) AS n"), 1);
    Ok(())
}

#[test]
fn a_read_only_open_reads_a_directory_another_database_is_writing() {
    let dir = tempfile::tempdir().unwrap();
    let writer = Database::open(dir.path()).unwrap();
    writer.execute("UNWIND range(1, 5) AS i CREATE (:Seen {i: i})", ()).unwrap();
    let reader = Database::open_read_only(dir.path()).unwrap();
    assert_eq!(count(&reader, "MATCH (n:Seen) RETURN count(n) AS n"), 5);
    // The state when it was opened: later writes are seen by opening again.
    writer.execute("CREATE (:Seen {i: 6})", ()).unwrap();
    assert_eq!(count(&reader, "MATCH (n:Seen) RETURN count(n) AS n"), 5);
    assert_eq!(
        count(&Database::open_read_only(dir.path()).unwrap(), "MATCH (n:Seen) RETURN count(n) AS n"),
        6
    );
    // Never written, whatever it is asked.
    let refused = reader.execute("CREATE (:Gone)", ()).unwrap_err();
    assert_eq!(refused.as_query().map(|q| q.kind), Some(kgraph::ErrorKind::ReadOnly));
    reader.set_read_only(false);
    assert!(reader.execute("CREATE (:Gone)", ()).is_err());
    assert!(reader.checkpoint().is_err());
    assert!(reader.transaction().unwrap().execute("CREATE (:Gone)", ()).is_err());
    writer.checkpoint().unwrap();
    assert_eq!(
        count(&Database::open_read_only(dir.path()).unwrap(), "MATCH (n:Seen) RETURN count(n) AS n"),
        6
    );
}

#[test]
fn a_read_only_open_changes_nothing_on_disk_and_leaves_out_a_record_being_written() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        db.execute("CREATE (:Whole)", ()).unwrap();
    }
    let journal = dir.path().join("journal.log");
    // What a writer that has written half a record looks like from outside.
    let mut bytes = std::fs::read(&journal).unwrap();
    let whole = bytes.len();
    let half_a_record = bytes[bytes.len() - 12..].to_vec();
    bytes.extend_from_slice(&half_a_record);
    std::fs::write(&journal, &bytes).unwrap();
    let files = |dir: &Path| {
        let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        names
    };
    let before = files(dir.path());
    let reader = Database::open_read_only(dir.path()).unwrap();
    assert_eq!(count(&reader, "MATCH (n:Whole) RETURN count(n) AS n"), 1);
    assert_eq!(std::fs::read(&journal).unwrap().len(), bytes.len(), "the tail is the writer's to settle");
    assert_eq!(files(dir.path()), before);
    drop(reader);
    // The writer, opening, settles it as before.
    let (_db, report) = Database::open_with_report(dir.path()).unwrap();
    assert!(report.dropped_tail.is_some());
    assert_eq!(std::fs::metadata(&journal).unwrap().len(), whole as u64);
}

#[test]
fn a_read_only_open_of_no_database_is_an_error_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here");
    let err = Database::open_read_only(&missing).unwrap_err();
    assert!(err.to_string().contains("no database there"), "{err}");
    assert!(!missing.exists());
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(Database::open_read_only(&empty).is_err());
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
}

/// Readers opening read-only again and again while the writer writes and checkpoints: each sees a
/// whole prefix of the statements (nodes 1..=k, none missing), however a checkpoint falls.
#[test]
fn read_only_opens_racing_checkpoints_see_a_whole_prefix_of_the_statements() {
    let dir = tempfile::tempdir().unwrap();
    let writer = Database::open(dir.path()).unwrap();
    writer.execute("CREATE (:N {i: 0})", ()).unwrap();
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut views = 0;
                    while !done.load(Ordering::Relaxed) {
                        let view = Database::open_read_only(dir.path()).expect("a consistent view");
                        let n = count(&view, "MATCH (n:N) RETURN count(n) AS n");
                        let top = count(&view, "MATCH (n:N) RETURN max(n.i) AS n");
                        assert_eq!(n, top + 1, "a view with a statement missing");
                        views += 1;
                    }
                    views
                })
            })
            .collect();
        for i in 1..=600 {
            writer.execute("CREATE (:N {i: $i})", params! { "i" => i }).unwrap();
            if i % 2 == 0 {
                writer.checkpoint().unwrap();
            }
        }
        done.store(true, Ordering::Relaxed);
        for r in readers {
            assert!(r.join().unwrap() > 0);
        }
    });
}
