//! Invariants checked on generated inputs: print → parse gives back the same tree; save → load gives
//! back the same graph, whatever was created and deleted before.

use std::collections::BTreeMap;
use std::path::Path;

use kgraph::query::ast::{BinaryOp, Clause, Expr, ExprKind, Span, UnaryOp};
use kgraph::query::parser;
use kgraph::{Graph, NodeId, Value, snapshot};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_]{0,6}",
        Just("attributed-to".to_string()),
        Just("with space".to_string()),
        Just("back`tick".to_string()),
        Just("match".to_string()),
        Just("Úřad".to_string()),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<f64>().prop_filter("finite", |x| x.is_finite()).prop_map(Value::Float),
        ".{0,8}".prop_map(Value::String),
    ]
}

fn expr(kind: ExprKind) -> Expr {
    Expr { kind, span: Span::default() }
}

fn expression() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        scalar().prop_map(|v| expr(ExprKind::Literal(v))),
        name().prop_map(|n| expr(ExprKind::Variable(n))),
        name().prop_map(|n| expr(ExprKind::Parameter(n))),
        Just(expr(ExprKind::CountStar)),
    ];
    leaf.prop_recursive(5, 48, 4, |inner| {
        let ops = prop::sample::select(vec![
            BinaryOp::Or,
            BinaryOp::Xor,
            BinaryOp::And,
            BinaryOp::Eq,
            BinaryOp::Ne,
            BinaryOp::Lt,
            BinaryOp::Le,
            BinaryOp::Gt,
            BinaryOp::Ge,
            BinaryOp::StartsWith,
            BinaryOp::EndsWith,
            BinaryOp::Contains,
            BinaryOp::In,
            BinaryOp::Add,
            BinaryOp::Sub,
            BinaryOp::Mul,
            BinaryOp::Div,
            BinaryOp::Mod,
            BinaryOp::Pow,
        ]);
        prop_oneof![
            (ops, inner.clone(), inner.clone()).prop_map(|(op, a, b)| expr(ExprKind::Binary(
                op,
                Box::new(a),
                Box::new(b)
            ))),
            (prop::sample::select(vec![UnaryOp::Not, UnaryOp::Negate, UnaryOp::Plus]), inner.clone())
                .prop_filter("a minus folds into a number literal", |(op, e)| {
                    !(*op == UnaryOp::Negate
                        && matches!(e.kind, ExprKind::Literal(Value::Int(_) | Value::Float(_))))
                })
                .prop_map(|(op, e)| expr(ExprKind::Unary(op, Box::new(e)))),
            (inner.clone(), any::<bool>())
                .prop_map(|(e, negated)| expr(ExprKind::IsNull { operand: Box::new(e), negated })),
            (inner.clone(), name()).prop_map(|(e, k)| expr(ExprKind::Property(Box::new(e), k))),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| expr(ExprKind::Subscript(Box::new(a), Box::new(b)))),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| expr(ExprKind::List(v))),
            prop::collection::vec((name(), inner.clone()), 0..3).prop_map(|v| expr(ExprKind::Map(v))),
            (
                prop::sample::select(vec!["toLower", "coalesce", "size", "count"]),
                any::<bool>(),
                prop::collection::vec(inner, 0..3)
            )
                .prop_map(|(f, distinct, args)| expr(ExprKind::Call {
                    name: f.to_string(),
                    distinct,
                    args
                })),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_expressions_parse_back_to_themselves(e in expression()) {
        let printed = e.to_string();
        let parsed = parser::parse_expression(&printed)
            .map_err(|err| TestCaseError::fail(format!("{printed}\n{}", err.render(&format!("RETURN {printed}")))))?;
        prop_assert_eq!(&parsed, &e, "printed as {}", printed);
    }

    #[test]
    fn printed_statements_parse_back_to_themselves(e in expression(), label in name(), ty in name(), key in name()) {
        let text = format!(
            "MATCH (a:{l} {{{k}: 1}})-[r:{t}]->(b) WHERE {e} CREATE (b)<-[:{t}]-(:{l}) RETURN DISTINCT a.{k} AS x ORDER BY x DESC SKIP 1 LIMIT 2",
            l = quote(&label), t = quote(&ty), k = quote(&key)
        );
        let first = parser::parse_statement(&text, 0..text.len()).map_err(|err| TestCaseError::fail(err.render(&text)))?;
        let printed = first.to_string();
        let second = parser::parse_statement(&printed, 0..printed.len()).map_err(|err| TestCaseError::fail(err.render(&printed)))?;
        prop_assert_eq!(&first, &second);
        prop_assert!(matches!(second.clauses.last(), Some(Clause::Return(_))));
    }
}

fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

#[derive(Debug, Clone)]
enum Change {
    Node(Vec<String>, Vec<(String, Value)>),
    Edge(usize, usize, String, Vec<(String, Value)>),
    RemoveNode(usize),
    RemoveEdge(usize),
}

fn storable() -> impl Strategy<Value = Value> {
    prop_oneof![
        scalar().prop_filter("null is no property", |v| !v.is_null()),
        prop::collection::vec(any::<i64>().prop_map(Value::Int), 0..4).prop_map(Value::List),
        Just(Value::Float(f64::NAN)),
    ]
}

fn change() -> impl Strategy<Value = Change> {
    let props = || prop::collection::vec((name(), storable()), 0..3);
    prop_oneof![
        3 => (prop::collection::vec(name(), 0..3), props()).prop_map(|(l, p)| Change::Node(l, p)),
        3 => (any::<usize>(), any::<usize>(), name(), props()).prop_map(|(a, b, t, p)| Change::Edge(a, b, t, p)),
        1 => any::<usize>().prop_map(Change::RemoveNode),
        1 => any::<usize>().prop_map(Change::RemoveEdge),
    ]
}

fn apply(changes: &[Change]) -> Graph {
    let mut g = Graph::new();
    for c in changes {
        let nodes: Vec<NodeId> = g.nodes().collect();
        match c {
            Change::Node(labels, props) => {
                let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
                let props: BTreeMap<&str, Value> =
                    props.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                g.create_node(&labels, props);
            }
            Change::Edge(a, b, t, props) if !nodes.is_empty() => {
                let props: BTreeMap<&str, Value> =
                    props.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                g.create_edge(nodes[a % nodes.len()], nodes[b % nodes.len()], t, props).unwrap();
            }
            Change::RemoveNode(i) if !nodes.is_empty() => {
                g.detach_remove_node(nodes[i % nodes.len()]).unwrap()
            }
            Change::RemoveEdge(i) => {
                let edges: Vec<_> = g.edges().collect();
                if !edges.is_empty() {
                    g.remove_edge(edges[i % edges.len()]).unwrap();
                }
            }
            _ => {}
        }
    }
    g
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn save_then_load_gives_an_equal_graph(changes in prop::collection::vec(change(), 0..40)) {
        let g = apply(&changes);
        let bytes = snapshot::to_bytes(&g);
        let back = snapshot::from_bytes(&bytes, Path::new("generated")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &g);
        prop_assert_eq!(back.node_count(), g.node_count());
        prop_assert_eq!(back.edge_count(), g.edge_count());
    }

    #[test]
    fn any_damage_to_a_snapshot_is_an_error_not_a_panic(changes in prop::collection::vec(change(), 0..10), at in any::<usize>(), bit in 0u8..8, cut in any::<bool>()) {
        let mut bytes = snapshot::to_bytes(&apply(&changes));
        let i = at % bytes.len();
        if cut { bytes.truncate(i); } else { bytes[i] ^= 1 << bit; }
        prop_assert!(snapshot::from_bytes(&bytes, Path::new("damaged")).is_err());
    }
}

#[test]
fn save_then_load_after_deletions_through_queries() {
    let mut s = kgraph::Session::new();
    s.run("CREATE (a:A {n: 1})-[:R]->(b:B {n: 2})-[:R]->(c:C {n: 3}), (a)-[:S]->(c)").unwrap();
    let b = s.graph().nodes().nth(1).unwrap();
    s.graph_mut().detach_remove_node(b).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.kgs");
    s.save(&path).unwrap();
    let back = snapshot::load(&path).unwrap();
    assert_eq!(&back, s.graph());
    assert!(!back.contains_node(b));
    let mut reloaded = kgraph::Session::with_graph(back);
    let out = reloaded.run("MATCH (a:A)-[r]->(c) RETURN type(r), c.n").unwrap();
    assert_eq!(out[0].rows, [[Value::from("S"), Value::Int(3)]]);
}
