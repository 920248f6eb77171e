//! `LOAD CSV`, driven through the public API and the binary: records as lists and maps, empty
//! fields as null and quoted empty ones as text, other delimiters, gzip, `linenumber()` and
//! `file()`, the import directory kept (no `..`, no absolute path nor link out of it), errors that
//! name the file and line, statements that stay atomic, and journals that replay without the file.

use std::collections::BTreeMap;
use std::path::Path;

use kgraph::{Database, ErrorKind, Value, params};
use proptest::prelude::*;

fn import_dir(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).expect("write a file");
    }
    dir
}

fn db_reading(dir: &Path) -> Database {
    let db = Database::in_memory();
    db.set_import_dir(Some(dir));
    db
}

fn values(db: &Database, q: &str) -> Vec<Vec<Value>> {
    db.execute(q, ()).unwrap_or_else(|e| panic!("{q}: {e}")).into_values()
}

fn failure(db: &Database, q: &str) -> kgraph::QueryError {
    let e = db.execute(q, ()).expect_err(q);
    e.as_query().cloned().unwrap_or_else(|| panic!("{q}: not a query error: {e}"))
}

fn s(text: &str) -> Value {
    Value::from(text)
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(entries.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

#[test]
fn records_come_as_lists_and_with_headers_as_maps() {
    let dir = import_dir(&[(
        "actors.csv",
        b"name,alias\nAPT31,\"Zirconium, Judgment Panda\"\nAPT28,\"\"\nTurla,\n",
    )]);
    let db = db_reading(dir.path());
    assert_eq!(
        values(&db, "LOAD CSV FROM 'file:///actors.csv' AS row RETURN row"),
        vec![
            vec![Value::List(vec![s("name"), s("alias")])],
            vec![Value::List(vec![s("APT31"), s("Zirconium, Judgment Panda")])],
            vec![Value::List(vec![s("APT28"), s("")])],
            vec![Value::List(vec![s("Turla"), Value::Null])],
        ]
    );
    assert_eq!(
        values(&db, "LOAD CSV WITH HEADERS FROM 'file:///actors.csv' AS row RETURN row.name, row.alias"),
        vec![
            vec![s("APT31"), s("Zirconium, Judgment Panda")],
            vec![s("APT28"), s("")],
            vec![s("Turla"), Value::Null]
        ]
    );
}

#[test]
fn a_record_shorter_than_the_header_has_nulls_and_a_longer_one_is_refused() {
    let dir = import_dir(&[("short.csv", b"a,b,c\n1\n"), ("long.csv", b"a,b\n1,2\n1,2,3\n")]);
    let db = db_reading(dir.path());
    assert_eq!(
        values(&db, "LOAD CSV WITH HEADERS FROM 'short.csv' AS row RETURN row"),
        vec![vec![map(&[("a", s("1")), ("b", Value::Null), ("c", Value::Null)])]]
    );
    let e = failure(&db, "LOAD CSV WITH HEADERS FROM 'long.csv' AS row RETURN row");
    assert_eq!(e.kind, ErrorKind::ExternalResourceFailed);
    assert!(e.message.contains("long.csv, line 3") && e.message.contains("3 fields"), "{}", e.message);
}

#[test]
fn field_terminators_gzip_line_numbers_and_the_file() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"id\tname\n1\tAPT31\n\n2\t\"Cozy\nBear\"\n3\tTurla\n").expect("compress");
    let compressed = gz.finish().expect("compress");
    // Named .csv, compressed all the same: it is read by its content.
    let dir = import_dir(&[("actors.csv", &compressed)]);
    let db = db_reading(dir.path());
    let rows = values(
        &db,
        "LOAD CSV WITH HEADERS FROM 'file:///actors.csv' AS row FIELDTERMINATOR '\\t' \
         RETURN toInteger(row.id) AS id, row.name AS name, linenumber() AS line, file() AS file",
    );
    let file = s(&dir.path().join("actors.csv").canonicalize().expect("canonical").display().to_string());
    assert_eq!(
        rows,
        vec![
            vec![Value::Int(1), s("APT31"), Value::Int(2), file.clone()],
            vec![Value::Int(2), s("Cozy\nBear"), Value::Int(4), file.clone()],
            vec![Value::Int(3), s("Turla"), Value::Int(6), file],
        ]
    );
    // Outside LOAD CSV, and once the record is out of scope, both are null.
    assert_eq!(values(&db, "RETURN linenumber(), file()"), vec![vec![Value::Null, Value::Null]]);
}

