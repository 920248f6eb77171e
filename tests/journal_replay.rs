//! A database reopened at any moment holds exactly the graph its process had: random interleavings
//! of writes, deletions, updates that name ids, statements that fail, checkpoints and reopens, with
//! the directory copied and opened after every step and its graph compared with the live one.

use std::path::Path;

use kgraph::Value;
use kgraph::db::Directory;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Step {
    CreateNode {
        label: u8,
        n: i64,
    },
    CreateMany(u8),
    Connect {
        a: u32,
        b: u32,
        ty: u8,
        w: i64,
    },
    SetById {
        id: u32,
        key: u8,
        value: i64,
    },
    RemoveProperty {
        id: u32,
        key: u8,
    },
    Relabel {
        id: u32,
        label: u8,
        add: bool,
    },
    DeleteNode(u32),
    DeleteEdge(u32),
    /// Deletes a node and creates one in the same statement: the new one must not take its id.
    DeleteAndCreate(u32),
    /// What it changes depends on the order relationships are read in.
    TouchFirstNeighbour(u32),
    Random(u32),
    /// Fails after it changed something: undone, so never journalled.
    Failing(u32),
    Index(bool),
    Checkpoint,
    Reopen,
}

fn step() -> impl Strategy<Value = Step> {
    let id = || 0u32..40;
    prop_oneof![
        4 => (0u8..3, any::<i64>()).prop_map(|(label, n)| Step::CreateNode { label, n }),
        1 => (1u8..6).prop_map(Step::CreateMany),
        4 => (id(), id(), 0u8..3, -5i64..5).prop_map(|(a, b, ty, w)| Step::Connect { a, b, ty, w }),
        3 => (id(), 0u8..3, any::<i64>()).prop_map(|(id, key, value)| Step::SetById { id, key, value }),
        1 => (id(), 0u8..3).prop_map(|(id, key)| Step::RemoveProperty { id, key }),
        1 => (id(), 0u8..3, any::<bool>()).prop_map(|(id, label, add)| Step::Relabel { id, label, add }),
        2 => id().prop_map(Step::DeleteNode),
        1 => (0u32..60).prop_map(Step::DeleteEdge),
        1 => id().prop_map(Step::DeleteAndCreate),
        1 => id().prop_map(Step::TouchFirstNeighbour),
        1 => id().prop_map(Step::Random),
        1 => id().prop_map(Step::Failing),
        1 => any::<bool>().prop_map(Step::Index),
        1 => Just(Step::Checkpoint),
        1 => Just(Step::Reopen),
    ]
}

