use super::*;

fn count(db: &mut Directory) -> Value {
    db.run("MATCH (n) RETURN count(n)").unwrap()[0].rows[0][0].clone()
}

fn reopened(dir: &Path) -> (Directory, OpenReport) {
    Directory::open(dir).unwrap()
}

#[test]
fn statements_survive_reopening_and_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut db, report) = Directory::open(dir.path()).unwrap();
        assert_eq!(report, OpenReport::default());
        db.run("CREATE (:A {n: 1}); CREATE (:A {n: 2})").unwrap();
        db.run("MATCH (a:A) RETURN a").unwrap(); // reads are not journalled
        assert_eq!(db.sequence(), 2);
    }
    {
        let (mut db, report) = reopened(dir.path());
        assert_eq!(report.replayed, 2);
        assert_eq!(count(&mut db), Value::Int(2));
        db.run("CHECKPOINT; CREATE (:B)").unwrap();
    }
    let (mut db, report) = reopened(dir.path());
    assert_eq!((report.snapshot_seq, report.replayed), (2, 1));
    assert_eq!(count(&mut db), Value::Int(3));
}

#[test]
fn an_absorbed_graph_is_checkpointed_and_later_statements_journalled_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut outside = Session::new();
    outside.run("CREATE (:Imported {n: 1})-[:R]->(:Imported {n: 2})").unwrap();
    {
        let (mut db, _) = Directory::open(dir.path()).unwrap();
        db.run("CREATE (:Local)").unwrap();
        db.absorb(outside.into_graph()).unwrap();
        assert_eq!(count(&mut db), Value::Int(3));
        db.run("CREATE (:Later)").unwrap();
    }
    let (mut db, report) = reopened(dir.path());
    assert_eq!((report.snapshot_seq, report.replayed), (2, 1), "the merge is a snapshot of its own");
    assert_eq!(count(&mut db), Value::Int(4));
    let rels = db.run("MATCH (:Imported)-[r:R]->(:Imported) RETURN count(r)").unwrap();
    assert_eq!(rels[0].rows[0][0], Value::Int(1));
}

#[test]
fn a_second_opener_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, _) = Directory::open(dir.path()).unwrap();
    let err = Directory::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains("database is locked"), "{err}");
}

/// Issue 14, item 1: after a checkpoint reload, a statement naming an id, or relying on the id a
/// CREATE got, did something else when the journal was replayed.
#[test]
fn replay_after_a_checkpoint_reload_gives_the_graph_that_was_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let live = {
        let (mut db, _) = Directory::open(dir.path()).unwrap();
        db.run("UNWIND range(0, 9) AS i CREATE (:N {i: i})").unwrap();
        // Freed in an order a reload cannot know.
        db.run("MATCH (n:N {i: 7}) DELETE n").unwrap();
        db.run("MATCH (n:N {i: 2}) DELETE n").unwrap();
        db.run("CHECKPOINT").unwrap();
        db.run("CREATE (:New {k: 1})").unwrap();
        db.run("MATCH (n) WHERE id(n) = 2 SET n.hit = true").unwrap();
        db.run("MATCH (a:New), (b) WHERE id(b) = 8 CREATE (a)-[:R]->(b)").unwrap();
        db.run("MATCH (n) WITH n ORDER BY id(n) LIMIT 1 SET n.first = true").unwrap();
        db.session().graph().clone()
    };
    let (mut db, report) = reopened(dir.path());
    assert_eq!(report.replayed, 4);
    assert_eq!(db.session().graph(), &live);
    let hit = db.run("MATCH (n {hit: true}) RETURN labels(n)").unwrap();
    assert_eq!(hit[0].rows, [[Value::List(vec![Value::from("New")])]]);
}

/// Issue 14, item 3: a journal that ends in zeros (a file system extended the file before a crash
/// wrote into it) or in bytes that are no record was refused.
#[test]
fn a_journal_ending_in_zeros_or_garbage_drops_the_tail_and_keeps_its_bytes() {
    for tail in [vec![0u8; 4096], b"not a record at all".to_vec(), vec![0xFF; 3]] {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut db, _) = Directory::open(dir.path()).unwrap();
            db.run("CREATE (:A); CREATE (:A)").unwrap();
        }
        let journal = dir.path().join(JOURNAL);
        let whole = fs::read(&journal).unwrap();
        fs::write(&journal, [whole.clone(), tail.clone()].concat()).unwrap();
        {
            let (mut db, report) = reopened(dir.path());
            let dropped = report.dropped_tail.expect("the tail is dropped");
            assert_eq!((dropped.offset, dropped.len), (whole.len() as u64, tail.len() as u64));
            assert_eq!(fs::read(&dropped.kept_in).unwrap(), tail, "the dropped bytes are kept");
            assert_eq!(count(&mut db), Value::Int(2));
            db.run("CREATE (:A)").unwrap();
        }
        let (mut db, report) = reopened(dir.path());
        assert_eq!(report.dropped_tail, None, "what came after the cut is whole");
        assert_eq!(count(&mut db), Value::Int(3));
    }
}

