//! Temporal values everywhere a value goes: each of the six types, generated, must come back the
//! same from its ISO text, a snapshot, the database journal (the process gone, the directory
//! reopened), JSON output, a CSV export read back by the importer, a GraphML export read back, and
//! a Cypher export run again.

use std::path::PathBuf;

use kgraph::export::{ExportFormat, Selection};
use kgraph::temporal::{Field, Kind, Temporal, construct};
use kgraph::{Database, Graph, Value, snapshot};
use proptest::prelude::*;

const ZONES: &[&str] = &["Europe/Prague", "America/New_York", "Asia/Kolkata", "Australia/Eucla", "UTC"];

fn date_fields() -> impl Strategy<Value = (i64, i64, i64)> {
    // Years kept inside ±9000 so that an offset never pushes an instant out of the supported range.
    (-9000i64..=9000, 1i64..=12, 1i64..=28)
}

fn time_fields() -> impl Strategy<Value = (i64, i64, i64, i64)> {
    (0i64..24, 0i64..60, 0i64..60, prop_oneof![Just(0i64), 0i64..1_000_000_000])
}

fn offset() -> impl Strategy<Value = String> {
    (-18i64 * 3600..=18 * 3600).prop_map(|s| {
        let sign = if s < 0 { '-' } else { '+' };
        let a = s.abs();
        format!("{sign}{:02}:{:02}:{:02}", a / 3600, a / 60 % 60, a % 60)
    })
}

/// A time zone as a map's `timezone` gives it: an offset (to the second) or an IANA name.
fn zone() -> impl Strategy<Value = String> {
    prop_oneof![offset(), prop::sample::select(ZONES).prop_map(str::to_string)]
}

/// A value of `kind` from the components given: a date, a time of day, a zone.
fn make(
    kind: Kind,
    date: Option<(i64, i64, i64)>,
    time: Option<(i64, i64, i64, i64)>,
    zone: Option<&str>,
) -> Temporal {
    let mut fields = Vec::new();
    if let Some((y, m, d)) = date {
        fields.extend([("year", Field::Int(y)), ("month", Field::Int(m)), ("day", Field::Int(d))]);
    }
    if let Some((h, mi, s, n)) = time {
        fields.extend([
            ("hour", Field::Int(h)),
            ("minute", Field::Int(mi)),
            ("second", Field::Int(s)),
            ("nanosecond", Field::Int(n)),
        ]);
    }
    if let Some(zone) = zone {
        fields.push(("timezone", Field::Text(zone)));
    }
    construct(kind, &fields).unwrap_or_else(|e| panic!("{kind:?} {fields:?}: {e}"))
}

fn temporal() -> impl Strategy<Value = Temporal> {
    let date = date_fields().prop_map(|d| make(Kind::Date, Some(d), None, None));
    let local_time = time_fields().prop_map(|t| make(Kind::LocalTime, None, Some(t), None));
    let time = (time_fields(), offset()).prop_map(|(t, z)| make(Kind::Time, None, Some(t), Some(&z)));
    let local_datetime =
        (date_fields(), time_fields()).prop_map(|(d, t)| make(Kind::LocalDateTime, Some(d), Some(t), None));
    let datetime = (date_fields(), time_fields(), zone())
        .prop_map(|(d, t, z)| make(Kind::DateTime, Some(d), Some(t), Some(&z)));
    let duration = (
        -1_000_000i64..1_000_000,
        -1_000_000i64..1_000_000,
        -1_000_000_000_000i64..1_000_000_000_000,
        0i64..1_000_000_000,
    )
        .prop_map(|(months, days, seconds, nanos)| {
            let parts = [
                ("months", Field::Int(months)),
                ("days", Field::Int(days)),
                ("seconds", Field::Int(seconds)),
                ("nanoseconds", Field::Int(nanos)),
            ];
            construct(Kind::Duration, &parts).unwrap_or_else(|e| panic!("{parts:?}: {e}"))
        });
    prop_oneof![date, local_time, time, local_datetime, datetime, duration]
}

/// A graph of one node holding `t` alone and in a list, and a relationship holding it.
fn graph_of(t: Temporal, u: Temporal) -> Graph {
    let mut g = Graph::new();
    let a = g.create_node(
        &["T"],
        [("v", Value::Temporal(t)), ("l", Value::List(vec![Value::Temporal(t), Value::Temporal(u)]))],
    );
    let b = g.create_node(&["T"], [("v", Value::Temporal(u))]);
    let ty = g.intern("at");
    let mut props = kgraph::graph::Properties::default();
    props.set(g.intern("when"), Value::Temporal(t));
    g.add_edge(a, b, ty, props).expect("both ends exist");
    g
}

