//! Label expressions (`:A|B`, `:A&B`, `:!A`, `:%`, groups) in patterns and in `WHERE`: they mean
//! what the same boolean formula over `n:Label` tests means, wherever they are written.

use kgraph::{ErrorKind, Session, Value};
use proptest::prelude::*;

fn rows(s: &mut Session, q: &str) -> Vec<Vec<Value>> {
    s.run(q).unwrap_or_else(|e| panic!("{q}: {e}")).remove(0).rows
}

/// A label expression, and the same test written with `n:L`, NOT, AND and OR.
#[derive(Debug, Clone)]
enum Expr {
    Label(&'static str),
    Any,
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

impl Expr {
    fn labels(&self) -> String {
        match self {
            Expr::Label(l) => l.to_string(),
            Expr::Any => "%".into(),
            Expr::Not(e) => format!("!({})", e.labels()),
            Expr::And(a, b) => format!("({})&({})", a.labels(), b.labels()),
            Expr::Or(a, b) => format!("({})|({})", a.labels(), b.labels()),
        }
    }

    fn boolean(&self, v: &str) -> String {
        match self {
            Expr::Label(l) => format!("{v}:{l}"),
            Expr::Any => format!("size(labels({v})) > 0"),
            Expr::Not(e) => format!("NOT ({})", e.boolean(v)),
            Expr::And(a, b) => format!("({}) AND ({})", a.boolean(v), b.boolean(v)),
            Expr::Or(a, b) => format!("({}) OR ({})", a.boolean(v), b.boolean(v)),
        }
    }
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        4 => prop::sample::select(vec!["A", "B", "C", "Missing"]).prop_map(Expr::Label),
        1 => Just(Expr::Any),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Expr::Or(Box::new(a), Box::new(b))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn a_label_expression_means_its_boolean_formula(
        nodes in prop::collection::vec(prop::sample::subsequence(vec!["A", "B", "C"], 0..=3), 1..10),
        e in expr(),
    ) {
        let mut s = Session::new();
        for (i, labels) in nodes.iter().enumerate() {
            let labels: String = labels.iter().map(|l| format!(":{l}")).collect();
            s.run(&format!("CREATE (n{labels} {{i: {i}}})-[:R]->(:Other {{i: {}}})", 100 + i)).unwrap();
        }
        let (labels, boolean) = (e.labels(), e.boolean("n"));
        let every = rows(&mut s, &format!("MATCH (n) WHERE {boolean} RETURN n.i ORDER BY n.i"));
        let sources = rows(&mut s, &format!("MATCH (n)-[:R]->() WHERE {boolean} RETURN n.i ORDER BY n.i"));
        for (q, expected) in [
            (format!("MATCH (n:{labels}) RETURN n.i ORDER BY n.i"), &every),
            (format!("MATCH (n) WHERE n:{labels} RETURN n.i ORDER BY n.i"), &every),
            (format!("MATCH (m)<-[:R]-(n:{labels}) RETURN n.i ORDER BY n.i"), &sources),
            (format!("MATCH (n) WHERE (n:{labels})-[:R]->() OR (n:{labels} AND NOT (n)-[:R]->()) RETURN n.i ORDER BY n.i"), &every),
            (format!("MATCH (n) WITH collect(n) AS all UNWIND [x IN all WHERE x:{labels} | x.i] AS i RETURN i ORDER BY i"), &every),
        ] {
            prop_assert_eq!(&rows(&mut s, &q), expected, "{}", q);
        }
    }
}

#[test]
fn label_expressions_in_patterns_where_and_errors() {
    let mut s = Session::new();
    s.run("CREATE (:Malware {n: 'm'}), (:Tool {n: 't'}), (:Malware:Tool {n: 'both'}), ({n: 'none'})")
        .unwrap();
    let names =
        |s: &mut Session, q: &str| -> Vec<Value> { rows(s, q).into_iter().map(|r| r[0].clone()).collect() };
    let text = |v: &[&str]| -> Vec<Value> { v.iter().map(|x| Value::from(*x)).collect() };
    assert_eq!(names(&mut s, "MATCH (x:Malware|Tool) RETURN x.n ORDER BY x.n"), text(&["both", "m", "t"]));
    assert_eq!(names(&mut s, "MATCH (x:Malware&Tool) RETURN x.n"), text(&["both"]));
    assert_eq!(names(&mut s, "MATCH (x:Malware&!Tool) RETURN x.n"), text(&["m"]));
    assert_eq!(names(&mut s, "MATCH (x:!%) RETURN x.n"), text(&["none"]));
    assert_eq!(names(&mut s, "MATCH (x) WHERE x:!(Malware|Tool) RETURN x.n"), text(&["none"]));
    assert_eq!(names(&mut s, "OPTIONAL MATCH (x:Ghost|Phantom) RETURN x"), vec![Value::Null]);
    // A relationship's type answers `r:A|B`.
    s.run("MATCH (m {n: 'm'}), (t {n: 't'}) CREATE (m)-[:uses]->(t), (t)-[:`linked-to`]->(m)").unwrap();
    assert_eq!(rows(&mut s, "MATCH ()-[r]->() WHERE r:uses|`linked-to` RETURN count(r)"), [[Value::Int(2)]]);
    for q in ["CREATE (:Malware|Tool)", "MERGE (x:!Malware)", "CREATE (a)-[:R]->(b:%)"] {
        let e = s.run(q).expect_err(q);
        let e = e.as_query().expect("a query error");
        assert_eq!(e.kind, ErrorKind::SemanticError, "{q}: {e}");
        assert!(e.message.contains(":A:B or :A&B"), "{q}: {e}");
    }
    // `:A&B` creates both labels.
    s.run("CREATE (:Group&Actor {n: 'g'})").unwrap();
    assert_eq!(names(&mut s, "MATCH (x:Group:Actor) RETURN x.n"), text(&["g"]));
}