#[test]
fn each_input_row_reads_the_file_again_and_the_source_may_be_a_parameter() {
    let dir = import_dir(&[("a.csv", b"x\ny\n"), ("b.csv", b"z\n")]);
    let db = db_reading(dir.path());
    let rows = db
        .execute(
            "UNWIND $files AS f LOAD CSV FROM f AS row RETURN f, row[0] AS field",
            params! { "files" => vec!["a.csv", "b.csv", "a.csv"] },
        )
        .expect("runs")
        .into_values();
    let fields: Vec<&Value> = rows.iter().map(|r| &r[1]).collect();
    assert_eq!(fields, vec![&s("x"), &s("y"), &s("z"), &s("x"), &s("y")]);
    let e = failure(&db, "LOAD CSV FROM 42 AS row RETURN row");
    assert_eq!(e.kind, ErrorKind::TypeError);
}

#[test]
fn files_outside_the_import_directory_are_refused() {
    let outer = import_dir(&[("secret.csv", b"password\nhunter2\n")]);
    let inner = outer.path().join("import");
    std::fs::create_dir(&inner).expect("mkdir");
    let db = db_reading(&inner);
    let secret = outer.path().join("secret.csv").canonicalize().expect("canonical");
    let mut refused = vec![
        "file:///../secret.csv".to_string(),
        "../secret.csv".to_string(),
        "file:///sub/../../secret.csv".to_string(),
        secret.display().to_string(),
        "https://example.org/actors.csv".to_string(),
    ];
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&secret, inner.join("link.csv")).expect("symlink");
        refused.push("file:///link.csv".to_string());
        std::os::unix::fs::symlink(outer.path(), inner.join("up")).expect("symlink");
        refused.push("file:///up/secret.csv".to_string());
    }
    for url in refused {
        let e = db
            .execute("LOAD CSV FROM $url AS row RETURN row", params! { "url" => url.as_str() })
            .expect_err(&url);
        let e = e.as_query().expect("a query error");
        assert_eq!(e.kind, ErrorKind::ExternalResourceFailed, "{url}: {e}");
        assert!(!e.message.contains("hunter2"), "{url}: the error shows the file");
    }
}

#[test]
fn a_malformed_record_fails_the_statement_and_undoes_what_it_did() {
    let dir = import_dir(&[("bad.csv", b"name\nAPT31\nAPT28\n\"Turla\n")]);
    let db = db_reading(dir.path());
    let e = failure(&db, "LOAD CSV WITH HEADERS FROM 'bad.csv' AS row CREATE (:Actor {name: row.name})");
    assert_eq!(e.kind, ErrorKind::ExternalResourceFailed);
    assert!(e.message.contains("line 4"), "{}", e.message);
    assert_eq!(values(&db, "MATCH (a:Actor) RETURN count(a)"), vec![vec![Value::Int(0)]]);
}

#[test]
fn duplicate_headers_are_refused() {
    let dir = import_dir(&[("dup.csv", b"a,b,a\n1,2,3\n")]);
    let e = failure(&db_reading(dir.path()), "LOAD CSV WITH HEADERS FROM 'dup.csv' AS row RETURN row");
    assert!(e.message.contains("`a` twice"), "{}", e.message);
}

#[test]
fn a_journalled_load_replays_without_the_file() {
    let dir = import_dir(&[("actors.csv", b"name,sponsor\nAPT31,MSS\nAPT28,GRU\n")]);
    let store = tempfile::tempdir().expect("a temporary directory");
    {
        let db = Database::open(store.path().join("db")).expect("open");
        db.set_import_dir(Some(dir.path()));
        db.execute(
            "LOAD CSV WITH HEADERS FROM 'file:///actors.csv' AS row \
             MERGE (a:ThreatActor {name: row.name}) MERGE (s:Organization {name: row.sponsor}) \
             MERGE (a)-[:`linked-to`]->(s)",
            (),
        )
        .expect("loads");
    }
    std::fs::remove_file(dir.path().join("actors.csv")).expect("remove");
    let db = Database::open(store.path().join("db")).expect("reopen");
    assert_eq!(
        values(&db, "MATCH (a:ThreatActor)-[:`linked-to`]->(s) RETURN a.name, s.name ORDER BY a.name"),
        vec![vec![s("APT28"), s("GRU")], vec![s("APT31"), s("MSS")]]
    );
}

