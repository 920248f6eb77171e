//! The planner's shortcuts against the plain plans they replace, on random small graphs
//! (self-loops, parallel relationships, both directions, types, length bounds): breadth-first
//! reachability against path enumeration, two-sided against one-sided shortest paths, and id seeks
//! against scans.

use kgraph::{Session, Value};
use proptest::prelude::*;

fn graph(edges: &[(u8, u8, bool)]) -> Session {
    let mut s = Session::new();
    s.run("UNWIND range(0, 6) AS i CREATE (:N {i: i})").unwrap();
    for &(a, b, typed_a) in edges {
        let ty = if typed_a { "A" } else { "B" };
        s.run(&format!("MATCH (a:N {{i: {a}}}), (b:N {{i: {b}}}) CREATE (a)-[:{ty}]->(b)")).unwrap();
    }
    s
}

fn answer(s: &mut Session, query: &str) -> Vec<Vec<Value>> {
    s.run(query).unwrap_or_else(|e| panic!("{query}: {e}")).remove(0).rows
}

fn plan(s: &mut Session, query: &str) -> String {
    answer(s, &format!("EXPLAIN {query}")).iter().map(|r| format!("{:?}\n", r[0])).collect()
}

fn compare(s: &mut Session, pattern: &str, reachable: bool) -> Result<(), TestCaseError> {
    for ret in [
        "RETURN a.i AS a, count(DISTINCT b) AS n ORDER BY a",
        "WHERE b <> a RETURN a.i % 2 AS k, count(DISTINCT b) AS n ORDER BY k",
        "WHERE a <> b RETURN count(DISTINCT b) AS n",
        "RETURN DISTINCT a.i AS a, b.i AS b ORDER BY a, b",
        "WITH a, collect(DISTINCT b.i) AS reached RETURN a.i, size(reached) ORDER BY a.i",
    ] {
        let fast = format!("MATCH (a:N){pattern}(b) {ret}");
        let slow = format!("MATCH p = (a:N){pattern}(b) {ret}");
        let fast_plan = plan(s, &fast);
        let searched = fast_plan.contains("VarLengthReach") || fast_plan.contains("ReachCount");
        prop_assert_eq!(searched, reachable, "{}", fast);
        if reachable && ret.contains("count(DISTINCT b)") {
            prop_assert!(fast_plan.contains("ReachCount"), "{}\n{}", fast, fast_plan);
        }
        let slow_plan = plan(s, &slow);
        prop_assert!(!slow_plan.contains("VarLengthReach") && !slow_plan.contains("ReachCount"));
        prop_assert_eq!(answer(s, &fast), answer(s, &slow), "{}", fast);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn bounded_searches_find_what_paths_find(edges in prop::collection::vec((0u8..7, 0u8..7, any::<bool>()), 0..12)) {
        let mut s = graph(&edges);
        for (arrow_in, arrow_out) in [("-[", "]->"), ("<-[", "]-"), ("-[", "]-")] {
            for types in ["", ":A", ":A|B"] {
                for (bounds, reachable) in [("*1..3", true), ("*0..2", true), ("*..1", true), ("*2..3", false), ("*3", false)] {
                    compare(&mut s, &format!("{arrow_in}{types}{bounds}{arrow_out}"), reachable)?;
                }
            }
        }
    }

    #[test]
    fn unbounded_searches_find_what_paths_find(edges in prop::collection::vec((0u8..7, 0u8..7, any::<bool>()), 0..8)) {
        let mut s = graph(&edges);
        for pattern in ["-[*]->", "<-[:A*]-", "-[*0..]-", "-[*]-"] {
            compare(&mut s, pattern, true)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// The two-sided search of `shortestPath` against the one-sided search of `allShortestPaths`.
    #[test]
    fn two_sided_shortest_paths_are_shortest(edges in prop::collection::vec((0u8..7, 0u8..7, any::<bool>()), 0..14)) {
        let mut s = graph(&edges);
        for pattern in ["-[*]->", "<-[*]-", "-[*]-", "-[:A*]->", "-[:A|B*..2]-"] {
            let one = format!(
                "MATCH (a:N), (b:N) WHERE a <> b OPTIONAL MATCH p = shortestPath((a){pattern}(b)) \
                 RETURN a.i, b.i, length(p), nodes(p)[0] = a AND nodes(p)[-1] = b ORDER BY a.i, b.i"
            );
            let all = format!(
                "MATCH (a:N), (b:N) WHERE a <> b OPTIONAL MATCH p = allShortestPaths((a){pattern}(b)) \
                 WITH a, b, min(length(p)) AS len RETURN a.i, b.i, len, CASE WHEN len IS NULL THEN null ELSE true END ORDER BY a.i, b.i"
            );
            prop_assert_eq!(answer(&mut s, &one), answer(&mut s, &all), "{}", pattern);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn id_seeks_find_what_scans_find(
        edges in prop::collection::vec((0u8..7, 0u8..7, any::<bool>()), 0..10),
        ids in prop::collection::vec(prop_oneof![(-2i64..10).prop_map(|i| i.to_string()), Just("null".to_string()), Just("2.0".to_string()), Just("'3'".to_string())], 0..6),
    ) {
        let mut s = graph(&edges);
        s.run("MATCH (n:N {i: 3}) DETACH DELETE n").unwrap();
        let list = format!("[{}]", ids.join(", "));
        for (seek, scan) in [
            (format!("UNWIND {list} AS x MATCH (a)-->(b) WHERE id(a) = x"), format!("UNWIND {list} AS x MATCH (a)-->(b) WHERE id(a) + 0 = x")),
            (format!("MATCH (a)<--(b) WHERE id(b) IN {list} AND a.i > 1"), format!("MATCH (a)<--(b) WHERE id(b) + 0 IN {list} AND a.i > 1")),
            (format!("MATCH (a) WHERE {list}[0] = id(a)"), format!("MATCH (a) WHERE {list}[0] = id(a) + 0")),
            (format!("MATCH (a)-->(b) WHERE b.i < 5 AND id(a) IN {list}"), format!("MATCH (a)-->(b) WHERE b.i < 5 AND id(a) + 0 IN {list}")),
            (format!("MATCH (a)-->(b) WHERE a.i <> b.i AND id(a) IN {list} AND b.i > 0"), format!("MATCH (a)-->(b) WHERE a.i <> b.i AND id(a) + 0 IN {list} AND b.i > 0")),
        ] {
            let ret = " RETURN a.i AS a, count(*) AS n ORDER BY a";
            prop_assert!(plan(&mut s, &format!("{seek}{ret}")).contains("NodeByIdSeek"), "{}", seek);
            let scanned = plan(&mut s, &format!("{scan}{ret}"));
            prop_assert!(!scanned.contains("NodeByIdSeek"), "{}", scanned);
            prop_assert_eq!(answer(&mut s, &format!("{seek}{ret}")), answer(&mut s, &format!("{scan}{ret}")), "{}", seek);
        }
    }
}

/// The filter after a pattern started by an id seek tested the seek's conjunct again on every row
/// of the pattern (838,033 rows of a two-hop pattern from one node at scale 20).
#[test]
fn a_seeks_conjunct_is_not_tested_again_after_the_pattern() {
    let mut s = graph(&[(0, 1, true), (1, 2, true)]);
    let alone = plan(&mut s, "MATCH (a)-->()-->(c) WHERE id(a) = 0 RETURN count(DISTINCT c)");
    assert!(alone.contains("NodeByIdSeek") && !alone.contains("Filter"), "{alone}");
    let with_more = plan(&mut s, "MATCH (a)-->(b) WHERE b.i > 0 AND id(a) = 0 RETURN b.i");
    assert!(with_more.contains("Filter (b.i > 0)") && !with_more.contains("id(a)"), "{with_more}");
    assert_eq!(answer(&mut s, "MATCH (a)-->()-->(c) WHERE id(a) = 0 RETURN c.i"), vec![vec![Value::Int(2)]]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Counting without enumerating against the nested loops it replaces.
    #[test]
    fn fused_counts_equal_enumerated_counts(edges in prop::collection::vec((0u8..7, 0u8..7, any::<bool>()), 0..16)) {
        let mut s = graph(&edges);
        s.run("MATCH (n:N) WHERE n.i % 2 = 0 SET n:Even").unwrap();
        for pattern in [
            "(a)-->(b)", "(a)<-[:A]-(b:Even)", "(a)--(b)", "(a:Even)-[:A|B]-(b)",
            "(a)-->(b)-->(c)", "(a)-[:A]->(b)<-[:B]-(c)", "(a)--(b)--(c)", "(a:Even)-[:A]-(b)-[:A]->(c:Even)",
            "(a)-[:A]->(b:Even)-[:A]->(c)", "(a)<--(b)--(c)", "(a)-[:Missing]->(b)-->(c)", "(a:Missing)-->(b)",
            // Counted from degrees alone: no labels at the ends, types no relationship can have on both arms.
            "(a)-[:A]->(b)-[:B]->(c)", "(a)-[:B]-(b)-[:A]->(c)", "(a)-[:A]->(b)", "(a)<-[:B]-(b:Even)-[:A]-(c)",
        ] {
            let fused = format!("MATCH {pattern} RETURN count(*) AS n, count(b) AS m");
            let looped = format!("MATCH {pattern} WHERE coalesce(a.i, 0) > -1 RETURN count(*) AS n, count(b) AS m");
            prop_assert!(plan(&mut s, &fused).contains("CountPaths"), "{}", fused);
            prop_assert!(!plan(&mut s, &looped).contains("CountPaths"));
            prop_assert_eq!(answer(&mut s, &fused), answer(&mut s, &looped), "{}", pattern);
        }
    }
}

#[test]
fn counts_that_need_rows_are_not_fused() {
    let mut s = graph(&[(0, 1, true), (1, 2, true)]);
    for query in [
        "MATCH (a)-->(b)-->(c) RETURN a, count(*)",
        "MATCH (a)-->(b)-->(c)-->(d) RETURN count(*)",
        "MATCH (a)-->(b) MATCH (b)-->(c) RETURN count(*)",
        "MATCH (a)-->(b)-->(a) RETURN count(*)",
        "MATCH (a {i: 1})-->(b) RETURN count(*)",
        "MATCH (a)-->(b) RETURN count(DISTINCT b)",
    ] {
        assert!(!plan(&mut s, query).contains("CountPaths"), "{query}");
    }
}

#[test]
fn repeats_that_a_query_counts_keep_path_enumeration() {
    let mut s = graph(&[(0, 1, true), (1, 2, true), (0, 2, true)]);
    for query in [
        "MATCH (a)-[*]->(b) RETURN count(b)",
        "MATCH (a)-[*]->(b) RETURN count(*)",
        "MATCH (a)-[r*]->(b) RETURN count(DISTINCT b)",
        "MATCH (a)-[*]->(b)-[r]->(c) RETURN count(DISTINCT c)",
        "MATCH (a)-[*]->(b) RETURN DISTINCT b, rand() AS r",
        "MATCH (a)-[*]->(b) WITH DISTINCT b LIMIT 1 MATCH (b)-[*]->(c) RETURN collect(c)",
    ] {
        let text = plan(&mut s, query);
        let reach_count = text.matches("VarLengthReach").count();
        let expected = usize::from(query.ends_with("collect(c)"));
        assert_eq!(reach_count, expected, "{query}\n{text}");
    }
    // Two paths lead from node 0 to node 2; a plain count sees both, a distinct count one.
    let rows =
        answer(&mut s, "MATCH (a:N {i: 0})-[*]->(b) RETURN count(b) AS paths, count(DISTINCT b) AS nodes");
    assert_eq!(rows, vec![vec![Value::Int(3), Value::Int(2)]]);
}

/// The graph of `edges`, each relationship holding `k`; and with `only`, just the relationships
/// whose `k` is that.
fn weighted(edges: &[(u8, u8, bool)], only: Option<bool>) -> Session {
    let mut s = Session::new();
    s.run("UNWIND range(0, 6) AS i CREATE (:N {i: i})").unwrap();
    for &(a, b, k) in edges.iter().filter(|e| only.is_none_or(|o| e.2 == o)) {
        let k = i64::from(k);
        s.run(&format!("MATCH (a:N {{i: {a}}}), (b:N {{i: {b}}}) CREATE (a)-[:T {{k: {k}}}]->(b)")).unwrap();
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Issue 18: `shortestPath((a)-[* {k: 1}]->(b))` was refused. A property map on the relationship
    /// finds the shortest paths over the relationships that hold it, as on a graph with only those;
    /// and `shortestPath(…)` as a value is the path `MATCH p = shortestPath(…)` finds, or null.
    #[test]
    fn shortest_paths_filtered_by_relationship_properties_are_those_of_the_filtered_graph(
        edges in prop::collection::vec((0u8..7, 0u8..7, any::<bool>()), 0..18),
        both in any::<bool>(),
    ) {
        let arrow = if both { "-" } else { "->" };
        let mut all = weighted(&edges, None);
        let mut kept = weighted(&edges, Some(true));
        let pairs = "MATCH (a:N), (b:N) WHERE a.i <> b.i";
        let filtered = format!(
            "{pairs} RETURN a.i, b.i, length(shortestPath((a)-[* {{k: 1}}]{arrow}(b))) AS one, \
             size(allShortestPaths((a)-[r* {{k: 1}}]{arrow}(b))) AS every ORDER BY a.i, b.i"
        );
        let plain = format!(
            "{pairs} RETURN a.i, b.i, length(shortestPath((a)-[*]{arrow}(b))) AS one, \
             size(allShortestPaths((a)-[r*]{arrow}(b))) AS every ORDER BY a.i, b.i"
        );
        prop_assert_eq!(answer(&mut all, &filtered), answer(&mut kept, &plain));
        let matched = format!(
            "MATCH p = shortestPath((a:N)-[* {{k: 1}}]{arrow}(b:N)) WHERE a.i <> b.i RETURN a.i, b.i, length(p) ORDER BY a.i, b.i"
        );
        let as_values: Vec<Vec<Value>> =
            answer(&mut all, &filtered).into_iter().filter(|r| !r[2].is_null()).map(|r| r[..3].to_vec()).collect();
        prop_assert_eq!(answer(&mut all, &matched), as_values);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// A quantified path pattern of one relationship between plain nodes is the variable-length
    /// relationship it means, match for match, for every kind of quantifier.
    #[test]
    fn quantified_path_patterns_match_as_their_variable_length_relationships(
        edges in prop::collection::vec((0u8..7, 0u8..7, any::<bool>()), 0..14),
        low in 0u64..3,
        span in 0u64..3,
    ) {
        let mut s = graph(&edges);
        let high = low + span;
        for (quantifier, range) in [
            (format!("{{{low},{high}}}"), format!("*{low}..{high}")),
            (format!("{{{low}}}"), format!("*{low}..{low}")),
            (format!("{{{low},}}"), format!("*{low}..")),
            (format!("{{,{high}}}"), format!("*0..{high}")),
            ("+".to_string(), "*1..".to_string()),
            ("*".to_string(), "*0..".to_string()),
        ] {
            let ret = "RETURN a.i, b.i, count(*) AS n ORDER BY a.i, b.i";
            let quantified = format!("MATCH (a:N)(()-[:A]->()){quantifier}(b) {ret}");
            let var_length = format!("MATCH (a:N)-[:A{range}]->(b) {ret}");
            prop_assert_eq!(answer(&mut s, &quantified), answer(&mut s, &var_length), "{}", quantified);
        }
    }
}