#[test]
fn a_torn_last_statement_is_dropped_and_damage_before_a_whole_record_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut db, _) = Directory::open(dir.path()).unwrap();
        db.run("CREATE (:A); CREATE (:A); CREATE (:A)").unwrap();
    }
    let journal = dir.path().join(JOURNAL);
    let whole = fs::read(&journal).unwrap();
    fs::write(&journal, &whole[..whole.len() - 5]).unwrap();
    {
        let (mut db, report) = reopened(dir.path());
        assert_eq!(report.replayed, 2);
        assert!(report.dropped_tail.is_some());
        assert_eq!(count(&mut db), Value::Int(2));
        db.run("CREATE (:A)").unwrap();
    }
    let (mut db, _) = reopened(dir.path());
    assert_eq!(count(&mut db), Value::Int(3));
    drop(db);
    // A checksum broken in the first record, with whole records after it.
    let mut bytes = fs::read(&journal).unwrap();
    bytes[journal::HEADER_LEN + 10] ^= 0xFF;
    fs::write(&journal, &bytes).unwrap();
    let err = Directory::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains(&format!("offset {}", journal::HEADER_LEN)), "{err}");
    assert!(err.to_string().contains("a whole record follows"), "{err}");
}

/// Issue 14, item 4: with the newest snapshot deleted, the journal after it was replayed onto an
/// empty graph.
#[test]
fn a_missing_snapshot_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut db, _) = Directory::open(dir.path()).unwrap();
        db.run("CREATE (:A); CREATE (:A); CHECKPOINT; CREATE (:B)").unwrap();
    }
    let snapshot = snapshot_path(dir.path(), 2);
    fs::remove_file(&snapshot).unwrap();
    let err = Directory::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains(&snapshot.display().to_string()) && err.contains("missing"), "{err}");
    // Also when the journal after the checkpoint is still empty.
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut db, _) = Directory::open(dir.path()).unwrap();
        db.run("CREATE (:A); CHECKPOINT").unwrap();
    }
    fs::remove_file(snapshot_path(dir.path(), 1)).unwrap();
    assert!(Directory::open(dir.path()).is_err());
}

/// Issue 14, item 5: a killed checkpoint's temporary snapshot stayed forever.
#[test]
fn temporary_files_of_interrupted_checkpoints_are_removed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut db, _) = Directory::open(dir.path()).unwrap();
        db.run("CREATE (:A)").unwrap();
    }
    let left = [dir.path().join(".graph-000000000001.kgs.tmp-4242"), dir.path().join(NEW_JOURNAL)];
    for path in &left {
        fs::write(path, b"half a file").unwrap();
    }
    let (mut db, report) = reopened(dir.path());
    assert_eq!(report.removed.len(), 2, "{:?}", report.removed);
    assert!(left.iter().all(|p| !p.exists()));
    assert_eq!(count(&mut db), Value::Int(1));
}

/// Issue 14, item 3: a record over the reader's limit was written, then refused on reopen.
#[test]
fn a_change_too_large_for_the_journal_is_refused_and_undone() {
    let dir = tempfile::tempdir().unwrap();
    let (mut db, _) = Directory::open(dir.path()).unwrap();
    db.run("CREATE (:A {n: 1})").unwrap();
    db.set_param("big", Value::String("x".repeat(record::MAX_PAYLOAD)));
    let err = db.run("MATCH (a:A) SET a.text = $big").unwrap_err().to_string();
    assert!(err.contains("undone"), "{err}");
    let text = db.run("MATCH (a:A) RETURN a.text").unwrap();
    assert_eq!(text[0].rows[0][0], Value::Null, "the statement was taken back in memory too");
    drop(db);
    let (mut db, report) = reopened(dir.path());
    assert_eq!(report.dropped_tail, None);
    assert_eq!(count(&mut db), Value::Int(1));
}