/// Every property of every node and relationship, by the node's `v` (the ids may differ).
fn contents(g: &Graph) -> Vec<String> {
    let mut out: Vec<String> = g
        .nodes()
        .map(|n| {
            let mut props: Vec<String> =
                g.node_properties(n).iter().map(|(k, v)| format!("{}={v}", g.name(k))).collect();
            props.sort();
            props.join(" ")
        })
        .collect();
    out.extend(g.edges().map(|e| {
        g.edge_properties(e).iter().map(|(k, v)| format!("{}={v}", g.name(k))).collect::<Vec<_>>().join(" ")
    }));
    out.sort();
    out
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kgraph-temporal-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_iso_text_reads_back_as_the_same_value(t in temporal()) {
        let text = t.to_string();
        prop_assert_eq!(Temporal::from_canonical(&text).map_err(|e| e.to_string()), Ok(t), "{}", text);
    }

    #[test]
    fn a_snapshot_gives_back_every_temporal_property(t in temporal(), u in temporal()) {
        let g = graph_of(t, u);
        let bytes = snapshot::to_bytes(&g);
        let back = snapshot::from_bytes(&bytes, std::path::Path::new("mem")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(contents(&back), contents(&g));
    }

    #[test]
    fn json_output_reads_back_as_the_same_value(t in temporal()) {
        let g = Graph::new();
        let json = kgraph::format::to_json(&g, &Value::List(vec![Value::Temporal(t)]));
        let back = kgraph::format::from_json_text(&json.to_string()).map_err(TestCaseError::fail)?;
        prop_assert_eq!(back, Value::List(vec![Value::Temporal(t)]));
    }

    #[test]
    fn exports_read_back_with_their_temporal_values(t in temporal(), u in temporal()) {
        let g = graph_of(t, u);
        let all = Selection::all(&g);

        // Cypher script, run again on an empty database.
        let mut script = Vec::new();
        kgraph::export::write(&g, &all, ExportFormat::Cypher, &mut script).expect("writing to memory");
        let db = Database::in_memory();
        db.run_script(&String::from_utf8(script).expect("UTF-8"), "export.cypher").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let again = db.read(contents).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&again, &contents(&g), "Cypher export");

        // GraphML.
        let mut graphml = Vec::new();
        kgraph::export::write(&g, &all, ExportFormat::GraphMl, &mut graphml).expect("writing to memory");
        let (back, problems) = kgraph::readback::read_graphml(&graphml).map_err(TestCaseError::fail)?;
        prop_assert!(problems.is_empty(), "{:?}", problems);
        prop_assert_eq!(contents(&back), contents(&g), "GraphML export");

        // neo4j-admin CSV, through the importer.
        let dir = scratch("csv");
        kgraph::export::export(&g, &all, &dir).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = kgraph::import::import_csv(&[dir.join("nodes.csv")], &[dir.join("relationships.csv")], &mut kgraph::progress::Silent)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let _ = std::fs::remove_dir_all(&dir);
        prop_assert_eq!(contents(&back), contents(&g), "CSV export");
    }
}

proptest! {
    // Each case opens a database directory twice: fewer cases.
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn the_journal_gives_back_temporal_values_after_the_process_is_gone(t in temporal(), u in temporal()) {
        let dir = scratch("journal");
        {
            let db = Database::open(&dir).map_err(|e| TestCaseError::fail(e.to_string()))?;
            db.execute("CREATE (:T {v: $t, l: [$t, $u]})", [("t", Value::Temporal(t)), ("u", Value::Temporal(u))])
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            // Dropped without a checkpoint: the reopened database has only the journal to go by.
        }
        let db = Database::open(&dir).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let rows = db.execute("MATCH (n:T) RETURN n.v, n.l", ()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let row = rows.get(0).ok_or_else(|| TestCaseError::fail("no node came back"))?;
        prop_assert!(row.values()[0].identical(&Value::Temporal(t)));
        prop_assert!(row.values()[1].identical(&Value::List(vec![Value::Temporal(t), Value::Temporal(u)])));
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_string_that_looks_like_a_date_stays_a_string() {
    let db = Database::in_memory();
    let rows = db.execute("RETURN $d AS d, date($d) AS parsed", [("d", "2025-05-28")]).expect("runs");
    let row = rows.get(0).expect("a row");
    assert_eq!(row.values()[0], Value::String("2025-05-28".into()));
    assert!(matches!(row.values()[1], Value::Temporal(Temporal::Date(_))));
}

#[test]
fn claims_filter_and_sort_by_their_dates() {
    let db = Database::in_memory();
    db.execute(
        "CREATE (:Claim {said: date('2025-05-28')}), (:Claim {said: date('2023-02-01')}), (:Claim {said: date('2025-05-02')})",
        (),
    )
    .expect("creates");
    let rows = db
        .execute(
            "MATCH (c:Claim) WHERE c.said >= date('2025-05-01') AND c.said < date('2025-05-01') + duration('P1M') \
             RETURN toString(c.said) AS said ORDER BY c.said",
            (),
        )
        .expect("runs");
    let said: Vec<String> = rows.iter().map(|r| r.get("said").expect("a string")).collect();
    assert_eq!(said, ["2025-05-02", "2025-05-28"]);
}