#[test]
fn the_binary_takes_an_import_dir_and_says_when_it_is_not_one() {
    let dir = import_dir(&[("actors.csv", b"name\nAPT31\n")]);
    let out = assert_cmd::Command::cargo_bin("kgraph")
        .expect("the binary")
        .args(["--import-dir"])
        .arg(dir.path())
        .args([
            "--format",
            "csv",
            "-c",
            "LOAD CSV WITH HEADERS FROM 'file:///actors.csv' AS row RETURN row.name",
        ])
        .assert()
        .success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), "row.name\nAPT31\n");
    assert_cmd::Command::cargo_bin("kgraph")
        .expect("the binary")
        .args(["--import-dir", "/no/such/directory", "-c", "RETURN 1"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("/no/such/directory"));
}

/// A field as a CSV writer may write it: `None` empty and unquoted, text always quoted.
fn write_csv(rows: &[Vec<Option<String>>], delimiter: char) -> String {
    let mut out = String::new();
    for row in rows {
        let fields: Vec<String> = row
            .iter()
            .map(|f| match f {
                None => String::new(),
                Some(text) => format!("\"{}\"", text.replace('"', "\"\"")),
            })
            .collect();
        out.push_str(&fields.join(&delimiter.to_string()));
        out.push_str("\r\n");
    }
    out
}

fn field() -> impl Strategy<Value = Option<String>> {
    prop_oneof![1 => Just(None), 4 => "[a-z,;\"\t\n\r é]{0,8}".prop_map(Some)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Written with any fields (delimiters, quotes and line ends inside them, empty ones), a file
    /// reads back as it was written: each record a list, null where a field was empty.
    #[test]
    fn load_csv_reads_back_what_was_written(
        rows in prop::collection::vec(prop::collection::vec(field(), 2..5), 1..12),
        semicolon in any::<bool>(),
    ) {
        // Two fields at least: a record of one empty field would be a blank line, which CSV skips.
        let delimiter = if semicolon { ';' } else { ',' };
        let dir = import_dir(&[("t.csv", write_csv(&rows, delimiter).as_bytes())]);
        let db = db_reading(dir.path());
        let query = format!("LOAD CSV FROM 't.csv' AS row FIELDTERMINATOR '{delimiter}' RETURN row");
        let read: Vec<Value> = values(&db, &query).into_iter().map(|mut r| r.remove(0)).collect();
        let want: Vec<Value> = rows
            .iter()
            .map(|r| Value::List(r.iter().map(|f| f.as_deref().map_or(Value::Null, Value::from)).collect()))
            .collect();
        prop_assert_eq!(read, want);
    }

    /// With headers, each record is a map from the header's names to its fields.
    #[test]
    fn load_csv_with_headers_maps_each_field_to_its_name(
        rows in prop::collection::vec(prop::collection::vec(field(), 3..=3), 1..8),
    ) {
        let header = vec![Some("id".to_string()), Some("name, or alias".to_string()), Some("note".to_string())];
        let mut all = vec![header];
        all.extend(rows.iter().cloned());
        let dir = import_dir(&[("t.csv", write_csv(&all, ',').as_bytes())]);
        let db = db_reading(dir.path());
        let read: Vec<Value> =
            values(&db, "LOAD CSV WITH HEADERS FROM 't.csv' AS row RETURN row").into_iter().map(|mut r| r.remove(0)).collect();
        let want: Vec<Value> = rows
            .iter()
            .map(|r| {
                let names = ["id", "name, or alias", "note"];
                let entries: BTreeMap<String, Value> = names
                    .iter()
                    .zip(r)
                    .map(|(n, f)| (n.to_string(), f.as_deref().map_or(Value::Null, Value::from)))
                    .collect();
                Value::Map(entries)
            })
            .collect();
        prop_assert_eq!(read, want);
    }
}