fn statement(step: &Step) -> (String, Vec<(&'static str, Value)>) {
    let labels = ["Actor", "Campaign", "attributed-to"];
    let keys = ["name", "n", "w"];
    match step {
        Step::CreateNode { label, n } => {
            (format!("CREATE (:`{}` {{n: $n}})", labels[*label as usize]), vec![("n", Value::Int(*n))])
        }
        Step::CreateMany(k) => (format!("UNWIND range(1, {k}) AS i CREATE (:Many {{i: i}})"), vec![]),
        Step::Connect { a, b, ty, w } => (
            format!(
                "MATCH (a), (b) WHERE id(a) = $a AND id(b) = $b CREATE (a)-[:`{}` {{w: $w}}]->(b)",
                ["linked-to", "part-of", "R"][*ty as usize]
            ),
            vec![("a", Value::Int(*a as i64)), ("b", Value::Int(*b as i64)), ("w", Value::Int(*w))],
        ),
        Step::SetById { id, key, value } => (
            format!("MATCH (n) WHERE id(n) = $id SET n.{} = $v", keys[*key as usize]),
            vec![("id", Value::Int(*id as i64)), ("v", Value::Int(*value))],
        ),
        Step::RemoveProperty { id, key } => (
            format!("MATCH (n) WHERE id(n) = $id REMOVE n.{}", keys[*key as usize]),
            vec![("id", Value::Int(*id as i64))],
        ),
        Step::Relabel { id, label, add } => (
            format!(
                "MATCH (n) WHERE id(n) = $id {} n:`{}`",
                if *add { "SET" } else { "REMOVE" },
                labels[*label as usize]
            ),
            vec![("id", Value::Int(*id as i64))],
        ),
        Step::DeleteNode(id) => {
            ("MATCH (n) WHERE id(n) = $id DETACH DELETE n".into(), vec![("id", Value::Int(*id as i64))])
        }
        Step::DeleteEdge(id) => {
            ("MATCH ()-[r]->() WHERE id(r) = $id DELETE r".into(), vec![("id", Value::Int(*id as i64))])
        }
        Step::DeleteAndCreate(id) => (
            "MATCH (n) WHERE id(n) = $id DETACH DELETE n CREATE (:Fresh)".into(),
            vec![("id", Value::Int(*id as i64))],
        ),
        Step::TouchFirstNeighbour(id) => (
            "MATCH (a)--(b) WHERE id(a) = $id WITH b LIMIT 1 SET b.touched = coalesce(b.touched, 0) + 1"
                .into(),
            vec![("id", Value::Int(*id as i64))],
        ),
        Step::Random(id) => {
            ("MATCH (n) WHERE id(n) = $id SET n.r = rand()".into(), vec![("id", Value::Int(*id as i64))])
        }
        Step::Failing(id) => (
            "MATCH (n) WHERE id(n) = $id SET n.bad = 1 WITH count(*) AS c CREATE (:Doomed) \
             WITH c, $zero AS z RETURN c / z"
                .into(),
            vec![("id", Value::Int(*id as i64)), ("zero", Value::Int(0))],
        ),
        Step::Index(true) => ("CREATE INDEX FOR (a:Actor) ON (a.n)".into(), vec![]),
        Step::Index(false) => ("DROP INDEX FOR (a:Actor) ON (a.n)".into(), vec![]),
        Step::Checkpoint => ("CHECKPOINT".into(), vec![]),
        Step::Reopen => (String::new(), vec![]),
    }
}

/// Opens a copy of the directory, as a process opening it after a crash at this moment would.
fn reopened_copy(dir: &Path) -> kgraph::Graph {
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, copy.path().join(path.file_name().unwrap())).unwrap();
    }
    let (db, report) = Directory::open(copy.path()).expect("the copy opens");
    assert_eq!(report.dropped_tail, None, "nothing torn: every write was whole");
    db.session().graph().clone()
}

fn check(steps: &[Step]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Directory::open(dir.path()).unwrap().0;
    for (at, step) in steps.iter().enumerate() {
        if let Step::Reopen = step {
            let live = db.session().graph().clone();
            drop(db);
            db = Directory::open(dir.path()).unwrap().0;
            prop_assert!(db.session().graph() == &live, "step {}: reopening changed the graph", at);
            continue;
        }
        let (text, params) = statement(step);
        for (name, value) in params {
            db.set_param(name, value);
        }
        let ran = db.run(&text);
        match step {
            Step::Failing(_) => prop_assert!(ran.is_err(), "step {}: {:?} should fail", at, step),
            _ => prop_assert!(ran.is_ok(), "step {}: {:?} failed: {}", at, step, ran.unwrap_err()),
        }
        let back = reopened_copy(dir.path());
        prop_assert!(
            &back == db.session().graph(),
            "step {}: after {:?}, replay differs from the live graph",
            at,
            step
        );
    }
    Ok(())
}

proptest! {
    // 64 cases of at least 160 steps each: more than 10,000 steps every run.
    #![proptest_config(ProptestConfig { cases: std::env::var("CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64), max_shrink_iters: 2000, ..ProptestConfig::default() })]

    #[test]
    fn a_reopened_database_holds_the_graph_its_process_had_after_every_step(
        steps in prop::collection::vec(step(), 160..200)
    ) {
        check(&steps)?;
    }
}