#[test]
fn a_journal_of_statement_text_from_an_older_kgraph_is_replayed_and_checkpointed() {
    let dir = tempfile::tempdir().unwrap();
    let mut old = Vec::new();
    for (seq, statement) in [(1, "CREATE (:A {n: 1})"), (2, "MATCH (a:A) SET a.m = $m")] {
        let payload =
            format!(r#"{{"seq":{seq},"statement":"{statement}","params":{{"m":5}},"seed":9}}"#).into_bytes();
        journal::frame(&payload, &mut old);
    }
    fs::write(dir.path().join(JOURNAL), &old).unwrap();
    {
        let (mut db, report) = reopened(dir.path());
        assert!(report.upgraded);
        assert_eq!(report.replayed, 2);
        let m = db.run("MATCH (a:A) RETURN a.m").unwrap();
        assert_eq!(m[0].rows[0][0], Value::Int(5));
        db.run("CREATE (:B)").unwrap();
    }
    let (mut db, report) = reopened(dir.path());
    assert_eq!((report.snapshot_seq, report.replayed, report.upgraded), (2, 1, false));
    assert_eq!(count(&mut db), Value::Int(2));
}

#[test]
fn decoding_reports_statements_and_a_dropped_tail() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut db, _) = Directory::open(dir.path()).unwrap();
        db.run("CREATE (:A)-[:R]->(:B); CREATE INDEX FOR (a:A) ON (a.n)").unwrap();
    }
    let bytes = fs::read(dir.path().join(JOURNAL)).unwrap();
    let scan = decode_journal(&bytes).unwrap();
    assert_eq!(scan.base, Some(0));
    assert_eq!(scan.statements.iter().map(|s| s.0).collect::<Vec<_>>(), [1, 2]);
    assert_eq!((scan.valid_len, scan.dropped), (bytes.len() as u64, None));
    let cut = decode_journal(&bytes[..bytes.len() - 1]).unwrap();
    assert_eq!(cut.statements.len(), 1);
    assert!(cut.dropped.is_some());
}

/// Issue 14, item 2: a journal write that failed (disk full) kept the change in memory and left a
/// partial record, behind which the next statement was appended, and the database no longer opened.
#[test]
fn a_failed_journal_write_undoes_the_statement_and_cuts_the_journal_back() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join(JOURNAL);
    {
        let (mut db, _) = Directory::open(dir.path()).unwrap();
        db.run("CREATE (:A {n: 1})").unwrap();
        let before = fs::metadata(&journal).unwrap().len();
        db.room = Some(11);
        let err = db.run("MATCH (a:A) SET a.n = 2 CREATE (:B)").unwrap_err().to_string();
        assert!(err.contains("undone") && err.contains("no space"), "{err}");
        assert_eq!(fs::metadata(&journal).unwrap().len(), before, "the partial record is cut off");
        let now = db.run("MATCH (a:A) RETURN a.n").unwrap();
        assert_eq!(now[0].rows[0][0], Value::Int(1), "the change was taken back in memory");
        assert_eq!(count(&mut db), Value::Int(1));
        db.run("CREATE (:C)").unwrap();
    }
    let (mut db, report) = reopened(dir.path());
    assert_eq!((report.replayed, report.dropped_tail), (2, None));
    let labels = db.run("MATCH (n) RETURN labels(n)[0] AS l ORDER BY l").unwrap();
    assert_eq!(labels[0].rows, [[Value::from("A")], [Value::from("C")]]);
}

/// `db::strip_comments` cut every line at its first `//`, inside strings too, and knew no `/* */`:
/// the checkpoint command is now found by the scanner that knows both.
#[test]
fn checkpoint_is_told_from_statements_with_slashes_in_strings() {
    assert!(super::is_checkpoint("CHECKPOINT"));
    assert!(super::is_checkpoint("  checkpoint ; "));
    assert!(super::is_checkpoint("// make it durable\nCHECKPOINT // now"));
    assert!(super::is_checkpoint("/* before */ Checkpoint /* after */"));
    assert!(!super::is_checkpoint("RETURN 'checkpoint'"));
    assert!(!super::is_checkpoint("CHECKPOINT '//'"));
    assert!(!super::is_checkpoint("CHECK/* */POINT"));
    assert!(!super::is_checkpoint("CREATE (:Url {u: 'http://x'})"));
}
